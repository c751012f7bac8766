// The unit project's guard (unit-process-guard.ts, one of its setup files): a unit test that would start
// Python, the local AWS or a browser fails, and Node still starts.
import { execSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startLocalAws } from '../../emulator/local-aws.ts';

const refused = /unit tests start no Python and no browser, but \w+\(\) would run /;

describe('unit project — no Python, no browser', () => {
  it('refuses to run python3', () => {
    expect(() => spawnSync('python3', ['--version'])).toThrowError(refused);
  });

  it('refuses to start the local AWS, installed or not', async () => {
    await expect(startLocalAws()).rejects.toThrowError(refused);
  });

  it('refuses Chromium started by a library through require, and in a shell command', async () => {
    const required = createRequire(import.meta.url)(
      'node:child_process',
    ) as typeof import('node:child_process');

    expect(() => required.spawn('/tmp/chromium', ['--headless'])).toThrowError(refused);
    expect(() => execSync('cd /tmp && ./chromium --version')).toThrowError(refused);
    await expect(promisify(required.execFile)('headless_shell', [])).rejects.toThrowError(refused);
  });

  it('still starts Node', () => {
    const node = spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });

    expect(node.stdout).toBe('ok');
  });
});
