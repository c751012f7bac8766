// Reliability against the local AWS (moto): a run whose failure path fails too leaves the environment
// locked, and the lock names the run's execution; a later request takes it over once that execution has
// ended (instead of waiting for the lock's expiry), while a holder still running keeps it.
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { deployRequested } from '../../functions/deploy-requested.ts';
import type { Target } from '../../local/target.ts';
import { uploadBuildContexts } from '../../local/upload-contexts.ts';
import { EXAMPLE, useLocalAws } from '../e2e-emulator/local-aws.ts';
import { taggedVpcCount } from './environment-inventory.ts';
import { type Execution, inProcessStepFunctions } from './in-process-step-functions.ts';
import { type FaultedRun, faultedRun, injectFault } from './injected-faults.ts';
import { environmentRecord, historyOf } from './run-outcome.ts';
import { countReliability } from './stats.ts';
import { workflowTasks } from './workflow-tasks.ts';

const aws = useLocalAws();

const ENVIRONMENT = 'stale';
const STATE_MACHINE_EXECUTIONS = 'arn:aws:states:us-east-1:123456789012:execution:modeshift-deploy';

/** The shop example's Deploy Requested event for the environment, its build contexts uploaded. */
async function deployEvent(target: Target, deploymentId: string) {
  const composed = loadComposeFile(EXAMPLE, {
    environment: ENVIRONMENT,
    mode: 'development',
    deploymentId,
    variables: {},
  });
  await uploadBuildContexts(composed.uploads, { s3: target.clients('s3') as S3Client });
  return {
    'detail-type': 'Deploy Requested',
    source: 'modeshift',
    detail: JSON.parse(JSON.stringify(composed.request)) as unknown,
  };
}

/** The ARN of the deploy execution of `deploymentId` in the environment. */
const executionArn = (deploymentId: string) =>
  `${STATE_MACHINE_EXECUTIONS}:shop--${ENVIRONMENT}--${deploymentId}`;

/** A permanent fault in each of the deploy workflow's states named. */
function faultsIn(...states: readonly string[]) {
  const tasks = workflowTasks('deploy');
  return states.map((state) => {
    const task = tasks.find((candidate) => candidate.name === state);
    if (!task) throw new Error(`the deploy workflow has no Task state ${state}`);
    return injectFault(task, 'permanent');
  });
}

/** The seams of one deployment's execution; the others run as they are. */
function seamsOf(deploymentId: string, run: FaultedRun) {
  return (execution: Execution) => (execution.input.deploymentId === deploymentId ? run.options : {});
}

/** A promise and the function that resolves it. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const runs = (executions: readonly Execution[]) => executions.map((run) => `${run.name}:${run.status}`);

describe('stale lock — a run whose failure path could not release the lock', () => {
  it('names its execution as the lock’s holder, and leaves the lock when ReleaseLockAfterFailure fails', async () => {
    const faults = faultsIn('EnsureNetwork', 'ReleaseLockAfterFailure', 'EmitDeploymentFailed');
    const run = faultedRun(faults);
    const stepFunctions = inProcessStepFunctions(aws.target(), { seams: seamsOf('first', run) });

    await deployRequested(await deployEvent(aws.target(), 'first'), stepFunctions.deps);
    await stepFunctions.settled();
    await run.settled();

    expect(faults.map((fault) => fault.raised())).toEqual([1, 1, 1]);
    expect(runs(stepFunctions.executions)).toEqual([`shop--${ENVIRONMENT}--first:FAILED`]);
    expect(await environmentRecord(aws.target(), ENVIRONMENT)).toMatchObject({
      lockId: 'first',
      lockExecution: executionArn('first'),
    });
  });

  it('is taken over by a new request at once, which succeeds, though the failure event was lost too', async () => {
    const faults = faultsIn('EnsureNetwork', 'ReleaseLockAfterFailure', 'EmitDeploymentFailed');
    const run = faultedRun(faults);
    const stepFunctions = inProcessStepFunctions(aws.target(), { seams: seamsOf('first', run) });
    await deployRequested(await deployEvent(aws.target(), 'first'), stepFunctions.deps);
    await stepFunctions.settled();
    await run.settled();
    const stale = await environmentRecord(aws.target(), ENVIRONMENT);

    const outcome = await deployRequested(await deployEvent(aws.target(), 'second'), stepFunctions.deps);
    await stepFunctions.settled();

    expect(stale?.lockExpiresAt, 'the stale lock had hours left').toSatisfy(
      (expiresAt: string) => Date.parse(expiresAt) > Date.now() + 60 * 60_000,
    );
    expect(outcome).toMatchObject({ outcome: 'started', executionName: `shop--${ENVIRONMENT}--second` });
    expect(runs(stepFunctions.executions)).toEqual([
      `shop--${ENVIRONMENT}--first:FAILED`,
      `shop--${ENVIRONMENT}--second:SUCCEEDED`,
    ]);
    const record = await environmentRecord(aws.target(), ENVIRONMENT);
    expect(record).toMatchObject({ status: 'deployed', lastDeploymentId: 'second' });
    expect(record).not.toHaveProperty('lockId');
    expect(record).not.toHaveProperty('lockExecution');
    countReliability('stepsFaultInjected', faults.length);
    countReliability('invariantsChecked', 4);
  });

  it('lets the request queued behind it start when its outcome event arrives, though its history was lost too', async () => {
    const reachedNetwork = gate();
    const proceed = gate();
    const faults = faultsIn('EnsureCluster', 'ReleaseLockAfterFailure', 'AppendFailureHistory');
    const run = faultedRun(faults, {
      hold: { step: 'EnsureNetwork', command: 'CreateVpcCommand', until: proceed.opened },
    });
    void run.held().then(reachedNetwork.open);
    const stepFunctions = inProcessStepFunctions(aws.target(), { seams: seamsOf('first', run) });
    await deployRequested(await deployEvent(aws.target(), 'first'), stepFunctions.deps);
    await reachedNetwork.opened;

    const queued = await deployRequested(await deployEvent(aws.target(), 'second'), stepFunctions.deps);
    proceed.open();
    await stepFunctions.settled();
    await run.settled();

    expect(queued).toEqual({ outcome: 'queued', deploymentId: 'second' });
    expect(faults.map((fault) => fault.raised())).toEqual([1, 1, 1]);
    expect(await historyOf(aws.target(), ENVIRONMENT, 'first'), 'the failure’s history was lost').toEqual([]);
    expect(runs(stepFunctions.executions)).toEqual([
      `shop--${ENVIRONMENT}--first:FAILED`,
      `shop--${ENVIRONMENT}--second:SUCCEEDED`,
    ]);
    const record = await environmentRecord(aws.target(), ENVIRONMENT);
    expect(record).toMatchObject({ status: 'deployed', lastDeploymentId: 'second' });
    expect(record).not.toHaveProperty('lockId');
    expect(record).not.toHaveProperty('queued');
    countReliability('stepsFaultInjected', faults.length);
    countReliability('invariantsChecked', 4);
  });
});

describe('stale lock — a holder still running', () => {
  it('keeps its lock: a new request is queued, and starts only once the holder has ended', async () => {
    const reachedNetwork = gate();
    const proceed = gate();
    const run = faultedRun([], {
      hold: { step: 'EnsureNetwork', command: 'CreateVpcCommand', until: proceed.opened },
    });
    void run.held().then(reachedNetwork.open);
    const stepFunctions = inProcessStepFunctions(aws.target(), { seams: seamsOf('first', run) });
    await deployRequested(await deployEvent(aws.target(), 'first'), stepFunctions.deps);
    await reachedNetwork.opened;

    const outcome = await deployRequested(await deployEvent(aws.target(), 'second'), stepFunctions.deps);
    const whileRunning = await environmentRecord(aws.target(), ENVIRONMENT);
    const started = runs(stepFunctions.executions);
    const vpcs = await taggedVpcCount(aws.target(), 'shop', ENVIRONMENT);
    proceed.open();
    await stepFunctions.settled();
    await run.settled();

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'second' });
    expect(started).toEqual([`shop--${ENVIRONMENT}--first:RUNNING`]);
    expect(vpcs, 'the second request touched nothing while the first ran').toBe(0);
    expect(whileRunning).toMatchObject({ lockId: 'first', lockExecution: executionArn('first') });
    expect(runs(stepFunctions.executions)).toEqual([
      `shop--${ENVIRONMENT}--first:SUCCEEDED`,
      `shop--${ENVIRONMENT}--second:SUCCEEDED`,
    ]);
    const [first, second] = [
      ...(await historyOf(aws.target(), ENVIRONMENT, 'first')),
      ...(await historyOf(aws.target(), ENVIRONMENT, 'second')),
    ];
    expect(Date.parse(second?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(first?.finishedAt ?? ''));
    countReliability('raceCases');
    countReliability('invariantsChecked', 5);
  });
});
