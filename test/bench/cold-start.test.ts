import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOOR_HANDLER, LAMBDA_BUILD_OPTIONS } from '../../bench/cold-start.ts';

const dir = mkdtempSync(join(tmpdir(), 'modeshift-floor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cold-start floor handler', () => {
  it('bundles as the steps do, with Middy, the Powertools logger and exactly one SDK client, and exports a handler', async () => {
    const { metafile } = await build({
      ...LAMBDA_BUILD_OPTIONS,
      stdin: { contents: FLOOR_HANDLER, resolveDir: process.cwd(), loader: 'ts' },
      outdir: dir,
      metafile: true,
    });
    const packages = new Set(
      Object.keys(metafile.inputs).flatMap(
        (input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? [],
      ),
    );
    expect([...packages].filter((name) => name.startsWith('@aws-sdk/client-'))).toEqual([
      '@aws-sdk/client-ec2',
    ]);
    expect(packages).toContain('@middy/core');
    expect(packages).toContain('@aws-lambda-powertools/logger');

    const module = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });
});
