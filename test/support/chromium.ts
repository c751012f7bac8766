/**
 * Headless Chromium for tests that look at a page: the system's
 * `/usr/bin/chromium` (CI installs it; .ci/run), driven by playwright-core,
 * with a fresh profile and nothing that reaches the network by itself.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.MODESHIFT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile; throws, naming the fix, when it is not installed. */
export async function startChromium(viewport = { width: 1400, height: 1000 }): Promise<HeadlessChromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set MODESHIFT_CHROMIUM`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'modeshift-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
