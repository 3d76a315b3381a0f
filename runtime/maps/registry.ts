/**
 * @fileoverview The maps of one address space by header address: a program's map "pointer" (what
 * lddw loads) is the map's header address, so helpers resolve r1 through this registry.
 */
import type { BpfMap } from './common.js';
import { RingBufMap } from './ringbuf.js';

/** Header address -> live map, for one address space. */
export class MapRegistry {
  private readonly maps = new Map<number, BpfMap>();
  private readonly rings: RingBufMap[] = [];

  /** Adds `map` and returns its header address (the value lddw loads for it). */
  register(map: BpfMap): number {
    this.maps.set(map.address, map);
    if (map instanceof RingBufMap) this.rings.push(map);
    return map.address;
  }

  /** The map whose header is at `address`, if any. */
  byAddress(address: number): BpfMap | undefined {
    return this.maps.get(address);
  }

  /** The map called `name`, if any (the first registered when names repeat). */
  byName(name: string): BpfMap | undefined {
    for (const map of this.maps.values()) if (map.name === name) return map;
    return undefined;
  }

  /** The ring buffer whose data area holds `address` (a sample pointer), if any. */
  ringContaining(address: number): RingBufMap | undefined {
    return this.rings.find((ring) => ring.contains(address));
  }

  /** Every registered map, in registration order. */
  all(): BpfMap[] {
    return [...this.maps.values()];
  }
}
