/**
 * @fileoverview End-to-end test of the playground page: builds it with web/build.mjs, serves it on
 * 127.0.0.1 (free port), drives headless Chromium through playwright-core, and checks what the page
 * shows against the same library API run in Node: per-packet verdict counts, the disassembly, the
 * wat pane, errors with their place, the ELF path, and the benchmark's own comparison of its numbers.
 * Without /usr/bin/chromium the suite fails under CI and is skipped (with the reason) elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { assemble, disassemble, encode, load } from '../../src/index.js';
import { parseClassic, translateClassic } from '../../src/cbpf.js';
import { readCapture } from '../../src/pcap.js';
import { buildPage, servePage } from '../../web/build.mjs';
import { FNV1A_LLVM, makeExampleCapture } from '../../web/examples.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const isCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const mixedPcapPath = join(fixtures, 'pcap', 'mixed.pcap');
const tcpPort80Path = join(fixtures, 'cbpf', 'tcp-port-80.ddd');
const elfPath = join(fixtures, 'elf', 'xdp_maps.o');

/** A program of the test's own (not one of the page's examples): IPv4 protocol, or 0/1 for short/other. */
const PROTOCOL_ASM = `# r0 = IPv4 protocol number; 0 for a runt, 1 for a non-IPv4 frame
    mov %r0, 0
    jlt %r2, 34, done
    mov %r0, 1
    ldxh %r3, [%r1+12]
    jne %r3, 0x0008, done
    ldxb %r0, [%r1+23]
done:
    exit
`;

/** r0 of every packet on both engines, tallied by r0 (decimal string), as the page should show it. */
async function tallyInNode(code: Uint8Array, packets: readonly Uint8Array[], type: 'raw' | 'socket_filter' = 'raw'): Promise<Record<string, number>> {
  const interpreter = type === 'raw' ? await load(code) : await load(code, { type });
  const jit = type === 'raw' ? await load(code, { engine: 'jit', blinding: false }) : await load(code, { type, engine: 'jit', blinding: false });
  const counts: Record<string, number> = {};
  for (const packet of packets) {
    const r0 = interpreter.run(packet).r0;
    expect(jit.run(packet).r0).toBe(r0);
    counts[r0.toString()] = (counts[r0.toString()] ?? 0) + 1;
  }
  return counts;
}

/** The verdict table the page shows: r0 -> packet count. */
async function pageTally(page: Page): Promise<Record<string, number>> {
  const rows = await page.$$eval('#verdicts tr[data-r0]', (elements) =>
    elements.map((row) => [row.getAttribute('data-r0') ?? '', row.querySelector('.count')?.textContent ?? ''] as const),
  );
  return Object.fromEntries(rows.map(([r0, count]) => [r0, Number(count)]));
}

/** Runs `action` and waits until the page has finished the analysis it started. */
async function settle(page: Page, action: () => Promise<void>): Promise<void> {
  const before = await page.getAttribute('#status', 'data-generation');
  await action();
  await page.waitForFunction((previous) => {
    const status = document.getElementById('status');
    return status !== null && status.dataset['generation'] !== previous && status.dataset['state'] !== 'busy';
  }, before);
}

if (!hasChromium && !isCi) {
  describe('web page (end to end)', () => {
    it.skip(`needs Chromium at ${CHROMIUM} (apt-get install -y chromium); under CI a missing browser is a failure`, () => {});
  });
} else {
  describe('web page (end to end)', () => {
    let server: Server | undefined;
    let browser: Browser | undefined;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      if (!hasChromium) throw new Error(`CI is set but Chromium is missing at ${CHROMIUM}: install it with apt-get install -y chromium`);
      await buildPage();
      const served = await servePage(0);
      server = served.server;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`http://127.0.0.1:${served.port}/`);
      await page.waitForSelector('#example-0');
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
    });

    it('runs a program file on a capture file: verdict counts equal the Node run, panes filled', async () => {
      const code = assemble(PROTOCOL_ASM);
      const capture = readCapture(new Uint8Array(readFileSync(mixedPcapPath)));
      const want = await tallyInNode(code, capture.packets.map((packet) => packet.data));
      await settle(page, () =>
        page.setInputFiles('#file-input', [
          { name: 'protocol.asm', mimeType: 'text/plain', buffer: Buffer.from(PROTOCOL_ASM) },
          { name: 'mixed.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: readFileSync(mixedPcapPath) },
        ]),
      );
      expect(await page.textContent('#errors')).toBe('');
      expect(await pageTally(page)).toEqual(want);
      expect(Object.values(want).reduce((sum, count) => sum + count, 0)).toBe(capture.packets.length);
      expect(await page.textContent('#disassembly')).toBe(disassemble(code, { addresses: true }));
      const wat = (await page.textContent('#wat')) ?? '';
      expect(wat.startsWith('(module')).toBe(true);
      expect(wat).toContain('(export "run"');
      expect(await page.textContent('#verifier-badge')).toBe('accepted');
    });

    it('runs tcpdump -ddd text on the capture: accepted packets equal tcpdump and the Node translation', async () => {
      const text = readFileSync(tcpPort80Path, 'utf8');
      const capture = readCapture(new Uint8Array(readFileSync(mixedPcapPath)));
      const want = await tallyInNode(encode(translateClassic(parseClassic(text))), capture.packets.map((packet) => packet.data), 'socket_filter');
      await settle(page, () => page.setInputFiles('#file-input', tcpPort80Path));
      expect(await page.textContent('#errors')).toBe('');
      const got = await pageTally(page);
      expect(got).toEqual(want);
      expect(got['262144']).toBe(13); // tcpdump's own count for 'tcp port 80' on this capture (fixtures/cbpf/expected.json)
      expect(await page.textContent('#source-kind')).toBe('classic BPF');
    });

    it('runs raw instruction bytes on the generated example capture', async () => {
      const code = assemble(PROTOCOL_ASM);
      const captureBytes = makeExampleCapture(50, 7);
      const want = await tallyInNode(code, readCapture(captureBytes).packets.map((packet) => packet.data));
      await settle(page, () =>
        page.setInputFiles('#file-input', [
          { name: 'protocol.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(code) },
          { name: 'small.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: Buffer.from(captureBytes) },
        ]),
      );
      expect(await page.textContent('#errors')).toBe('');
      expect(await pageTally(page)).toEqual(want);
      expect(await page.textContent('#source-kind')).toBe('raw bytes (protocol.bin)');
    });

    it('shows an assembler error with its line and column', async () => {
      await page.fill('#source', 'mov %r0, 1\n  frobnicate %r1\nexit\n');
      await settle(page, () => page.click('#run'));
      const errors = (await page.textContent('#errors')) ?? '';
      expect(errors).toContain('line 2, column 3');
      expect(await page.getAttribute('#status', 'data-state')).toBe('error');
    });

    it('shows a verifier rejection with its pc in the verifier pane', async () => {
      await page.fill('#source', 'mov %r0, 1\nexit\nmov %r0, 2\nexit\n');
      await settle(page, () => page.click('#run'));
      expect(await page.textContent('#verifier-badge')).toBe('rejected');
      expect(await page.textContent('#verifier-log')).toContain('at pc 2');
      expect(await page.textContent('#errors')).toContain('verifier rejected the program');
    });

    it('shows a runtime error with its pc', async () => {
      await settle(page, () => page.click('#example-1'));
      await page.fill('#source', 'mov %r0, 0\nldxdw %r0, [%r1+64]\nexit\n');
      await page.fill('#memory', '01 02 03 04');
      await settle(page, () => page.click('#run'));
      expect(await page.textContent('#verifier-badge')).toBe('accepted');
      expect(await page.textContent('#errors')).toContain('runtime error at pc 1 (out-of-bounds)');
    });

    it('handles an ELF object: programs when loadObject exists, a visible notice otherwise', async () => {
      await settle(page, () => page.setInputFiles('#file-input', elfPath));
      if ('loadObject' in api) {
        expect(await page.$$eval('#object-program option', (options) => options.length)).toBeGreaterThan(0);
        expect(await page.textContent('#verifier-badge')).toBe('accepted');
      } else {
        expect(await page.textContent('#errors')).toContain('ELF objects need loadObject (not available in this build)');
      }
    });

    it('benchmarks the FNV-1a example: the page reports the JIT faster than the interpreter', async () => {
      await settle(page, () => page.click('#example-1'));
      expect(await page.inputValue('#source')).toBe(FNV1A_LLVM);
      expect(await page.textContent('#errors')).toBe('');
      await page.selectOption('#bench-budget', '150');
      await page.click('#bench-run');
      await page.waitForSelector('#bench-panel[data-state="done"]');
      const interpreterNs = Number(await page.getAttribute('#bench-panel', 'data-interpreter-ns'));
      const jitNs = Number(await page.getAttribute('#bench-panel', 'data-jit-ns'));
      expect(Number.isFinite(interpreterNs) && Number.isFinite(jitNs) && jitNs > 0).toBe(true);
      expect(jitNs).toBeLessThan(interpreterNs);
      expect(await page.$$eval('#bench-chart svg rect', (bars) => bars.length)).toBe(2);
    });

    it('serves the library bundle: assemble, load and run on both engines inside the browser', async () => {
      // a string, not a function: vitest rewrites import() inside functions of this file
      const script = `(async () => {
        const library = await import('/ebpf-wasm.js');
        const code = library.assemble('mov %r0, 6\\nmul %r0, 7\\nexit');
        const interpreter = await library.load(code);
        const jit = await library.load(code, { engine: 'jit' });
        return [String(interpreter.run().r0), String(jit.run().r0), jit.wat().startsWith('(module')];
      })()`;
      const results: unknown = await page.evaluate(script);
      expect(results).toEqual(['42', '42', true]);
    });

    it('raised no uncaught page errors', () => {
      expect(pageErrors).toEqual([]);
    });
  });
}
