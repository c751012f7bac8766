/**
 * Headless Chromium for tests and scripts that look at a page: the Chromium
 * that the `@sparticuz/chromium` devDependency ships compressed inside the npm
 * package, unpacked once per version under node_modules/.cache and driven by
 * playwright-core, with a fresh profile and nothing that reaches the network
 * by itself. Nothing is installed with apt or downloaded at run time;
 * `MODESHIFT_CHROMIUM=/path/to/chromium` uses another build instead.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packagedChromium from '@sparticuz/chromium';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Flags that stop Chromium from reaching the network by itself (updates, sync, first-run pages, QUIC probes). */
export const OFFLINE_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/modeshift-chromium', import.meta.url));

/** The version of the installed `@sparticuz/chromium`, which is Chromium's own major version. */
function packagedVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Unpacks the packaged Chromium (about 2 s, 210 MB) unless this version is
 * already unpacked, and returns its executable. `@sparticuz/chromium` unpacks
 * into `os.tmpdir()` and reuses whatever it finds there, so it is pointed at a
 * fresh folder that is renamed into place only once complete: a run killed
 * halfway, another version, or another process unpacking at the same time
 * never leaves a broken binary to launch.
 */
async function unpackedChromium(): Promise<string> {
  const target = join(CACHE_DIR, packagedVersion());
  const executable = join(target, 'chromium');
  if (existsSync(executable)) return executable;
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = mkdtempSync(`${target}.partial-`);
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await packagedChromium.executablePath();
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another process unpacked the same version first: use its copy.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(executable)) throw error;
  }
  return executable;
}

export interface HeadlessChromium {
  /** A fresh browser context (its own empty profile) with the requested viewport. */
  readonly context: BrowserContext;
  /** Closes the browser; its profile goes with it. */
  close(): Promise<void>;
}

/**
 * Starts the packaged Chromium (or `MODESHIFT_CHROMIUM`) headless, with a fresh profile.
 * @param viewport - the size pages open at. @default 1400 × 1000
 */
export async function startChromium(
  viewport: { readonly width: number; readonly height: number } = { width: 1400, height: 1000 },
): Promise<HeadlessChromium> {
  const override = process.env.MODESHIFT_CHROMIUM;
  if (override !== undefined && !existsSync(override))
    throw new Error(
      `MODESHIFT_CHROMIUM names ${override}, which does not exist: unset it to use the packaged Chromium`,
    );
  const browser: Browser = await chromium.launch({
    executablePath: override ?? (await unpackedChromium()),
    // The packaged build needs its own flags (single process, its graphics stack); another build gets the usual ones.
    args: [
      ...(override === undefined ? packagedChromium.args : ['--no-sandbox', '--disable-gpu']),
      ...OFFLINE_ARGS,
    ],
    headless: true,
  });
  try {
    const context = await browser.newContext({ viewport });
    return { context, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
