/**
 * The Lambda bundle plugins (stacks/lambda-bundle-plugins.mjs): what they
 * leave out of a bundle, that a bundled client still sends and reads exactly
 * what the SDK does unbundled, and that SST's own plugin bridge runs them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUILD_OPTIONS } from '../../bench/cold-start.ts';
import { LAMBDA_BUNDLE } from '../../stacks/lambda-bundle.ts';
import lambdaBundlePlugins, {
  builtInOnUse,
  ENV_CREDENTIALS_MODULE,
  literalSchemaKeys,
} from '../../stacks/lambda-bundle-plugins.mjs';
import { exchanges, signedWith } from './fixtures/sdk-exchange.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/stacks/fixtures/sdk-exchange.ts');
const EC2_SCHEMAS = createRequire(join(ROOT, 'package.json'))
  .resolve('@aws-sdk/client-ec2')
  .replace(/dist-cjs[\\/]index\.js$/, 'dist-es/schemas/schemas_0.js');

/**
 * A Lambda bundle of `entry` as SST makes it, with the given plugins instead
 * of the app's: its text (entry and chunks) and inputs; written to `outdir`
 * when given, whose `bundle.mjs` is then its entry.
 */
async function bundle(entry: string, plugins: Plugin[], outdir?: string) {
  const result = await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [entry],
    plugins,
    metafile: true,
    ...(outdir ? { outdir } : { write: false, outdir: tmpdir() }),
  });
  const text = outdir
    ? Object.keys(result.metafile.outputs)
        .map((output) => readFileSync(output, 'utf8'))
        .join('\n')
    : (result.outputFiles ?? []).map((file) => file.text).join('\n');
  return { text, inputs: Object.keys(result.metafile.inputs) };
}

describe('literal schema keys', () => {
  it('writes computed keys that name string constants as the strings', () => {
    const source = [
      'const _eQN = "ec2QueryName";',
      'const _xN = "xmlName";',
      'export var A$ = [3, n0, _A, 0, [_M, _Ma], [[1, { [_eQN]: `Min`, [_xN]: _m4 }], [1, {',
      '    [_xN]: _ma }]]];',
    ].join('\n');

    const rewritten = literalSchemaKeys(source);

    expect(rewritten).toContain('{ "ec2QueryName": `Min`, "xmlName": _m4 }');
    expect(rewritten).toContain('{\n    "xmlName": _ma }');
    expect(rewritten).toContain('[_M, _Ma]');
  });

  it('leaves computed keys alone that name anything but a string constant', () => {
    const source = 'const _x = compute();\nconst _y = "y";\nexport var B$ = { [_x]: 1, [_z]: 2, [_y]: 3 };';

    expect(literalSchemaKeys(source)).toBe(
      'const _x = compute();\nconst _y = "y";\nexport var B$ = { [_x]: 1, [_z]: 2, "y": 3 };',
    );
  });

  it('leaves no computed key in an SDK client’s generated schemas', () => {
    const source = readFileSync(EC2_SCHEMAS, 'utf8');
    expect(source).toMatch(/\[_\w+\]:/);

    expect(literalSchemaKeys(source)).not.toMatch(/[{,]\s*\[_\w+\]\s*:/);
  });
});

describe('built-ins read when used', () => {
  it('stand in for a built-in with its every export, loading it on the first read', async () => {
    const webStreams = await import('node:stream/web');
    const loads: string[] = [];
    const module = { exports: {} as Record<string, unknown> };
    const requireCounted = (name: string) => {
      loads.push(name);
      return webStreams;
    };

    new Function('module', 'require', await builtInOnUse('node:stream/web'))(module, requireCounted);

    expect(Object.keys(module.exports).sort()).toEqual(
      Object.keys(webStreams)
        .filter((key) => key !== 'default')
        .sort(),
    );
    expect(loads).toEqual([]);
    expect(module.exports.ReadableStream).toBe(webStreams.ReadableStream);
    expect(module.exports.TransformStream).toBe(webStreams.TransformStream);
    expect(loads).toEqual(['node:stream/web']);
  });

  it('leave the diagnostic report and web streams out of a handler’s cold start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeshift-built-ins-'));
    try {
      await build({
        ...LAMBDA_BUILD_OPTIONS,
        entryPoints: [join(ROOT, 'functions/steps/check-expiry-schedule.ts')],
        outdir: dir,
      });
      const probe = [
        'const before = new Set(process.moduleLoadList);',
        `const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'bundle.mjs')).href)});`,
        'const loaded = process.moduleLoadList.filter((name) => !before.has(name));',
        'process.stdout.write(JSON.stringify({ handler: typeof handler, loaded }));',
      ].join('\n');
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'us-east-1' },
      });
      const { handler, loaded } = JSON.parse(output) as { handler: string; loaded: string[] };

      expect(handler).toBe('function');
      expect(loaded).toContain('NativeModule https');
      for (const left of ['NativeModule internal/process/report', 'NativeModule stream/web']) {
        expect(loaded).not.toContain(left);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Lambda bundle', () => {
  it('holds the EC2 shapes its step sends, not all of EC2', async () => {
    const entry = join(ROOT, 'functions/steps/ensure-network.ts');
    const without = await bundle(entry, []);
    const withPlugins = await bundle(entry, lambdaBundlePlugins);

    expect(without.text).toContain('AcceptAddressTransferRequest');
    expect(withPlugins.text).not.toContain('AcceptAddressTransferRequest');
    expect(withPlugins.text).toContain('CreateVpcRequest');
    expect(withPlugins.text.length).toBeLessThan(without.text.length / 2);
  });

  it('loads credentials from the environment only', async () => {
    const { inputs } = await bundle(join(ROOT, 'functions/steps/ensure-network.ts'), lambdaBundlePlugins);

    expect(inputs.some((input) => input.includes('credential-provider-env'))).toBe(true);
    for (const dropped of [
      'credential-provider-node',
      'credential-provider-ini',
      'credential-provider-sso',
      'nested-clients',
    ]) {
      expect(inputs.filter((input) => input.includes(dropped))).toEqual([]);
    }
  });

  it('loads the code it imports on demand only on demand', async () => {
    const { metafile } = await build({
      ...LAMBDA_BUILD_OPTIONS,
      entryPoints: [join(ROOT, 'functions/steps/ensure-network.ts')],
      metafile: true,
      write: false,
      outdir: tmpdir(),
    });
    const outputs = Object.entries(metafile.outputs);
    const entry = outputs.find(([, output]) => output.entryPoint !== undefined);
    const staticChunks = new Set(
      entry?.[1].imports.filter((imported) => imported.kind === 'import-statement').map(({ path }) => path),
    );
    const loaded = outputs.filter(([path]) => path === entry?.[0] || staticChunks.has(path));
    const inputsOf = (chosen: typeof outputs) => chosen.flatMap(([, output]) => Object.keys(output.inputs));

    expect(inputsOf(outputs).some((input) => input.includes('/event-streams/'))).toBe(true);
    expect(inputsOf(loaded).filter((input) => input.includes('/event-streams/'))).toEqual([]);
  });

  describe('run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeshift-lambda-bundle-'));
    let bundled: typeof import('./fixtures/sdk-exchange.ts');
    const saved = { ...process.env };

    beforeAll(async () => {
      await bundle(FIXTURE, lambdaBundlePlugins, dir);
      bundled = await import(pathToFileURL(join(dir, 'bundle.mjs')).href);
    });
    afterAll(() => {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    it('sends and reads what the SDK sends and reads unbundled', async () => {
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

      const expected = await exchanges(credentials);
      const actual = await bundled.exchanges(credentials);

      expect(expected).toHaveLength(4);
      expect(expected[0]?.sent.body).toContain('TagSpecification.1.Tag.1.Key=modeshift%3Aenvironment');
      expect(expected[3]?.sent.body).toContain('<Name>web.example.com</Name>');
      expect(actual).toEqual(expected);
    });

    it('signs with the credentials Lambda puts in the environment', async () => {
      process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENVIRONMENT';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      process.env.AWS_SESSION_TOKEN = 'token';

      expect(await bundled.signedWith()).toContain('Credential=AKIAFROMENVIRONMENT/');
      expect(await signedWith()).toContain('Credential=AKIAFROMENVIRONMENT/');
    });
  });
});

describe("SST's plugin bridge", () => {
  const bridge = join(ROOT, '.sst/platform/functions/nodejs-runtime/plugin.mjs');

  beforeAll(() => {
    // `sst install` (also run by `npm run check`) writes the bridge SST bundles functions through.
    if (!existsSync(bridge)) {
      execFileSync('npx', ['sst', 'install', '--stage', 'ci'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, SST_SKIP_DEPENDENCY_CHECK: '1', SST_NO_BUN: '1', SST_TELEMETRY_DISABLED: '1' },
      });
    }
  }, 120_000);

  /** Sends the bridge what SST's bundler sends it (pkg/runtime/node/plugin.go) and returns its replies. */
  async function ask(messages: Array<{ command: string; value: Record<string, unknown> }>) {
    const child = spawn(process.execPath, [bridge, join(ROOT, LAMBDA_BUNDLE.plugins)], { cwd: ROOT });
    const replies = new Map<number, Record<string, unknown>>();
    const lines = createInterface({ input: child.stdout });
    const done = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        const reply = JSON.parse(line) as { id: number; value: Record<string, unknown> };
        replies.set(reply.id, reply.value);
        if (replies.size === messages.length) resolve();
      });
    });
    messages.forEach((message, id) => {
      child.stdin.write(`${JSON.stringify({ id, ...message })}\n`);
    });
    await done;
    child.kill();
    return messages.map((_, id) => replies.get(id) ?? {});
  }

  it('runs the plugins of every function', async () => {
    const resolveArgs = {
      importer: FIXTURE,
      namespace: 'file',
      resolveDir: ROOT,
      kind: 'import-statement',
      with: {},
    };
    const [schemas, credentials, other] = await ask([
      { command: 'load', value: { path: EC2_SCHEMAS, namespace: 'file', suffix: '', with: {} } },
      { command: 'resolve', value: { path: '@aws-sdk/credential-provider-node', ...resolveArgs } },
      { command: 'resolve', value: { path: '@aws-sdk/client-ec2', ...resolveArgs } },
    ]);

    expect(schemas?.loader).toBe('js');
    expect(schemas?.contents).toBe(literalSchemaKeys(readFileSync(EC2_SCHEMAS, 'utf8')));
    expect(credentials).toEqual({ path: ENV_CREDENTIALS_MODULE });
    expect(other).toEqual({});
  });

  it('runs the built-ins read when used', async () => {
    const resolveArgs = { namespace: 'file', resolveDir: ROOT, kind: 'import-statement', with: {} };
    const middy = join(ROOT, 'node_modules/@middy/core/index.js');
    const [processResolved, middyStreams, otherStreams, processLoaded] = await ask([
      { command: 'resolve', value: { path: 'node:process', importer: FIXTURE, ...resolveArgs } },
      { command: 'resolve', value: { path: 'node:stream/web', importer: middy, ...resolveArgs } },
      { command: 'resolve', value: { path: 'node:stream/web', importer: FIXTURE, ...resolveArgs } },
      {
        command: 'load',
        value: { path: 'node:process', namespace: 'modeshift-built-in', suffix: '', with: {} },
      },
    ]);

    expect(processResolved).toEqual({ path: 'node:process', namespace: 'modeshift-built-in' });
    expect(middyStreams).toEqual({ path: 'node:stream/web', namespace: 'modeshift-built-in' });
    expect(otherStreams).toEqual({});
    expect(processLoaded).toEqual({ contents: 'module.exports = process;', loader: 'js' });
  });
});
