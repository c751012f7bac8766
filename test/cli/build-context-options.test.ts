import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDigest } from '../../core/build-digest.ts';
import { runCli } from '../support/cli.ts';

/** `<root>/app/compose.yaml`, whose service web builds from `../shared` (outside the app's folder). */
let root: string;
let file: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'modeshift-cli-contexts-'));
  mkdirSync(join(root, 'app'));
  mkdirSync(join(root, 'shared'));
  writeFileSync(join(root, 'shared', 'Dockerfile'), 'FROM nginx\n');
  file = join(root, 'app', 'compose.yaml');
  writeFileSync(file, 'name: shop\nservices:\n  web:\n    build: ../shared\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** An endpoint nothing listens on: a deploy that got as far as calling AWS would fail with 1, not 2. */
const NOWHERE = 'http://127.0.0.1:9';

describe('modeshift deploy — build contexts outside the project', () => {
  it('exits 2 naming the service and the path, before any AWS call', async () => {
    const result = await runCli([
      'deploy',
      '-f',
      file,
      '--env',
      'pr-1',
      '--mode',
      'dev',
      '--endpoint',
      NOWHERE,
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: services.web.build.context: "../shared" is outside the compose file\'s folder',
    );
    expect(result.stderr).toContain('--allow-context-outside');
  });

  it('is planned when --allow-context-outside allows it', async () => {
    const result = await runCli([
      'plan',
      '-f',
      file,
      '--env',
      'pr-1',
      '--mode',
      'dev',
      '--offline',
      '--allow-context-outside',
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).request.services[0].build.context).toBe(
      `s3://modeshift-artifacts/shop/pr-1/web/${buildDigest({ context: join(root, 'shared') }).digest}.tar.gz`,
    );
  });

  it('is refused by plan too without the flag', async () => {
    const result = await runCli(['plan', '-f', file, '--env', 'pr-1', '--mode', 'dev', '--offline']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services.web.build.context');
  });
});

describe('modeshift deploy --max-context-size', () => {
  it('exits 2 for a value that is not a size, before any AWS call', async () => {
    writeFileSync(file, 'name: shop\nservices:\n  web:\n    build: .\n');

    const result = await runCli([
      'deploy',
      '-f',
      file,
      '--env',
      'pr-1',
      '--mode',
      'dev',
      '--endpoint',
      NOWHERE,
      '--max-context-size',
      'lots',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --max-context-size: "lots" is not a size');
  });
});
