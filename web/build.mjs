/**
 * @fileoverview Builds the playground page and the library's browser bundle (web/dist/ebpf-wasm.js:
 * the public API of src/index.ts as one ES module) into web/dist/ with esbuild (browser platform, ESM,
 * es2022 for binaryen's top-level await; `node:*` stays external because binaryen only imports
 * `node:module` behind its Node check) and, with `--serve [port]`, serves web/dist/ on 127.0.0.1.
 * The JIT's binaryen becomes its own chunk, fetched when the JIT is first used; its wasm is inlined
 * in that JavaScript, so there is no separate .wasm fetch. The build fails when any static import
 * of a `node:` module is left in the output (the load/verify/run path must be browser-clean).
 *
 *   node web/build.mjs                 build web/dist/
 *   node web/build.mjs --serve [port]  build, then serve on http://127.0.0.1:<port>/ (default 8080, 0 = any free port)
 */
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import * as esbuild from 'esbuild';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const distDir = join(webDir, 'dist');

/** Static files copied as they are. */
const STATIC_FILES = ['index.html', 'style.css'];

/** Content types by extension for the little server. */
const CONTENT_TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json'],
  ['.png', 'image/png'],
  ['.svg', 'image/svg+xml'],
  ['.wasm', 'application/wasm'],
  ['.map', 'application/json'],
]);

/**
 * Bundles web/app.ts and src/index.ts (sharing chunks) and copies the static files into web/dist/.
 * @returns the output files with their sizes
 */
export async function buildPage() {
  await rm(distDir, { recursive: true, force: true });
  await mkdir(distDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(webDir, 'app.ts'), 'ebpf-wasm': join(webDir, '..', 'src', 'index.ts') },
    outdir: distDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*'],
    tsconfig: join(webDir, 'tsconfig.json'),
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const staticImports = [];
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && imported.kind === 'import-statement') staticImports.push(`${file} imports ${imported.path}`);
    }
  }
  if (staticImports.length > 0) {
    throw new Error(`the browser bundle has static imports of external (Node) modules:\n  ${staticImports.join('\n  ')}`);
  }
  for (const file of STATIC_FILES) await copyFile(join(webDir, file), join(distDir, file));
  return Object.entries(result.metafile.outputs).map(([file, output]) => ({ file, bytes: output.bytes }));
}

/**
 * Serves web/dist/ on 127.0.0.1 only.
 * @returns the server and the port it listens on
 */
export async function servePage(port) {
  const server = createServer((request, response) => {
    respond(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(400);
      response.end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}

/** Answers one GET/HEAD request with a file under web/dist/, or 404/405. */
async function respond(request, response) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  const relative = normalize(pathname === '/' ? 'index.html' : pathname.slice(1));
  const file = join(distDir, relative);
  if (relative.startsWith('..') || !file.startsWith(distDir + sep)) {
    response.writeHead(403).end();
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES.get(extname(file)) ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}\n`);
  }
}

/** Command line: build, and optionally serve. */
async function main(argv) {
  const serveAt = argv.indexOf('--serve');
  const started = Date.now();
  const outputs = await buildPage();
  const total = outputs.reduce((sum, output) => sum + output.bytes, 0);
  process.stdout.write(`built ${outputs.length} files (${(total / 1e6).toFixed(1)} MB) into ${distDir} in ${Date.now() - started} ms\n`);
  if (serveAt < 0) return;
  const portText = argv[serveAt + 1];
  const port = portText === undefined || portText.startsWith('--') ? 8080 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--serve expects a port 0..65535, got '${portText}'`);
  const served = await servePage(port);
  process.stdout.write(`serving http://127.0.0.1:${served.port}/\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
