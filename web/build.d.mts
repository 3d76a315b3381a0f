/**
 * @fileoverview Types of web/build.mjs for TypeScript callers (the end-to-end page test).
 */
import type { Server } from 'node:http';

/** Bundles the page into web/dist/; returns the output files and their sizes. */
export function buildPage(): Promise<{ file: string; bytes: number }[]>;

/** Serves web/dist/ on 127.0.0.1 (`port` 0 picks a free port). */
export function servePage(port: number): Promise<{ server: Server; port: number }>;
