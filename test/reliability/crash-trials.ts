/**
 * Crash trials against the local AWS (moto), one workflow per test file so the
 * two run side by side (crash-deploy.test.ts, crash-down.test.ts): the run is
 * stopped as each Task state of the workflow starts, every one of them
 * enumerated from its ASL, as if the process running it had been killed there
 * (crash-point.ts), and the same request (same deployment id, so it takes
 * over the lock its crashed run left) is run again. The re-run must end
 * exactly where a clean run of the request does: the same resources in the
 * whole account and tagged for the environment, the same record and history
 * outcome, no lock left.
 *
 * What the request runs on (the deployed shop a down takes down, the earlier
 * deploy a redeploy updates) is deployed once, before the first clean run
 * that needs it, and each trial restores the local AWS to it
 * (local-aws-snapshots.ts).
 *
 * A state off the failure path is crashed at in the first of the workflow's
 * CRASH_SCENARIOS whose clean run reaches it; a failure-path state in the
 * first scenario, after a permanent fault in the Task that follows the lock
 * has sent the run there.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../core/asl.ts';
import type { WorkflowName } from '../../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';
import { type RunOptions, type RunReport, taggedResources } from '../../local/run-workflows.ts';
import { EMULATOR_STEPS, LOCAL_STEPS } from '../../local/steps.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { expectAuditClean } from './audits.ts';
import { crashAt, ProcessKilled } from './crash-point.ts';
import { type Inventory, takeInventory } from './environment-inventory.ts';
import { injectFault } from './injected-faults.ts';
import { useLocalAwsWithSnapshots } from './local-aws-snapshots.ts';
import { resourceShapes } from './resource-shape.ts';
import { environmentRecord, historyOf } from './run-outcome.ts';
import {
  deployEarlier,
  deployScenario,
  downScenario,
  ENVIRONMENT,
  PROJECT,
  preparationOf,
  SCENARIOS,
  type Scenario,
} from './shop-requests.ts';
import { countReliability, type ReliabilityMetric } from './stats.ts';
import { definitionOf, type WorkflowTask, workflowTasks } from './workflow-tasks.ts';

/** The deployment id of the request under test, in its clean run and in every crashed run and re-run. */
const REQUEST_ID = 'crash-request';

function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`shop-requests.ts has no scenario named "${name}"`);
  return scenario;
}

/**
 * The scenarios each workflow's states are crashed in, cheapest first: a state
 * is crashed at in the first whose clean run reaches it. A deploy without a
 * domain waits for no certificate and reaches most states; development and
 * its redeploys reach the zones, the certificate, the replace strategy and the
 * expiry schedule's three ways. A down is crashed in a development environment
 * and, for what only production does (final snapshot, deletion protection,
 * zones kept), in a confirmed production one.
 */
const CRASH_SCENARIOS: Readonly<Record<WorkflowName, readonly Scenario[]>> = {
  deploy: [
    scenarioNamed('staging without a domain'),
    scenarioNamed('development with a ttl'),
    scenarioNamed('development redeployed with a ttl'),
    scenarioNamed('development redeployed without its ttl'),
    scenarioNamed('production'),
  ],
  down: [scenarioNamed('development with a ttl'), scenarioNamed('production')],
};

/** Per workflow: the Task states its ASL has, and the crashes after which a re-run converged. */
const METRICS: Readonly<Record<WorkflowName, { states: ReliabilityMetric; converged: ReliabilityMetric }>> = {
  deploy: { states: 'crashTaskStatesDeploy', converged: 'crashPointsDeploy' },
  down: { states: 'crashTaskStatesDown', converged: 'crashPointsDown' },
};

/** Where a run ends, as far as a re-run after a crash must match a clean run. */
interface EndState {
  /** Every resource in the account: one the crashed run made and lost track of shows as one too many. */
  readonly inventory: Inventory;
  /** The environment's tagged resources, generated ids blanked. */
  readonly shapes: readonly string[];
  readonly record: {
    readonly status: string | undefined;
    readonly mode: string | undefined;
    readonly lastDeploymentId: string | undefined;
    readonly sweepMode: string | undefined;
    readonly lockId: string | undefined;
  };
  /** The request's last history entry. */
  readonly outcome: { readonly action: string; readonly status: string; readonly mode: string } | undefined;
}

async function endState(target: Target): Promise<EndState> {
  const [record, history, inventory, tagged] = await Promise.all([
    environmentRecord(target, ENVIRONMENT),
    historyOf(target, ENVIRONMENT, REQUEST_ID),
    takeInventory(target),
    taggedResources(target, PROJECT, ENVIRONMENT),
  ]);
  const last = history.at(-1);
  return {
    inventory,
    shapes: resourceShapes(tagged),
    record: {
      status: record?.status,
      mode: record?.mode,
      lastDeploymentId: record?.lastDeploymentId,
      sweepMode: record?.sweepMode,
      lockId: record?.lockId,
    },
    outcome: last && { action: last.action, status: last.status, mode: last.mode },
  };
}

/** What a scenario's clean run of the request reaches and where it ends. */
interface CleanRun {
  readonly scenario: Scenario;
  /** Task states entered, in the order first entered. */
  readonly reached: readonly string[];
  readonly end: EndState;
}

function enteredTasks(events: readonly WorkflowEvent[], tasks: readonly WorkflowTask[]): string[] {
  const names = new Set(tasks.map((task) => task.name));
  const entered = events.flatMap((event) =>
    event.type === 'StateEntered' && event.state !== undefined && names.has(event.state) ? [event.state] : [],
  );
  return [...new Set(entered)];
}

/** The Task's DynamoDB UpdateExpression, if it writes one. */
function updateExpression(task: WorkflowTask): string {
  const expression = isJsonObject(task.parameters) ? task.parameters.UpdateExpression : undefined;
  return typeof expression === 'string' ? expression : '';
}

/** The Tasks that take the environment's lock and those that release it, read from their UpdateExpression. */
function lockTasks(workflow: WorkflowName, tasks: readonly WorkflowTask[]) {
  const take = tasks.filter((task) => /\bSET #lockId\s*=/.test(updateExpression(task))).map((t) => t.name);
  const release = tasks
    .filter((task) => /\bREMOVE\b.*#lockId/.test(updateExpression(task)))
    .map((t) => t.name);
  if (take.length === 0 || release.length === 0) {
    throw new Error(`${workflow}: no Task that takes (SET #lockId) or releases (REMOVE #lockId) the lock`);
  }
  return { take, release };
}

/** Whether the run held the lock when it was killed: a Task that takes it ended after every one that releases it. */
function heldLockAtCrash(events: readonly WorkflowEvent[], locks: ReturnType<typeof lockTasks>): boolean {
  let held = false;
  for (const event of events) {
    if (event.type !== 'StateExited' || event.state === undefined) continue;
    if (locks.take.includes(event.state)) held = true;
    if (locks.release.includes(event.state)) held = false;
  }
  return held;
}

/** Declares the crash trials of one workflow; call once at the top level of a test file. */
export function describeCrashTrials(workflow: WorkflowName): void {
  const aws = useLocalAwsWithSnapshots();
  const tasks = workflowTasks(workflow);
  const scenarios = CRASH_SCENARIOS[workflow];
  const locks = lockTasks(workflow, tasks);
  const topLevel = new Set(Object.keys(definitionOf(workflow).States));
  const metrics = METRICS[workflow];
  let clean: readonly CleanRun[] = [];
  /** The Task states whose crash a re-run converged from, and how long each trial took. */
  const converged = new Map<string, number>();
  /** The preparations saved on the local AWS (preparationOf). */
  const prepared = new Set<string>();

  const stepsOf = (target: Target) => (target.emulator ? EMULATOR_STEPS : LOCAL_STEPS);

  function runRequest(target: Target, scenario: Scenario, options: RunOptions = {}): Promise<RunReport> {
    return workflow === 'deploy'
      ? deployScenario(target, scenario, REQUEST_ID, options)
      : downScenario(target, REQUEST_ID, options);
  }

  /**
   * What the request runs on: the earlier deploy a redeploy updates, the deployed shop for a down.
   * Deployed once, by the first clean run that needs it, and saved: a trial restores it (local-aws-snapshots.ts).
   */
  async function prepare(target: Target, scenario: Scenario): Promise<void> {
    const preparation = preparationOf(workflow, scenario);
    if (preparation === undefined) return;
    if (prepared.has(preparation)) return aws.restore(preparation);
    if (workflow === 'deploy') {
      await deployEarlier(target, scenario);
    } else {
      const deployed = await deployScenario(target, scenario, 'prepare-deploy');
      if (deployed.status !== 'SUCCEEDED') {
        throw new Error(
          `the ${scenario.name} deploy to take down failed in ${deployed.failedState}: ${deployed.error}`,
        );
      }
    }
    await aws.save(preparation);
    prepared.add(preparation);
  }

  async function runCleanly(target: Target, scenario: Scenario): Promise<CleanRun> {
    await prepare(target, scenario);
    const events: WorkflowEvent[] = [];
    const report = await runRequest(target, scenario, { onEvent: (event) => events.push(event) });
    if (report.status !== 'SUCCEEDED') {
      throw new Error(
        `the clean ${workflow} (${scenario.name}) must succeed: ${report.status} in ${report.failedState}: ${report.error}`,
      );
    }
    return { scenario, reached: enteredTasks(events, tasks), end: await endState(target) };
  }

  beforeAll(async () => {
    // A clean run per scenario, each on a reset emulator, until every state off the failure path is reached.
    const runs: CleanRun[] = [];
    const unreached = () =>
      tasks.filter((task) => !task.failurePath && !runs.some((run) => run.reached.includes(task.name)));
    for (const scenario of scenarios) {
      if (runs.length > 0 && unreached().length === 0) break;
      await aws.reset();
      runs.push(await runCleanly(await openTarget(aws.endpoint(), { env: {} }), scenario));
    }
    clean = runs;
    countReliability(metrics.states, tasks.length);
  }, 300_000);

  afterAll(() => {
    const seconds = [...converged.values()].reduce((sum, ms) => sum + ms, 0) / 1000;
    process.stdout.write(
      `crash trials, ${workflow}: ${converged.size} of ${tasks.length} Task states converged, ` +
        `${seconds.toFixed(1)} s in all (${scenarios
          .slice(0, clean.length)
          .map((s) => s.name)
          .join(', ')})\n`,
    );
  });

  /** The clean run of the scenario a Task is crashed in. */
  function cleanRunFor(task: WorkflowTask): CleanRun {
    const run = task.failurePath
      ? clean[0]
      : clean.find((candidate) => candidate.reached.includes(task.name));
    if (!run) {
      throw new Error(
        `${task.name} is reached by no clean ${workflow} of ${scenarios.map((s) => s.name).join(', ')}`,
      );
    }
    return run;
  }

  /** A permanent fault in the Task after the lock's: the run then takes the failure path, lock held. */
  function faultAfterLock(run: CleanRun) {
    const lock = run.reached.findIndex((name) => locks.take.includes(name));
    const task = tasks.find((candidate) => candidate.name === run.reached[lock + 1]);
    if (lock < 0 || !task) throw new Error(`${workflow} (${run.scenario.name}): no Task follows the lock's`);
    return injectFault(task, 'permanent');
  }

  /**
   * The re-run after a crash ended where the clean run of the same request does. Every check of
   * convergence is here, so one more (an audit of the environment) is added in one place.
   * Resolves to the number of invariants checked.
   */
  async function expectConverged(target: Target, run: CleanRun, rerun: RunReport): Promise<number> {
    expect(
      rerun,
      `re-running the same request succeeds (${rerun.failedState}: ${rerun.error})`,
    ).toMatchObject({
      status: 'SUCCEEDED',
    });
    const end = await endState(target);
    expect(end.inventory, 'the account holds what a clean run leaves, nothing twice').toEqual(
      run.end.inventory,
    );
    expect(end.shapes, 'the environment’s tagged resources are a clean run’s').toEqual(run.end.shapes);
    expect(end.record, 'the record is a clean run’s, no lock left').toEqual(run.end.record);
    expect(end.record.lockId).toBeUndefined();
    expect(end.outcome, 'the request’s history ends as a clean run’s').toEqual(run.end.outcome);
    await expectAuditClean(target, run.scenario, `after the re-run (${workflow}, ${run.scenario.name})`);
    return 7;
  }

  describe(`${workflow} workflow — killed as each Task state starts, then the same request again`, () => {
    it.for(tasks.map((task) => ({ state: task.name, task })))(
      '$state: the re-run converges to a clean run',
      async ({ task }) => {
        const started = Date.now();
        const target = aws.target();
        const run = cleanRunFor(task);
        await prepare(target, run.scenario);
        const crash = crashAt(task, {
          faults: task.failurePath ? [faultAfterLock(run)] : [],
          steps: stepsOf(target),
        });
        const events: WorkflowEvent[] = [];

        const crashed = runRequest(target, run.scenario, {
          ...crash.options,
          onEvent: (event) => events.push(event),
        });

        await expect(crashed, `the run is killed as ${task.name} starts`).rejects.toBeInstanceOf(
          ProcessKilled,
        );
        await crash.settled();
        expect(crash.crashed(), `the run reached ${task.name} (${run.scenario.name})`).toBe(true);
        const seen = (type: string) =>
          events.some((event) => event.type === type && event.state === task.name);
        expect(seen('StateExited') || seen('StateFailed'), `${task.name} never ended`).toBe(false);
        // A branch's events reach the execution's log a moment after they happen, and a killed run logs
        // nothing more: only a top-level state is sure to show as entered.
        if (topLevel.has(task.name)) expect(seen('StateEntered'), `${task.name} was entered`).toBe(true);
        const lock = (await environmentRecord(target, ENVIRONMENT))?.lockId;
        expect(lock, 'the lock is as the killed run had it').toBe(
          heldLockAtCrash(events, locks) ? REQUEST_ID : undefined,
        );

        const rerun = await runRequest(target, run.scenario);

        const invariants = await expectConverged(target, run, rerun);
        converged.set(task.name, Date.now() - started);
        countReliability(metrics.converged);
        countReliability('invariantsChecked', invariants + 4);
      },
    );

    it('crashed at every Task state of the ASL, and a re-run converged from each', () => {
      expect([...converged.keys()].sort()).toEqual(tasks.map((task) => task.name).sort());
    });
  });
}
