#!/usr/bin/env node
// Entry point of the `ebpf-wasm` command: runs the compiled CLI from dist/ (built by `npm run build`).
import process from 'node:process';
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv.slice(2));
