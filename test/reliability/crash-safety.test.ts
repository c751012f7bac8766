// Reliability against the local AWS (moto): a deploy whose CLI process is killed mid-run is resumed by
// re-running the same request, and ends exactly where a clean run does; a crashed run's lock expires.
// These trials kill a real process (while it starts, and once as a seeded workflow step starts); the
// crashes at every Task state of both workflows run in-process (crash-deploy.test.ts, crash-down.test.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentNames } from '../../core/names.ts';
import { CALL_LOG_VARIABLE } from '../../engine/call-log.ts';
import { readEnvironment } from '../../local/records.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { deployShop, useLocalAws } from '../e2e-emulator/local-aws.ts';
import { type Inventory, inventorySize, taggedVpcCount, takeInventory } from './environment-inventory.ts';
import { countReliability } from './stats.ts';

const aws = useLocalAws();

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/modeshift.js', import.meta.url));
const ENVIRONMENT = 'crash';
const DEPLOYMENT_ID = 'crash-1';
const MIN_KILL_DELAY_MS = 300;
const TRIALS = 2;
const SEED = 20261126;

/** mulberry32: a small seeded generator, so a failing trial can be re-run with the same delays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Where each trial kills the process. Trial 1 while the CLI starts (bootstrap, build-context upload):
// after a seeded delay from MIN_KILL_DELAY_MS, or as the workflow's first step starts, whichever comes
// first. The others while the workflow runs, as one of its steps starts: one seeded step in each equal
// slice of the clean run's steps, so the kills spread over the run whatever the machine's speed.
const random = seededRandom(SEED);
const trials = Array.from({ length: TRIALS }, (_, index) => {
  const starting = index === 0;
  const fraction = starting ? random() : (index - 1 + random()) / (TRIALS - 1);
  const at = `${Math.round(fraction * 100)}%`;
  return {
    trial: index + 1,
    phase: starting ? ('starting' as const) : ('workflow' as const),
    fraction,
    when: starting ? `while starting (${at})` : `in the workflow (${at} of its steps)`,
  };
});

/** What the clean run took: how long the CLI ran before its workflow's first step, and how many steps it started. */
interface CleanRun {
  readonly inventory: Inventory;
  readonly workflowStartMs: number;
  readonly steps: number;
}

/** A step starting, as the CLI's progress shows it (`  ▶ EnsureNetwork`). */
const STEP_STARTED = /^ {2}▶ /gm;

/** When the trial kills: after `delayMs`, or as the `step`-th step starts (1-based), whichever comes first. */
function killPoint(clean: CleanRun, trial: (typeof trials)[number]): { delayMs: number; step: number } {
  if (trial.phase === 'starting') {
    const delayMs =
      MIN_KILL_DELAY_MS + trial.fraction * Math.max(0, clean.workflowStartMs - MIN_KILL_DELAY_MS);
    return { delayMs: Math.round(delayMs), step: 1 };
  }
  return { delayMs: Number.POSITIVE_INFINITY, step: Math.max(1, Math.ceil(trial.fraction * clean.steps)) };
}

/** CLI processes still running: killed after the tests if a test ended before its process did. */
const children = new Set<ChildProcess>();

/** The CLI deploy of the shop example, as a separate process against the local AWS. */
function spawnDeploy(endpoint: string, progress: 'quiet' | 'progress' = 'quiet'): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'deploy',
      '-f',
      'examples/shop/compose.yaml',
      '--env',
      ENVIRONMENT,
      '--mode',
      'staging',
      '--deployment-id',
      DEPLOYMENT_ID,
      '--endpoint',
      endpoint,
      ...(progress === 'quiet' ? ['--quiet'] : []),
    ],
    // No AWS_* variables: the child uses the same region and credentials as the tests' target.
    // Its calls go to the call log like the tests' own (npm run check:iam).
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...(process.env[CALL_LOG_VARIABLE] ? { [CALL_LOG_VARIABLE]: process.env[CALL_LOG_VARIABLE] } : {}),
      },
      stdio: ['ignore', 'ignore', progress === 'quiet' ? 'ignore' : 'pipe'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Kills the child after `delayMs`, or as its `step`-th step starts, whichever comes first; resolves once it has exited. */
async function killAt(child: ChildProcess, { delayMs, step }: { delayMs: number; step: number }) {
  let stderr = '';
  const kill = () => child.kill('SIGKILL');
  const timer = Number.isFinite(delayMs) ? setTimeout(kill, delayMs) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if ((stderr.match(STEP_STARTED)?.length ?? 0) >= step) kill();
  });
  await exited(child);
  clearTimeout(timer);
}

/** Sets the environment record's lock as a crashed deployment would have left it. */
async function leaveLock(target: Target, environment: string, deploymentId: string, expiresAt: Date) {
  await (target.clients('dynamodb') as DynamoDBClient).send(
    new UpdateItemCommand({
      TableName: target.names.tableName,
      Key: { pk: { S: environmentNames('shop', environment).recordKey }, sk: { S: 'ENV' } },
      UpdateExpression:
        'SET lockId = :id, lockExpiresAt = :expires, #status = :deploying, #project = :project, #environment = :environment',
      ExpressionAttributeNames: { '#status': 'status', '#project': 'project', '#environment': 'environment' },
      ExpressionAttributeValues: {
        ':id': { S: deploymentId },
        ':expires': { S: expiresAt.toISOString() },
        ':deploying': { S: 'deploying' },
        ':project': { S: 'shop' },
        ':environment': { S: environment },
      },
    }),
  );
}

const readRecord = (target: Target, environment: string) =>
  readEnvironment(target.clients('dynamodb') as DynamoDBClient, target.names.tableName, 'shop', environment);

describe('crash safety — a deploy killed mid-run and run again', () => {
  let clean: CleanRun | undefined;
  /** How many resources existed when each trial's process was killed: where the kill landed. */
  const atKill: number[] = [];

  // The clean run: the same CLI deploy to completion on a fresh local AWS (useLocalAws resets it
  // before each test, so every trial starts from the same empty account). Its progress lines time
  // the workflow: from its first state (AcquireLock) to its last (EmitDeploymentSucceeded).
  beforeAll(async () => {
    const started = Date.now();
    const child = spawnDeploy(aws.endpoint(), 'progress');
    let stderr = '';
    let workflowStartMs = 0;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!workflowStartMs && stderr.includes('▶ AcquireLock')) workflowStartMs = Date.now() - started;
    });
    const { code } = await exited(child);
    const steps = stderr.match(STEP_STARTED)?.length ?? 0;
    if (code !== 0 || !workflowStartMs || steps === 0) {
      throw new Error(`the clean CLI deploy exited with ${code}: ${stderr}`);
    }
    const target = await openTarget(aws.endpoint(), { env: {} });
    clean = { inventory: await takeInventory(target), workflowStartMs, steps };
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    if (clean) {
      process.stderr.write(
        `crash trials: clean workflow started after ${clean.workflowStartMs} ms, ${clean.steps} steps, ` +
          `${inventorySize(clean.inventory)} resources; resources at each kill: ${atKill.join(', ')}\n`,
      );
    }
  });

  it.each(trials)(
    'trial $trial: killed $when, the same deploy again converges to a clean run',
    async (trial) => {
      if (!clean) throw new Error('no clean run');
      const point = killPoint(clean, trial);
      const child = spawnDeploy(aws.endpoint(), 'progress');
      await killAt(child, point);
      atKill.push(inventorySize(await takeInventory(aws.target())));

      const report = await deployShop(aws.target(), 'staging', ENVIRONMENT, { deploymentId: DEPLOYMENT_ID });

      expect(report, `re-run after a kill at step ${point.step} (or ${point.delayMs} ms)`).toMatchObject({
        status: 'SUCCEEDED',
      });
      expect(await takeInventory(aws.target())).toEqual(clean.inventory);
      const record = await readRecord(aws.target(), ENVIRONMENT);
      expect(record).toMatchObject({ status: 'deployed', mode: 'staging', lastDeploymentId: DEPLOYMENT_ID });
      expect(record?.lockId).toBeUndefined();
      countReliability('crashTrials');
    },
  );

  // Without this, every kill could land before the first AWS call and the trials would prove nothing.
  it('killed a run part-way: after it created resources and before it created them all', () => {
    if (!clean) throw new Error('no clean run');
    const total = inventorySize(clean.inventory);

    expect(atKill.filter((count) => count > 0 && count < total).length).toBeGreaterThanOrEqual(1);
  });
});

describe('crash safety — a crashed run’s lock', () => {
  it('is taken over by another deployment once it has expired', async () => {
    await leaveLock(aws.target(), 'stale', 'crashed-0', new Date(Date.now() - 60 * 60_000));

    const report = await deployShop(aws.target(), 'staging', 'stale', { deploymentId: 'next-1' });

    expect(report.status).toBe('SUCCEEDED');
    const record = await readRecord(aws.target(), 'stale');
    expect(record).toMatchObject({ status: 'deployed', lastDeploymentId: 'next-1' });
    expect(record?.lockId).toBeUndefined();
  });

  it('stops another deployment while it is live, and stays the holder’s', async () => {
    const expiresAt = new Date(Date.now() + 60 * 60_000);
    await leaveLock(aws.target(), 'stale', 'running-0', expiresAt);

    const report = await deployShop(aws.target(), 'staging', 'stale', { deploymentId: 'next-1' });

    expect(report).toMatchObject({ status: 'FAILED', error: 'Modeshift.EnvironmentLocked' });
    expect(await readRecord(aws.target(), 'stale')).toMatchObject({
      lockId: 'running-0',
      lockExpiresAt: expiresAt.toISOString(),
    });
    expect(await taggedVpcCount(aws.target(), 'shop', 'stale')).toBe(0);
  });
});
