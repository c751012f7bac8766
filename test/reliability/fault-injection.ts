/**
 * Fault injection against the local AWS (moto), one workflow per test file so
 * the two run side by side: every Task state of the workflow, enumerated from
 * its ASL, made to fail for good (the run must fail cleanly and a re-run
 * converge) and to throttle twice (the run must succeed). Each state is hit
 * in the first scenario (shop-requests.ts) whose clean run reaches it. What
 * a trial's request runs on (the shop a down takes down, the deploy a
 * redeploy updates, the bystander) is deployed once and restored for each
 * trial after that (local-aws-snapshots.ts).
 */

import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowName } from '../../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';
import { type RunOptions, type RunReport, taggedResources } from '../../local/run-workflows.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { expectAuditClean } from './audits.ts';
import {
  type FaultKind,
  faultedRun,
  type InjectedFault,
  injectFault,
  TRANSIENT_FAILURES,
} from './injected-faults.ts';
import { type LocalAwsWithSnapshots, useLocalAwsWithSnapshots } from './local-aws-snapshots.ts';
import { resourceShapes } from './resource-shape.ts';
import { deletesWithoutFinalSnapshot, environmentRecord, historyOf, outcomeEvents } from './run-outcome.ts';
import {
  BYSTANDER,
  deployBystander,
  deployEarlier,
  deployScenario,
  downScenario,
  ENVIRONMENT,
  PRODUCTION,
  PROJECT,
  preparationOf,
  SCENARIOS,
  type Scenario,
} from './shop-requests.ts';
import { countReliability } from './stats.ts';
import {
  definitionOf,
  failurePathStates,
  isRetried,
  type WorkflowTask,
  workflowTasks,
} from './workflow-tasks.ts';

const FAILED_EVENT: Readonly<Record<WorkflowName, string>> = {
  deploy: 'Deployment Failed',
  down: 'Teardown Failed',
};
/** The state that takes the environment's lock: from the next one on, the failure path has a lock to release. */
const LOCK_STATE = 'AcquireLock';

/** What a scenario's clean run (no fault) reaches and leaves. */
export interface CleanRun {
  readonly scenario: Scenario;
  /** Task states entered, in the order first entered. */
  readonly reached: readonly string[];
  /** Shapes of the environment's tagged resources after the run. */
  readonly shapes: readonly string[];
}

/** The seams a workflow's fault-injection file shares with tests of its own. */
export interface FaultInjection {
  readonly aws: LocalAwsWithSnapshots;
  readonly tasks: readonly WorkflowTask[];
  /** The clean run of a scenario (taken in beforeAll). */
  cleanRun(scenario: Scenario): CleanRun;
  /** Runs the workflow's request for the environment under test in the scenario. */
  runRequest(scenario: Scenario, deploymentId: string, options?: RunOptions): Promise<RunReport>;
}

function enteredTasks(events: readonly WorkflowEvent[], tasks: readonly WorkflowTask[]): string[] {
  const names = new Set(tasks.map((task) => task.name));
  const entered = events
    .filter((event) => event.type === 'StateEntered' && event.state !== undefined && names.has(event.state))
    .map((event) => event.state as string);
  return [...new Set(entered)];
}

/** The scenarios that can reach a state the earlier ones do not: a redeploy's down is a plain down. */
function scenariosOf(workflow: WorkflowName): readonly Scenario[] {
  return workflow === 'deploy' ? SCENARIOS : SCENARIOS.filter((scenario) => !scenario.redeploy);
}

/** Declares the fault-injection tests of one workflow; call once at the top level of a test file. */
export function describeFaultInjection(workflow: WorkflowName): FaultInjection {
  const aws = useLocalAwsWithSnapshots();
  const tasks = workflowTasks(workflow);
  const scenarios = scenariosOf(workflow);
  let clean: readonly CleanRun[] = [];

  function runRequest(scenario: Scenario, deploymentId: string, options: RunOptions = {}) {
    return workflow === 'deploy'
      ? deployScenario(aws.target(), scenario, deploymentId, options)
      : downScenario(aws.target(), deploymentId, options);
  }

  /** The preparations saved on the local AWS, by name. */
  const prepared = new Set<string>();

  /** Restores what `name` saved, or makes it on the reset local AWS with `make` and saves it. */
  async function restoreOrMake(name: string, make: () => Promise<void>): Promise<void> {
    if (prepared.has(name)) return aws.restore(name);
    await make();
    await aws.save(name);
    prepared.add(name);
  }

  /**
   * What the request runs on: an earlier deploy for a redeploy, the deployed shop for a down; the
   * bystander if asked. Deployed on a reset local AWS the first time (a clean run's, or a trial's) and
   * saved; each later trial restores it (local-aws-snapshots.ts) instead of deploying it again. The
   * bystander is deployed once, and each preparation of the environment beside it.
   */
  async function prepare(target: Target, scenario: Scenario, { bystander }: { bystander: boolean }) {
    const environment = preparationOf(workflow, scenario);
    const bystanderOnce = () => restoreOrMake(`the ${BYSTANDER}`, () => deployBystander(target));
    if (environment === undefined) return bystander ? bystanderOnce() : undefined;
    await restoreOrMake(bystander ? `${environment} and the ${BYSTANDER}` : environment, async () => {
      if (bystander) await bystanderOnce();
      if (workflow === 'deploy') return deployEarlier(target, scenario);
      const deployed = await deployScenario(target, scenario, 'prepare-deploy');
      if (deployed.status !== 'SUCCEEDED') {
        throw new Error(`the ${scenario.name} deploy to take down failed: ${deployed.error}`);
      }
    });
  }

  async function runCleanly(target: Target, scenario: Scenario): Promise<CleanRun> {
    await prepare(target, scenario, { bystander: true });
    const events: WorkflowEvent[] = [];
    const onEvent = (event: WorkflowEvent) => events.push(event);
    const report =
      workflow === 'deploy'
        ? await deployScenario(target, scenario, 'clean-run', { onEvent })
        : await downScenario(target, 'clean-run', { onEvent });
    if (report.status !== 'SUCCEEDED') {
      throw new Error(
        `the clean ${workflow} (${scenario.name}) must succeed: ${report.status} in ${report.failedState}: ${report.error}`,
      );
    }
    await expectAuditClean(target, scenario, `after the clean ${workflow} (${scenario.name})`);
    return { scenario, reached: enteredTasks(events, tasks), shapes: resourceShapes(report.resources) };
  }

  beforeAll(async () => {
    // useLocalAws() opens a fresh target before each test; each clean run gets its own, on a reset emulator.
    const runs: CleanRun[] = [];
    for (const scenario of scenarios) {
      await aws.reset();
      runs.push(await runCleanly(await openTarget(aws.endpoint(), { env: {} }), scenario));
    }
    clean = runs;
    for (const run of clean) {
      process.stdout.write(
        `fault injection, ${workflow} (${run.scenario.name}): reached ${run.reached.join(', ')}\n`,
      );
    }
  }, 300_000);

  function cleanRun(scenario: Scenario): CleanRun {
    const run = clean.find((candidate) => candidate.scenario === scenario);
    if (!run) throw new Error(`no clean ${workflow} for ${scenario.name} (see beforeAll)`);
    return run;
  }

  /** The first scenario whose clean run reaches the state: the one its faults are injected in. */
  function scenarioReaching(task: WorkflowTask): Scenario {
    const run = clean.find((candidate) => candidate.reached.includes(task.name));
    if (!run) {
      throw new Error(
        `${task.name} is reached by no scenario's clean ${workflow} (${scenarios.map((s) => s.name).join(', ')})`,
      );
    }
    return run.scenario;
  }

  async function bystanderState() {
    const [resources, record] = await Promise.all([
      taggedResources(aws.target(), PROJECT, BYSTANDER),
      environmentRecord(aws.target(), BYSTANDER),
    ]);
    return { resources, record };
  }

  /** Runs the request with faults injected and waits until nothing it started is still running. */
  async function runWithFaults(scenario: Scenario, deploymentId: string, faults: readonly InjectedFault[]) {
    const events: WorkflowEvent[] = [];
    const run = faultedRun(faults);
    const report = await runRequest(scenario, deploymentId, {
      ...run.options,
      onEvent: (event) => events.push(event),
    });
    await run.settled();
    const count = (type: string, state: string, error?: string) =>
      events.filter(
        (event) =>
          event.type === type && event.state === state && (error === undefined || event.error === error),
      ).length;
    return { report, count };
  }

  const casesOf = (onFailurePath: boolean) =>
    tasks.filter((task) => task.failurePath === onFailurePath).map((task) => ({ state: task.name, task }));

  describe(`${workflow}: the Task states, read from the ASL`, () => {
    it('the failure path is entered only through Catch and never succeeds', () => {
      const definition = definitionOf(workflow);
      const path = failurePathStates(definition);
      const succeeding = Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Succeed')
        .map(([name]) => name);

      expect(path.size).toBeGreaterThan(0);
      expect([...path].filter((name) => succeeding.includes(name))).toEqual([]);
      expect(path.has(definition.StartAt)).toBe(false);
    });

    it('the permanent fault injected into each Task is not retried by it', () => {
      const retried = tasks
        .map((task) => injectFault(task, 'permanent'))
        .filter((fault) => isRetried(fault.task, fault.errorName))
        .map((fault) => `${fault.task.name}: ${fault.errorName}`);

      expect(retried).toEqual([]);
    });

    it('every Task’s Retry covers the throttling injected into it', () => {
      const uncovered = tasks
        .map((task) => injectFault(task, 'transient'))
        .filter((fault) => !isRetried(fault.task, fault.errorName))
        .map((fault) => `${fault.task.name}: ${fault.errorName}`);

      expect(uncovered).toEqual([]);
    });

    it('every Task state off the failure path is reached by some scenario’s clean run', () => {
      const unreached = tasks
        .filter((task) => !task.failurePath && !clean.some((run) => run.reached.includes(task.name)))
        .map((task) => task.name);

      expect(unreached).toEqual([]);
    });
  });

  describe(`${workflow} workflow — a permanent fault in each Task state`, () => {
    it.for(casesOf(false))('$state: the run fails cleanly and a re-run converges', async ({ task }) => {
      const scenario = scenarioReaching(task);
      await prepare(aws.target(), scenario, { bystander: true });
      const bystander = await bystanderState();
      const deploymentId = `fault-${task.name}`;
      const fault = injectFault(task, 'permanent');
      let invariants = 0;
      const holds = <T>(assertion: () => T): T => {
        const result = assertion();
        invariants += 1;
        return result;
      };
      const noUnsafeDeletes = async (when: string) => {
        // Only production keeps a final snapshot; a development down deletes its database outright by design.
        if (scenario.mode !== 'production') return;
        const unsafe = await deletesWithoutFinalSnapshot(aws.target());
        holds(() =>
          expect(unsafe, `${when}: no production database is deleted without its final snapshot`).toEqual([]),
        );
      };

      const { report, count } = await runWithFaults(scenario, deploymentId, [fault]);

      expect(fault.raised(), `the fault in ${task.name} (${scenario.name}) was raised`).toBeGreaterThan(0);
      holds(() =>
        expect(report).toMatchObject({ status: 'FAILED', failedState: task.name, error: fault.errorName }),
      );
      holds(() =>
        expect(count('StateRetried', task.name, fault.errorName), `${fault.errorName} is not retried`).toBe(
          0,
        ),
      );
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
      await noUnsafeDeletes('after the fault');
      const bystanderAfterFault = await bystanderState();
      holds(() =>
        expect(bystanderAfterFault, `${BYSTANDER} is untouched by the failed run`).toEqual(bystander),
      );
      const left = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);

      const rerun = await runRequest(scenario, deploymentId);

      holds(() =>
        expect(rerun, 're-running the same request succeeds').toMatchObject({ status: 'SUCCEEDED' }),
      );
      holds(() =>
        expect(resourceShapes(rerun.resources), 'the re-run leaves what a clean run leaves').toEqual(
          cleanRun(scenario).shapes,
        ),
      );
      if (workflow === 'deploy') {
        const replaced = left.filter((arn) => !rerun.resources.includes(arn));
        holds(() => expect(replaced, 'the re-run reuses what the failed run created').toEqual([]));
      }
      await noUnsafeDeletes('after the re-run');
      await expectAuditClean(aws.target(), scenario, 'after the re-run');
      invariants += 1;
      const bystanderAfterRerun = await bystanderState();
      holds(() => expect(bystanderAfterRerun, `${BYSTANDER} is untouched by the re-run`).toEqual(bystander));
      countReliability('stepsFaultInjected');
      countReliability('permanentFaultRuns');
      countReliability('invariantsChecked', invariants);
    });
  });

  /** One run with throttling injected into several Task states: what each state went through. */
  interface ThrottledRun {
    readonly report: RunReport;
    readonly raised: ReadonlyMap<string, number>;
    readonly retries: ReadonlyMap<string, number>;
  }

  async function runThrottled(
    scenario: Scenario,
    throttled: readonly WorkflowTask[],
    deploymentId: string,
  ): Promise<ThrottledRun> {
    await prepare(aws.target(), scenario, { bystander: false });
    const faults = throttled.map((task) => injectFault(task, 'transient'));
    const { report, count } = await runWithFaults(scenario, deploymentId, faults);
    return {
      report,
      raised: new Map(faults.map((fault) => [fault.task.name, fault.raised()])),
      // Polling steps also retry on Modeshift.NotReady while they wait: only the throttling's retries count.
      retries: new Map(
        faults.map((fault) => [fault.task.name, count('StateRetried', fault.task.name, fault.errorName)]),
      ),
    };
  }

  /**
   * Throttling is injected into every state a scenario is the first to reach,
   * in one run per scenario (the first test that needs it makes it), since
   * each state's throttling is retried on its own. A state that run does not
   * show surviving (the run failed, or ended before the state) is throttled
   * again alone.
   */
  const throttledRuns = new Map<Scenario, Promise<ThrottledRun>>();

  function throttledRun(scenario: Scenario): Promise<ThrottledRun> {
    let run = throttledRuns.get(scenario);
    if (!run) {
      const hit = tasks.filter((task) => !task.failurePath && scenarioReaching(task) === scenario);
      run = runThrottled(scenario, hit, 'throttled-everywhere');
      throttledRuns.set(scenario, run);
    }
    return run;
  }

  describe(`${workflow} workflow — throttling twice in each Task state`, () => {
    it.for(casesOf(false))('$state: the run retries and succeeds', async ({ task }) => {
      const scenario = scenarioReaching(task);
      const together = await throttledRun(scenario);
      const survived =
        together.report.status === 'SUCCEEDED' && together.raised.get(task.name) === TRANSIENT_FAILURES;
      const { report, raised, retries } = survived
        ? together
        : await runThrottled(scenario, [task], `throttled-${task.name}`);
      const errorName = injectFault(task, 'transient').errorName;

      expect(raised.get(task.name), `throttling was injected into ${task.name}`).toBe(TRANSIENT_FAILURES);
      expect(
        report.status,
        `${workflow} ${task.name} (${scenario.name}): throttling (${errorName}) ended the run` +
          ` (${report.failedState}: ${report.error}); its Retry covers ${task.retried.join(', ') || 'nothing'}`,
      ).toBe('SUCCEEDED');
      expect(retries.get(task.name), `${task.name} was retried`).toBe(TRANSIENT_FAILURES);
      expect(resourceShapes(report.resources), 'the run leaves what a clean run leaves').toEqual(
        cleanRun(scenario).shapes,
      );
      countReliability('transientFaultsSurvived');
      countReliability('invariantsChecked', 3);
    });
  });

  /** The failure path's records a failed run left: lock released, failed history entry, failure event. */
  async function failureRecords(deploymentId: string, primary: InjectedFault) {
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
  function faultAfterLock(): InjectedFault {
    const reached = cleanRun(PRODUCTION).reached;
    const name = reached[reached.indexOf(LOCK_STATE) + 1];
    const task = tasks.find((candidate) => candidate.name === name);
    if (!task) throw new Error(`${workflow}: no Task state follows ${LOCK_STATE} in the clean run`);
    return injectFault(task, 'permanent');
  }

  describe(`${workflow} workflow — a fault in the failure path`, () => {
    const cases = casesOf(true).flatMap((entry) =>
      (['permanent', 'transient'] as const satisfies readonly FaultKind[]).map((kind) => ({
        ...entry,
        kind,
      })),
    );

    it.for(cases)(
      '$state ($kind): the run still ends FAILED without touching resources',
      async ({ task, kind }) => {
        const permanent = kind === 'permanent';
        await prepare(aws.target(), PRODUCTION, { bystander: permanent });
        const bystander = await bystanderState();
        const before = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);
        const deploymentId = `failure-path-${task.name}-${kind}`;
        const primary = faultAfterLock();
        const fault = injectFault(task, kind);

        const { report, count } = await runWithFaults(PRODUCTION, deploymentId, [primary, fault]);

        expect(report).toMatchObject({ status: 'FAILED', error: primary.errorName });
        expect(count('StateEntered', task.name), `the failure path reached ${task.name}`).toBe(1);
        expect(fault.raised()).toBe(permanent ? 1 : TRANSIENT_FAILURES);
        expect(report.resources, `${ENVIRONMENT}'s resources are untouched`).toEqual(before);
        expect(await bystanderState(), `${BYSTANDER} is untouched`).toEqual(bystander);
        // A permanent fault loses what its own call records (UpdateItem: the lock release, PutItem: the
        // history entry, PutEvents: the failure event); every other record is still made.
        const lost = permanent && task.integration.kind === 'sdk' ? task.integration.operation.name : '';
        expect(await failureRecords(deploymentId, primary), `${task.name} (${kind})`).toEqual({
          lockReleased: lost !== 'UpdateItem',
          historyNamesFailure: lost !== 'PutItem',
          failureEventEmitted: lost !== 'PutEvents',
        });
        if (permanent) {
          // Even a lock the failure path could not release is taken over by the same request.
          const rerun = await runRequest(PRODUCTION, deploymentId);

          expect(rerun, 're-running the same request succeeds').toMatchObject({ status: 'SUCCEEDED' });
          expect(resourceShapes(rerun.resources)).toEqual(cleanRun(PRODUCTION).shapes);
        }
        countReliability('stepsFaultInjected', permanent ? 1 : 0);
        countReliability('permanentFaultRuns', permanent ? 1 : 0);
        countReliability('transientFaultsSurvived', permanent ? 0 : 1);
        countReliability('invariantsChecked', permanent ? 8 : 6);
      },
    );
  });

  return { aws, tasks, cleanRun, runRequest };
}
