// Fault injection against the local AWS (moto): every Task state of the deploy and down workflows,
// enumerated from their ASL, made to fail for good (the run must fail cleanly and a re-run converge)
// and to throttle twice (the run must succeed).

import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowName } from '../../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';
import { type RunOptions, type RunReport, taggedResources } from '../../local/run-workflows.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { useLocalAws } from '../e2e-emulator/local-aws.ts';
import {
  type FaultKind,
  faultedRun,
  type InjectedFault,
  injectFault,
  TRANSIENT_FAILURES,
} from './injected-faults.ts';
import { resourceShapes } from './resource-shape.ts';
import {
  deletesWithoutFinalSnapshot,
  environmentRecord,
  historyOf,
  outcomeEvents,
  privateSubnetsWithoutNat,
} from './run-outcome.ts';
import {
  BYSTANDER,
  deployBystander,
  deployProductionShop,
  downProductionShop,
  ENVIRONMENT,
  PROJECT,
} from './shop-requests.ts';
import { countReliability } from './stats.ts';
import {
  definitionOf,
  failurePathStates,
  isRetried,
  type WorkflowTask,
  workflowTasks,
} from './workflow-tasks.ts';

const aws = useLocalAws();

const WORKFLOWS: readonly WorkflowName[] = ['deploy', 'down'];
const TASKS: Readonly<Record<WorkflowName, readonly WorkflowTask[]>> = {
  deploy: workflowTasks('deploy'),
  down: workflowTasks('down'),
};
const FAILED_EVENT: Readonly<Record<WorkflowName, string>> = {
  deploy: 'Deployment Failed',
  down: 'Teardown Failed',
};
/** The state that takes the environment's lock: from the next one on, the failure path has a lock to release. */
const LOCK_STATE = 'AcquireLock';

/** What clean runs (no fault) reach and leave, taken once on this file's local AWS. */
interface CleanRuns {
  /** Task states entered, in the order first entered: a production deploy of the shop, then its confirmed down. */
  readonly reached: Readonly<Record<WorkflowName, readonly string[]>>;
  /** Shapes of the environment's tagged resources after the clean deploy, and after the clean down. */
  readonly shapes: Readonly<Record<WorkflowName, readonly string[]>>;
}

let clean: CleanRuns | undefined;

function enteredTasks(events: readonly WorkflowEvent[], workflow: WorkflowName): string[] {
  const tasks = new Set(TASKS[workflow].map((task) => task.name));
  const entered = events
    .filter((event) => event.type === 'StateEntered' && event.state !== undefined && tasks.has(event.state))
    .map((event) => event.state as string);
  return [...new Set(entered)];
}

async function runCleanly(target: Target): Promise<CleanRuns> {
  await deployBystander(target);
  const deployEvents: WorkflowEvent[] = [];
  const deployed = await deployProductionShop(target, 'clean-deploy', {
    onEvent: (event) => deployEvents.push(event),
  });
  const downEvents: WorkflowEvent[] = [];
  const down = await downProductionShop(target, 'clean-down', { onEvent: (event) => downEvents.push(event) });
  if (deployed.status !== 'SUCCEEDED' || down.status !== 'SUCCEEDED') {
    throw new Error(
      `the clean runs must succeed: deploy ${deployed.status} (${deployed.failedState}), down ${down.status} (${down.failedState})`,
    );
  }
  return {
    reached: { deploy: enteredTasks(deployEvents, 'deploy'), down: enteredTasks(downEvents, 'down') },
    shapes: { deploy: resourceShapes(deployed.resources), down: resourceShapes(down.resources) },
  };
}

beforeAll(async () => {
  // useLocalAws() opens a fresh target before each test; the clean runs get their own, on a reset emulator.
  await fetch(`${aws.endpoint()}/moto-api/reset`, { method: 'POST' });
  clean = await runCleanly(await openTarget(aws.endpoint(), { env: {} }));
  for (const workflow of WORKFLOWS) {
    const unreached = TASKS[workflow]
      .filter((task) => !task.failurePath && !clean?.reached[workflow].includes(task.name))
      .map((task) => task.name);
    process.stdout.write(
      `fault injection, ${workflow}: reached ${clean.reached[workflow].join(', ')}; not reached ${unreached.join(', ') || 'none'}\n`,
    );
  }
}, 120_000);

function cleanRuns(): CleanRuns {
  if (!clean) throw new Error('the clean runs did not complete (see beforeAll)');
  return clean;
}

/** Runs the workflow's request for the environment under test. */
function runRequest(
  workflow: WorkflowName,
  deploymentId: string,
  options: RunOptions = {},
): Promise<RunReport> {
  return workflow === 'deploy'
    ? deployProductionShop(aws.target(), deploymentId, options)
    : downProductionShop(aws.target(), deploymentId, options);
}

/** What the request runs on: nothing for a deploy, the production shop for a down; with the bystander if asked. */
async function prepare(workflow: WorkflowName, { bystander }: { bystander: boolean }): Promise<void> {
  const production = async () => {
    if (workflow !== 'down') return;
    const deployed = await deployProductionShop(aws.target(), 'prepare-production');
    if (deployed.status !== 'SUCCEEDED')
      throw new Error(`the production deploy to take down failed: ${deployed.error}`);
  };
  // The two environments are independent: deploying them side by side halves the wait for their certificates.
  await Promise.all([production(), bystander ? deployBystander(aws.target()) : undefined]);
}

async function bystanderState() {
  return {
    resources: await taggedResources(aws.target(), PROJECT, BYSTANDER),
    record: await environmentRecord(aws.target(), BYSTANDER),
  };
}

/** Runs the request with faults injected and waits until nothing it started is still running. */
async function runWithFaults(workflow: WorkflowName, deploymentId: string, faults: readonly InjectedFault[]) {
  const events: WorkflowEvent[] = [];
  const run = faultedRun(faults);
  const report = await runRequest(workflow, deploymentId, {
    ...run.options,
    onEvent: (event) => events.push(event),
  });
  await run.settled();
  const count = (type: string, state: string) =>
    events.filter((event) => event.type === type && event.state === state).length;
  return { report, count };
}

function casesOf(workflow: WorkflowName, onFailurePath: boolean) {
  return TASKS[workflow]
    .filter((task) => task.failurePath === onFailurePath)
    .map((task) => ({ state: task.name, task }));
}

function notReached(workflow: WorkflowName, task: WorkflowTask): string | undefined {
  return cleanRuns().reached[workflow].includes(task.name)
    ? undefined
    : `${task.name} is not reached by a production ${workflow} of the shop example`;
}

describe('the Task states, read from the ASL', () => {
  it.each(WORKFLOWS)('%s: the failure path is entered only through Catch and never succeeds', (workflow) => {
    const definition = definitionOf(workflow);
    const path = failurePathStates(definition);
    const succeeding = Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Succeed')
      .map(([name]) => name);

    expect(path.size).toBeGreaterThan(0);
    expect([...path].filter((name) => succeeding.includes(name))).toEqual([]);
    expect(path.has(definition.StartAt)).toBe(false);
  });

  it.each(WORKFLOWS)('%s: the permanent fault injected into each Task is not retried by it', (workflow) => {
    const retried = TASKS[workflow]
      .map((task) => injectFault(task, 'permanent'))
      .filter((fault) => isRetried(fault.task, fault.errorName))
      .map((fault) => `${fault.task.name}: ${fault.errorName}`);

    expect(retried).toEqual([]);
  });

  it.each(WORKFLOWS)(
    '%s: every Task’s Retry covers the throttling injected into it, reached or not',
    (workflow) => {
      const uncovered = TASKS[workflow]
        .map((task) => injectFault(task, 'transient'))
        .filter((fault) => !isRetried(fault.task, fault.errorName))
        .map((fault) => `${fault.task.name}: ${fault.errorName}`);

      expect(uncovered).toEqual([]);
    },
  );
});

describe.each(WORKFLOWS)('%s workflow — a permanent fault in each Task state', (workflow) => {
  it.for(casesOf(workflow, false))(
    '$state: the run fails cleanly and a re-run converges',
    async ({ task }, context) => {
      const skipped = notReached(workflow, task);
      context.skip(skipped !== undefined, skipped);
      await prepare(workflow, { bystander: true });
      const bystander = await bystanderState();
      const deploymentId = `fault-${task.name}`;
      const fault = injectFault(task, 'permanent');
      let invariants = 0;
      const holds = <T>(assertion: () => T): T => {
        const result = assertion();
        invariants += 1;
        return result;
      };

      const { report, count } = await runWithFaults(workflow, deploymentId, [fault]);

      expect(fault.raised(), `the fault in ${task.name} was raised`).toBeGreaterThan(0);
      holds(() =>
        expect(report).toMatchObject({ status: 'FAILED', failedState: task.name, error: fault.errorName }),
      );
      holds(() => expect(count('StateRetried', task.name), `${fault.errorName} is not retried`).toBe(0));
      const record = await environmentRecord(aws.target(), ENVIRONMENT);
      holds(() => expect(record?.lockId, 'the lock is released').toBeUndefined());
      const history = await historyOf(aws.target(), ENVIRONMENT, deploymentId);
      holds(() =>
        expect(history.at(-1), 'the history ends with the failure').toMatchObject({
          status: 'failed',
          failedState: task.name,
          error: fault.errorName,
        }),
      );
      const failures = outcomeEvents(aws.target(), FAILED_EVENT[workflow], ENVIRONMENT);
      holds(() =>
        expect(failures, `${FAILED_EVENT[workflow]} is emitted`).toContainEqual(
          expect.objectContaining({ deploymentId, failedState: task.name, error: fault.errorName }),
        ),
      );
      const unsafeDeletes = await deletesWithoutFinalSnapshot(aws.target());
      holds(() =>
        expect(unsafeDeletes, 'no production database is deleted without its final snapshot').toEqual([]),
      );
      const bystanderAfterFault = await bystanderState();
      holds(() =>
        expect(bystanderAfterFault, `${BYSTANDER} is untouched by the failed run`).toEqual(bystander),
      );
      const left = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);

      const rerun = await runRequest(workflow, deploymentId);

      holds(() =>
        expect(rerun, 're-running the same request succeeds').toMatchObject({ status: 'SUCCEEDED' }),
      );
      holds(() =>
        expect(resourceShapes(rerun.resources), 'the re-run leaves what a clean run leaves').toEqual(
          cleanRuns().shapes[workflow],
        ),
      );
      if (workflow === 'deploy') {
        const replaced = left.filter((arn) => !rerun.resources.includes(arn));
        holds(() => expect(replaced, 'the re-run reuses what the failed run created').toEqual([]));
      }
      const unsafeDeletesAfterRerun = await deletesWithoutFinalSnapshot(aws.target());
      holds(() => expect(unsafeDeletesAfterRerun).toEqual([]));
      const bystanderAfterRerun = await bystanderState();
      holds(() => expect(bystanderAfterRerun, `${BYSTANDER} is untouched by the re-run`).toEqual(bystander));
      countReliability('stepsFaultInjected');
      countReliability('permanentFaultRuns');
      countReliability('invariantsChecked', invariants);
    },
  );
});

/** One run with every reached Task state throttled twice: what each state went through. */
interface ThrottledRun {
  readonly report: RunReport;
  readonly raised: ReadonlyMap<string, number>;
  readonly retries: ReadonlyMap<string, number>;
}

/** Runs the request with throttling injected into `tasks`, on a freshly prepared emulator. */
async function runThrottled(workflow: WorkflowName, tasks: readonly WorkflowTask[], deploymentId: string) {
  await prepare(workflow, { bystander: false });
  const faults = tasks.map((task) => injectFault(task, 'transient'));
  const { report, count } = await runWithFaults(workflow, deploymentId, faults);
  return {
    report,
    raised: new Map(faults.map((fault) => [fault.task.name, fault.raised()])),
    retries: new Map(tasks.map((task) => [task.name, count('StateRetried', task.name)])),
  };
}

/**
 * Throttling is injected into every reached state of a workflow in one run
 * (the first test that needs it makes it), since each state's throttling is
 * retried on its own. A state that run does not show surviving (the run
 * failed, or ended before the state) is throttled again alone.
 */
const throttledRuns = new Map<WorkflowName, Promise<ThrottledRun>>();

function throttledRun(workflow: WorkflowName): Promise<ThrottledRun> {
  let run = throttledRuns.get(workflow);
  if (!run) {
    const reached = TASKS[workflow].filter(
      (task) => !task.failurePath && cleanRuns().reached[workflow].includes(task.name),
    );
    run = runThrottled(workflow, reached, 'throttled-everywhere');
    throttledRuns.set(workflow, run);
  }
  return run;
}

describe.each(WORKFLOWS)('%s workflow — throttling twice in each Task state', (workflow) => {
  it.for(casesOf(workflow, false))('$state: the run retries and succeeds', async ({ task }, context) => {
    const skipped = notReached(workflow, task);
    context.skip(skipped !== undefined, skipped);
    const together = await throttledRun(workflow);
    const survived =
      together.report.status === 'SUCCEEDED' && together.raised.get(task.name) === TRANSIENT_FAILURES;
    const { report, raised, retries } = survived
      ? together
      : await runThrottled(workflow, [task], `throttled-${task.name}`);
    const errorName = injectFault(task, 'transient').errorName;

    expect(raised.get(task.name), `throttling was injected into ${task.name}`).toBe(TRANSIENT_FAILURES);
    expect(
      report.status,
      `${workflow} ${task.name}: throttling (${errorName}) ended the run` +
        ` (${report.failedState}: ${report.error}); its Retry covers ${task.retried.join(', ') || 'nothing'}`,
    ).toBe('SUCCEEDED');
    expect(retries.get(task.name), `${task.name} was retried`).toBe(TRANSIENT_FAILURES);
    expect(resourceShapes(report.resources), 'the run leaves what a clean run leaves').toEqual(
      cleanRuns().shapes[workflow],
    );
    countReliability('transientFaultsSurvived');
    countReliability('invariantsChecked', 3);
  });
});

/** The failure path's records a failed run left: lock released, failed history entry, failure event. */
async function failureRecords(workflow: WorkflowName, deploymentId: string, primary: InjectedFault) {
  const record = await environmentRecord(aws.target(), ENVIRONMENT);
  const history = (await historyOf(aws.target(), ENVIRONMENT, deploymentId)).at(-1);
  const events = outcomeEvents(aws.target(), FAILED_EVENT[workflow], ENVIRONMENT);
  return {
    lockReleased: record?.lockId === undefined,
    historyNamesFailure: history?.status === 'failed' && history.error === primary.errorName,
    failureEventEmitted: events.some((detail) => detail.deploymentId === deploymentId),
  };
}

/** A permanent fault in the first Task after the lock: the failure path has work to do and nothing else is touched. */
function faultAfterLock(workflow: WorkflowName): InjectedFault {
  const reached = cleanRuns().reached[workflow];
  const name = reached[reached.indexOf(LOCK_STATE) + 1];
  const task = TASKS[workflow].find((candidate) => candidate.name === name);
  if (!task) throw new Error(`${workflow}: no Task state follows ${LOCK_STATE} in the clean run`);
  return injectFault(task, 'permanent');
}

describe.each(WORKFLOWS)('%s workflow — a fault in the failure path', (workflow) => {
  const cases = casesOf(workflow, true).flatMap((entry) =>
    (['permanent', 'transient'] as const satisfies readonly FaultKind[]).map((kind) => ({ ...entry, kind })),
  );

  it.for(cases)(
    '$state ($kind): the run still ends FAILED without touching resources',
    async ({ task, kind }) => {
      const permanent = kind === 'permanent';
      await prepare(workflow, { bystander: permanent });
      const bystander = await bystanderState();
      const before = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);
      const deploymentId = `failure-path-${task.name}-${kind}`;
      const primary = faultAfterLock(workflow);
      const fault = injectFault(task, kind);

      const { report, count } = await runWithFaults(workflow, deploymentId, [primary, fault]);

      expect(report).toMatchObject({ status: 'FAILED', error: primary.errorName });
      expect(count('StateEntered', task.name), `the failure path reached ${task.name}`).toBe(1);
      expect(fault.raised()).toBe(permanent ? 1 : TRANSIENT_FAILURES);
      expect(report.resources, `${ENVIRONMENT}'s resources are untouched`).toEqual(before);
      expect(await bystanderState(), `${BYSTANDER} is untouched`).toEqual(bystander);
      // A permanent fault loses what its own call records (UpdateItem: the lock release, PutItem: the
      // history entry, PutEvents: the failure event); every other record is still made.
      const lost = permanent && task.integration.kind === 'sdk' ? task.integration.operation.name : '';
      expect(await failureRecords(workflow, deploymentId, primary), `${task.name} (${kind})`).toEqual({
        lockReleased: lost !== 'UpdateItem',
        historyNamesFailure: lost !== 'PutItem',
        failureEventEmitted: lost !== 'PutEvents',
      });
      if (permanent) {
        // Even a lock the failure path could not release is taken over by the same request.
        const rerun = await runRequest(workflow, deploymentId);

        expect(rerun, 're-running the same request succeeds').toMatchObject({ status: 'SUCCEEDED' });
        expect(resourceShapes(rerun.resources)).toEqual(cleanRuns().shapes[workflow]);
      }
      countReliability('stepsFaultInjected', permanent ? 1 : 0);
      countReliability('permanentFaultRuns', permanent ? 1 : 0);
      countReliability('transientFaultsSurvived', permanent ? 0 : 1);
      countReliability('invariantsChecked', permanent ? 8 : 6);
    },
  );
});

describe('deploy workflow — a failed run ends only when every branch has', () => {
  it('keeps the lock until a step of another branch still running has finished, so a re-run cannot race it', async () => {
    // EnsureCluster fails at once in one branch of Foundations while EnsureNetwork, in another, is half-way
    // (VPC, subnets and internet gateway made, route tables next). Step Functions cannot cancel a running
    // Lambda, so the failure path must wait for it: each branch is guarded, and the run fails after all end.
    const failing = TASKS.deploy.find((task) => task.name === 'EnsureCluster');
    if (!failing) throw new Error('the deploy workflow has no EnsureCluster Task');
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failed = faultedRun([injectFault(failing, 'permanent')], {
      hold: { step: 'EnsureNetwork', command: 'CreateRouteTableCommand', until },
    });
    let ended = false;
    const failedRun = runRequest('deploy', 'overlap', failed.options).then((report) => {
      ended = true;
      return report;
    });
    await failed.held();
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(ended, 'the failed run waits for its running step').toBe(false);
    expect(await environmentRecord(aws.target(), ENVIRONMENT)).toMatchObject({ lockId: 'overlap' });

    release();
    const report = await failedRun;
    await failed.settled();
    expect(report).toMatchObject({ status: 'FAILED', failedState: 'EnsureCluster' });
    expect(await environmentRecord(aws.target(), ENVIRONMENT)).not.toHaveProperty('lockId');

    const rerun = await runRequest('deploy', 'overlap', {});
    expect(rerun.status, `the re-run failed in ${rerun.failedState}: ${rerun.error}`).toBe('SUCCEEDED');
    expect(
      await privateSubnetsWithoutNat(aws.target(), ENVIRONMENT),
      'private subnets keep their NAT route',
    ).toEqual([]);
    const resources = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);
    expect(resourceShapes(resources), 'the network of a clean run, nothing twice').toEqual(
      cleanRuns().shapes.deploy,
    );
    countReliability('raceCases');
    countReliability('invariantsChecked', 4);
  });
});
