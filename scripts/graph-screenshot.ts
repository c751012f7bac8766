/**
 * Makes docs/graph.png, the README's picture of `modeshift graph`: the page
 * for production mode, opened in the headless Chromium the browser tests use
 * (test/support/chromium.ts: @sparticuz/chromium, from the npm install) at
 * 1400 × 1100, scrolled to where the deploy workflow's per-mode branches start.
 *
 *   npx tsx scripts/graph-screenshot.ts [out.png]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../cli/program.ts';
import { startChromium } from '../test/support/chromium.ts';

const out = resolve(process.argv[2] ?? 'docs/graph.png');
const dir = mkdtempSync(join(tmpdir(), 'modeshift-graph-'));
const page = join(dir, 'graph.html');
try {
  const code = await run(['graph', '--mode', 'production', '--out', page]);
  if (code !== 0) throw new Error(`modeshift graph exited ${code}`);
  const chromium = await startChromium({ width: 1400, height: 1100 });
  try {
    const tab = await chromium.context.newPage();
    await tab.goto(pathToFileURL(page).href);
    await tab.click('label.fit'); // full size: the page opens fitted to the window
    // Scroll to where the mode shows: Foundations just under the (sticky) legend, its Parallel
    // branches of Foundations from the left.
    // (A string: tsx would wrap a function's inner names in a helper the page does not have.)
    await tab.evaluate(`(() => {
      const canvas = document.querySelector('#workflow-deploy .canvas');
      const header = document.querySelector('header');
      const at = (state) =>
        document.querySelector('[data-workflow="deploy"][data-state="' + state + '"]').getBoundingClientRect();
      canvas.scrollLeft += at('Foundations').left - canvas.getBoundingClientRect().left - 8;
      window.scrollBy(0, at('Foundations').top - header.getBoundingClientRect().bottom - 12);
    })()`);
    await tab.screenshot({ path: out });
  } finally {
    await chromium.close();
  }
  process.stdout.write(`wrote ${out} (${statSync(out).size} bytes)\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
