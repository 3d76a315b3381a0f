/**
 * @fileoverview The CLI entry for spawned-process tests: what bin/ebpf-wasm.js does with the built
 * dist/, done on the TypeScript source (run with `node --import tsx test/cli/main.ts ...`).
 */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv.slice(2));
