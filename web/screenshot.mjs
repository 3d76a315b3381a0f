/**
 * @fileoverview Refreshes web/screenshot.png (shown in the README): builds and serves the page,
 * opens it in headless Chromium (Debian's /usr/bin/chromium through playwright-core), loads the
 * first bundled example (packet classifier + generated capture), runs the benchmark, and captures
 * the full page.
 *
 *   node web/screenshot.mjs [--example N] [--out path.png]
 */
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildPage, servePage } from './build.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
};
const example = Number(option('--example', '0'));
const out = option('--out', fileURLToPath(new URL('screenshot.png', import.meta.url)));

await buildPage();
const { server, port } = await servePage(0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.click(`#example-${example}`);
  await page.waitForSelector('#status[data-state="ready"]:not([data-generation="0"])');
  await page.click('#bench-run');
  await page.waitForSelector('#bench-panel[data-state="done"]');
  const errors = (await page.textContent('#errors')) ?? '';
  if (errors !== '' || problems.length > 0) throw new Error(`the page shows errors: ${errors} ${problems.join('; ')}`);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  server.close();
}
