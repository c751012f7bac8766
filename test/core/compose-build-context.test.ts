import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeError, type ComposeOptions, loadComposeFile } from '../../core/compose.ts';

/** A project folder `<root>/repo/app` with a compose file, and a folder `<root>/outside` beside the repo. */
let root: string;
let app: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'modeshift-contexts-'));
  app = join(root, 'repo', 'app');
  outside = join(root, 'outside');
  mkdirSync(join(app, 'web'), { recursive: true });
  mkdirSync(outside);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const OPTIONS: ComposeOptions = {
  environment: 'pr-1',
  mode: 'development',
  deploymentId: 'deploy-1',
  variables: {},
};

/** Loads `<app>/compose.yaml` whose service `web` builds from `context`. */
function load(context: string, options: Partial<ComposeOptions> = {}) {
  const file = join(app, 'compose.yaml');
  writeFileSync(
    file,
    `name: shop\nservices:\n  web:\n    build:\n      context: ${JSON.stringify(context)}\n`,
  );
  return loadComposeFile(file, { ...OPTIONS, ...options });
}

/** The problems `load` refuses the context with; fails the test if it is accepted. */
function refusal(context: string): Array<{ path: string; message: string }> {
  try {
    load(context);
  } catch (error) {
    if (error instanceof ComposeError) return [...error.problems];
    throw error;
  }
  throw new Error(`expected ${context} to be refused`);
}

describe('compose input — build contexts stay inside the project', () => {
  it('uploads a context inside the compose file’s folder', () => {
    expect(load('./web').uploads).toEqual([
      expect.objectContaining({ service: 'web', localPath: join(app, 'web') }),
    ]);
  });

  it('uploads the compose file’s folder itself', () => {
    expect(load('.').uploads[0]?.localPath).toBe(app);
  });

  it('refuses ../.., naming the service, the path and the flag', () => {
    const [problem] = refusal('../..');

    expect(problem?.path).toBe('services.web.build.context');
    expect(problem?.message).toContain('"../.." is outside the compose file\'s folder');
    expect(problem?.message).toContain(`resolves to ${root}`);
    expect(problem?.message).toContain('--allow-context-outside');
  });

  it('refuses an absolute path outside the project', () => {
    const [problem] = refusal(outside);

    expect(problem?.path).toBe('services.web.build.context');
    expect(problem?.message).toContain(`${JSON.stringify(outside)} is outside the compose file's folder`);
  });

  it('refuses a link inside the project that leads out of it, naming where it leads', () => {
    symlinkSync(outside, join(app, 'certs'));

    const [problem] = refusal('./certs');

    expect(problem?.path).toBe('services.web.build.context');
    expect(problem?.message).toContain(`through a link, to ${outside}`);
  });

  it('accepts a link that stays inside the project', () => {
    symlinkSync(join(app, 'web'), join(app, 'current'));

    expect(load('./current').uploads).toHaveLength(1);
  });

  it('does not take a sibling folder whose name starts with the project’s for the project', () => {
    mkdirSync(join(root, 'repo', 'app-secrets'));

    expect(refusal('../app-secrets')[0]?.path).toBe('services.web.build.context');
  });

  it('uploads a context outside the project when allowContextOutside says so', () => {
    const loaded = load('../..', { allowContextOutside: true });

    expect(loaded.uploads.map((upload) => upload.localPath)).toEqual([root]);
  });
});
