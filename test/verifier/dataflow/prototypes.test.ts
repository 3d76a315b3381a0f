/**
 * @fileoverview The helper prototype table: in sync with the runtime's helper implementations, and
 * well-formed (sizes follow memory arguments, at most five arguments, unique ids).
 */
import { describe, expect, it } from 'vitest';
import { HelperId } from '../../../runtime/helpers/kernel.js';
import { HELPER_PROTOTYPES, helperProto } from '../../../runtime/helpers/prototypes.js';

describe('HELPER_PROTOTYPES', () => {
  it('has one prototype per runtime helper, with the same name', () => {
    const runtime = Object.entries(HelperId)
      .map(([name, id]) => `${id}:${name}`)
      .sort();
    const table = HELPER_PROTOTYPES.map((p) => `${p.id}:${p.name}`).sort();
    expect(table).toEqual(runtime);
  });

  it.each(HELPER_PROTOTYPES.map((p) => ({ name: p.name, proto: p })))('$name is well-formed', ({ proto }) => {
    expect(proto.args.length).toBeLessThanOrEqual(5);
    expect(helperProto(proto.id)).toBe(proto);
    proto.args.forEach((kind, i) => {
      if (kind === 'ARG_CONST_SIZE' || kind === 'ARG_CONST_SIZE_OR_ZERO') {
        expect(['ARG_PTR_TO_MEM', 'ARG_PTR_TO_MEM_OR_NULL', 'ARG_PTR_TO_UNINIT_MEM']).toContain(proto.args[i - 1]);
      }
      if (kind === 'ARG_PTR_TO_MAP_KEY' || kind === 'ARG_PTR_TO_MAP_VALUE' || kind === 'ARG_PTR_TO_UNINIT_MAP_VALUE') {
        expect(proto.args.slice(0, i)).toContain('ARG_CONST_MAP_PTR');
      }
    });
  });
});
