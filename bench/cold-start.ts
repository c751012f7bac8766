/**
 * Handler cold start: every Lambda handler of the app bundled as SST bundles
 * it (esbuild: bundle, platform node, ESM, target node22, minified, ESM
 * entry points of packages first, and the AWS SDK bundled in: SST bundles it
 * rather than use the copy in the Lambda runtime; with the app's esbuild
 * plugins, stacks/lambda-bundle-plugins.mjs, and split into an entry and
 * chunks as stacks/lambda-bundle.ts says), its size, and its init time: a fresh Node process that imports the bundle, timed from the
 * process's start to the handler being ready — what Lambda reports as Init
 * Duration (runtime start plus module load). An empty handler bundled the
 * same way, measured in the same rounds, is the baseline; each figure is the
 * median of several rounds, handlers interleaved so that a busy moment of
 * the machine does not fall on one handler only.
 *
 * A floor handler is measured the same way: the least any modeshift step
 * loads (Middy, the Powertools logger, one AWS SDK client and one command),
 * with no step code. Its ratio is what the libraries alone cost, below which
 * no handler can go without changing them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { stepFile } from '../functions/step.ts';
import { LAMBDA_BUNDLE } from '../stacks/lambda-bundle.ts';
import lambdaBundlePlugins from '../stacks/lambda-bundle-plugins.mjs';
import { STEPS } from '../state-machines/workflows.ts';

export interface HandlerColdStart {
  readonly handler: string;
  /** What its cold start loads: the entry and the chunks it imports statically, not those it imports on demand. */
  readonly bytes: number;
  /** Median milliseconds from process start to the handler module loaded. */
  readonly initMs: number;
  /** Median milliseconds of the import alone. */
  readonly importMs: number;
  /** initMs ÷ the empty handler's initMs. */
  readonly initRatio: number;
}

export interface ColdStartReport {
  readonly empty: { readonly bytes: number; readonly initMs: number; readonly importMs: number };
  /** Middy, the Powertools logger and one SDK client with one command, and nothing else. */
  readonly floor: HandlerColdStart;
  readonly handlers: readonly HandlerColdStart[];
  readonly rounds: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The app's Lambda handlers, as stacks/ wires them: entry file and export. */
export function lambdaEntries(): Array<{ name: string; file: string }> {
  return [
    ...Object.keys(STEPS).map((step) => ({ name: step, file: stepFile(step) })),
    { name: 'DeployRequested', file: 'functions/deploy-requested.ts' },
    { name: 'DownRequested', file: 'functions/down-requested.ts' },
    { name: 'WorkflowFinished', file: 'functions/workflow-finished.ts' },
    { name: 'Sweep', file: 'functions/sweep.ts' },
  ];
}

/** The floor handler's source: what every step loads, without the step. */
export const FLOOR_HANDLER = [
  "import middy from '@middy/core';",
  "import { Logger } from '@aws-lambda-powertools/logger';",
  "import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';",
  'const logger = new Logger();',
  'const ec2 = new EC2Client({});',
  'export const handler = middy(async () => {',
  "  logger.info('floor');",
  '  return ec2.send(new DescribeVpcsCommand({}));',
  '});',
].join('\n');

/** What SST puts at the top of an ESM bundle, so CommonJS dependencies can still `require`. */
const ESM_REQUIRE_BANNER = [
  "import { createRequire as topLevelCreateRequire } from 'module';",
  'const require = topLevelCreateRequire(import.meta.url);',
].join('');

/**
 * The esbuild options SST bundles a Node.js function with, the app's plugins
 * and splitting included; give it an `outdir`. A split build's entry is
 * `bundle.mjs`, as SST names it.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  plugins: lambdaBundlePlugins,
  splitting: LAMBDA_BUNDLE.splitting,
  entryNames: 'bundle',
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
} as const satisfies BuildOptions;

/** Bundles an entry into `outdir`; its entry file and the bytes its cold start loads. */
async function bundle(
  entry: { file: string } | { contents: string },
  outdir: string,
): Promise<{ file: string; bytes: number }> {
  const { metafile } = await build({
    ...LAMBDA_BUILD_OPTIONS,
    ...('file' in entry
      ? { entryPoints: [join(ROOT, entry.file)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts' as const } }),
    outdir,
    metafile: true,
  });
  const outputs = metafile.outputs;
  const [entryOutput] = Object.keys(outputs).filter((path) => outputs[path]?.entryPoint !== undefined);
  if (entryOutput === undefined) throw new Error(`no entry among ${Object.keys(outputs).join(', ')}`);
  const loaded = new Set<string>();
  const load = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) load(imported.path);
    }
  };
  load(entryOutput);
  const bytes = [...loaded].reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  return { file: join(outdir, 'bundle.mjs'), bytes };
}

/** Loads a bundle in a fresh process and reports, from inside it, how long that took. */
const PROBE = [
  'const started = performance.now();',
  'const module = await import(process.argv[2]);',
  "if (typeof module.handler !== 'function') throw new Error('no handler export');",
  'process.stdout.write(JSON.stringify({ initMs: performance.now(), importMs: performance.now() - started }));',
].join('\n');

function probe(probeFile: string, bundleFile: string): { initMs: number; importMs: number } {
  const output = execFileSync(process.execPath, [probeFile, bundleFile], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // The functions run on nodejs22.x (stacks/), where the SDK has nothing
      // to warn about; on an older Node here it would print a deprecation
      // warning at the first client, a cost no deployed function pays.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return JSON.parse(output) as { initMs: number; importMs: number };
}

/** The floor handler's name in the samples; no step is called that. */
const FLOOR = '(floor)';

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

export async function measureColdStarts(rounds: number): Promise<ColdStartReport> {
  const dir = mkdtempSync(join(tmpdir(), 'modeshift-cold-start-'));
  try {
    const probeFile = join(dir, 'probe.mjs');
    writeFileSync(probeFile, PROBE);
    const empty = await bundle(
      { contents: 'export const handler = async (event: unknown) => event;' },
      join(dir, 'empty'),
    );
    const floor = await bundle({ contents: FLOOR_HANDLER }, join(dir, 'floor'));
    const entries = lambdaEntries();
    const bundles = await Promise.all(
      entries.map(async (entry) => {
        const { file, bytes } = await bundle(entry, join(dir, entry.name));
        return { ...entry, outfile: file, bytes };
      }),
    );
    const samples = new Map<string, Array<{ initMs: number; importMs: number }>>();
    const record = (name: string, sample: { initMs: number; importMs: number }) =>
      samples.set(name, [...(samples.get(name) ?? []), sample]);
    for (let round = 0; round < rounds; round += 1) {
      for (const item of [
        { name: '', outfile: empty.file },
        { name: FLOOR, outfile: floor.file },
        ...bundles,
      ]) {
        record(item.name, probe(probeFile, item.outfile));
      }
    }
    const medians = (name: string) => ({
      initMs: median((samples.get(name) ?? []).map((sample) => sample.initMs)),
      importMs: median((samples.get(name) ?? []).map((sample) => sample.importMs)),
    });
    const baseline = { bytes: empty.bytes, ...medians('') };
    const measure = (name: string, bytes: number): HandlerColdStart => {
      const measured = medians(name);
      return { handler: name, bytes, ...measured, initRatio: measured.initMs / baseline.initMs };
    };
    return {
      empty: baseline,
      floor: measure(FLOOR, floor.bytes),
      rounds,
      handlers: bundles.map((item) => measure(item.name, item.bytes)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
