import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { followExecution, workflowEventsOfHistory } from '../../cli/follow-execution.ts';
import { recordEvent, startProgress } from '../../cli/live-progress.ts';
import { stepLabeller } from '../../cli/progress.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';

const sfn = mockClient(SFNClient);

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:modeshift-prod-deploy:shop--pr-5--ci-7';

/** The execution started here; its history's events follow a second apart. */
const T0 = Date.parse('2026-11-26T07:00:00Z');
const at = (id: number) => T0 + (id - 1) * 1000;

/** A history as Step Functions writes it: each event points at the one that caused it, a second after the last. */
function history(
  ...events: Array<[type: string, previous: number, detail?: Partial<HistoryEvent>]>
): HistoryEvent[] {
  return events.map(([type, previous, detail], i) => ({
    id: i + 1,
    previousEventId: previous,
    type: type as HistoryEvent['type'],
    timestamp: new Date(at(i + 1)),
    ...detail,
  }));
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const taskFailed = (error: string, cause = `${error} happened`) => ({
  taskFailedEventDetails: { error, cause, resource: 'x', resourceType: 'y' },
});
const iteration = (type: 'Started' | 'Succeeded', index: number) => ({
  [`mapIteration${type}EventDetails`]: { name: 'Services', index },
});

/** Follows the execution with both callbacks, polling with no wait, and returns what each was given. */
async function follow() {
  const events: WorkflowEvent[] = [];
  const lines: string[] = [];
  const followed = await followExecution(new SFNClient({}), STATE_MACHINE, 'shop--pr-5--ci-7', {
    sleep: async () => {},
    onStep: (line) => lines.push(line),
    onEvent: (event) => events.push(event),
  });
  return { followed, events, lines };
}

/** The history read whole at the first poll, the execution already over. */
function endedWith(status: 'SUCCEEDED' | 'FAILED', events: HistoryEvent[]) {
  sfn.on(DescribeExecutionCommand).resolves({ status } as never);
  sfn.on(GetExecutionHistoryCommand).resolves({ events });
}

/**
 * A deploy whose AcquireLock is throttled once and retried, whose
 * DeleteExpirySchedule finds no schedule (caught, exited before the Catch's
 * next state), and whose EnsureDbSubnetGroup fails in the Databases branch,
 * which the branch's guard catches (the history names no exit of it before
 * the guard's state); the run takes the failure path and fails.
 */
const FAILED_DEPLOY = history(
  ['ExecutionStarted', 0], // 1
  ['PassStateEntered', 1, entered('DescribeDeployment')], // 2
  ['PassStateExited', 2, exited('DescribeDeployment')], // 3
  ['TaskStateEntered', 3, entered('AcquireLock')], // 4
  ['TaskScheduled', 4], // 5
  ['TaskStarted', 5], // 6
  ['TaskFailed', 6, taskFailed('DynamoDb.ThrottlingException')], // 7
  ['TaskScheduled', 7], // 8: retried
  ['TaskStarted', 8], // 9
  ['TaskSucceeded', 9], // 10
  ['TaskStateExited', 10, exited('AcquireLock')], // 11
  ['TaskStateEntered', 11, entered('DeleteExpirySchedule')], // 12
  ['TaskScheduled', 12], // 13
  ['TaskFailed', 13, taskFailed('Scheduler.ResourceNotFoundException')], // 14
  ['TaskStateExited', 14, exited('DeleteExpirySchedule')], // 15: caught
  ['ParallelStateEntered', 15, entered('Foundations')], // 16
  ['ParallelStateStarted', 16], // 17
  ['ParallelStateEntered', 17, entered('Databases')], // 18
  ['ParallelStateStarted', 18], // 19
  ['TaskStateEntered', 19, entered('EnsureDbSubnetGroup')], // 20
  ['LambdaFunctionScheduled', 20], // 21
  ['LambdaFunctionFailed', 21, { lambdaFunctionFailedEventDetails: { error: 'Injected.Fault' } }], // 22
  ['ParallelStateFailed', 22], // 23
  ['PassStateEntered', 23, entered('DatabasesFailed')], // 24: the guard caught it
  ['ParallelStateExited', 24, exited('Databases')], // 25
  ['FailStateEntered', 25, entered('DeploymentFailed')], // 26
  [
    'ExecutionFailed',
    26,
    { executionFailedEventDetails: { error: 'Injected.Fault', cause: 'in EnsureDbSubnetGroup' } },
  ], // 27
);

beforeEach(() => {
  sfn.reset();
});

describe('following a deployed execution — its events as the engine reports a run', () => {
  it('gives each state entered and exited, with the time the history recorded', async () => {
    endedWith(
      'SUCCEEDED',
      history(
        ['ExecutionStarted', 0], // 1
        ['PassStateEntered', 1, entered('DescribeDeployment')], // 2
        ['PassStateExited', 2, exited('DescribeDeployment')], // 3
        ['TaskStateEntered', 3, entered('EnsureNetwork')], // 4
        ['LambdaFunctionScheduled', 4], // 5
        ['LambdaFunctionStarted', 5], // 6
        ['LambdaFunctionSucceeded', 6], // 7
        ['TaskStateExited', 7, exited('EnsureNetwork')], // 8
        ['ExecutionSucceeded', 8], // 9
      ),
    );

    const { followed, events } = await follow();

    expect(followed).toEqual({ executionArn: EXECUTION, status: 'SUCCEEDED', transitions: 2 });
    expect(events).toEqual([
      { type: 'ExecutionStarted', timestamp: at(1) },
      { type: 'StateEntered', state: 'DescribeDeployment', timestamp: at(2) },
      { type: 'StateExited', state: 'DescribeDeployment', timestamp: at(3) },
      { type: 'StateEntered', state: 'EnsureNetwork', timestamp: at(4) },
      { type: 'StateExited', state: 'EnsureNetwork', timestamp: at(8) },
      { type: 'ExecutionSucceeded', timestamp: at(9) },
    ]);
  });

  it('names the state of each failure and tells retried, caught and unhandled apart', async () => {
    endedWith('FAILED', FAILED_DEPLOY);

    const { events } = await follow();

    expect(events.filter((event) => !['StateEntered', 'StateExited'].includes(event.type))).toEqual([
      { type: 'ExecutionStarted', timestamp: at(1) },
      {
        type: 'StateFailed',
        state: 'AcquireLock',
        error: 'DynamoDb.ThrottlingException',
        cause: 'DynamoDb.ThrottlingException happened',
        timestamp: at(7),
      },
      {
        type: 'StateRetried',
        state: 'AcquireLock',
        error: 'DynamoDb.ThrottlingException',
        cause: 'DynamoDb.ThrottlingException happened',
        timestamp: at(8),
      },
      {
        type: 'StateFailed',
        state: 'DeleteExpirySchedule',
        error: 'Scheduler.ResourceNotFoundException',
        cause: 'Scheduler.ResourceNotFoundException happened',
        timestamp: at(14),
      },
      { type: 'StateCaught', state: 'DeleteExpirySchedule', timestamp: at(15) },
      { type: 'StateFailed', state: 'EnsureDbSubnetGroup', error: 'Injected.Fault', timestamp: at(22) },
      // A Parallel state's failure carries none of its own: it is its inner state's.
      { type: 'StateFailed', state: 'Databases', error: 'Injected.Fault', timestamp: at(23) },
      { type: 'StateCaught', state: 'Databases', timestamp: at(24) },
      {
        type: 'ExecutionFailed',
        error: 'Injected.Fault',
        cause: 'in EnsureDbSubnetGroup',
        timestamp: at(27),
      },
    ]);
  });

  it('exits a caught state the history leaves without an exit once, when the Catch’s next state is entered', async () => {
    endedWith('FAILED', FAILED_DEPLOY);

    const { events } = await follow();

    expect(events.filter((event) => event.state === 'Databases')).toEqual([
      { type: 'StateEntered', state: 'Databases', timestamp: at(18) },
      { type: 'StateFailed', state: 'Databases', error: 'Injected.Fault', timestamp: at(23) },
      { type: 'StateCaught', state: 'Databases', timestamp: at(24) },
      { type: 'StateExited', state: 'Databases', timestamp: at(24) },
    ]);
  });

  it('tells a retry the history shows only at a later poll', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' } as never)
      .resolves({ status: 'FAILED' } as never);
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: FAILED_DEPLOY.slice(0, 7) })
      .resolves({ events: FAILED_DEPLOY });

    const { events } = await follow();

    expect(events.filter((event) => event.state === 'AcquireLock').map((event) => event.type)).toEqual([
      'StateEntered',
      'StateFailed',
      'StateRetried',
      'StateExited',
    ]);
    expect(events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
  });

  it('prints the same step lines as before, with or without the events', async () => {
    endedWith('FAILED', FAILED_DEPLOY);

    const { lines } = await follow();

    expect(lines).toEqual([
      '  ▶ AcquireLock',
      '  ✓ AcquireLock',
      '  ▶ DeleteExpirySchedule',
      '  ✓ DeleteExpirySchedule',
      '  ▶ EnsureDbSubnetGroup',
    ]);
  });

  it('gives the live view the steps, retries and failures it shows', async () => {
    endedWith('FAILED', FAILED_DEPLOY);
    const { events } = await follow();
    const progress = startProgress('deploy', T0);
    const labelStep = stepLabeller('deploy');

    for (const event of events) recordEvent(progress, event, labelStep(event));

    // Eight states entered and one retry, as Step Functions bills them.
    expect(progress.transitions).toBe(9);
    expect([...progress.steps.values()]).toEqual([
      expect.objectContaining({
        label: 'AcquireLock',
        startedAt: at(4),
        endedAt: at(11),
        failed: false,
        retries: 1,
        retriedAfter: 'DynamoDb.ThrottlingException',
      }),
      expect.objectContaining({ label: 'DeleteExpirySchedule', endedAt: at(15), failed: false }),
      expect.objectContaining({ label: 'Foundations', endedAt: undefined }),
      expect.objectContaining({ label: 'Databases', endedAt: at(24), failed: false }),
      expect.objectContaining({
        label: 'EnsureDbSubnetGroup',
        endedAt: at(22),
        failed: true,
        error: 'Injected.Fault',
      }),
    ]);
  });

  it('numbers the events inside a Map by their iteration, from MapIterationStarted', () => {
    const events = history(
      ['ExecutionStarted', 0], // 1
      ['MapStateEntered', 1, entered('Services')], // 2
      ['MapStateStarted', 2], // 3
      ['MapIterationStarted', 3, iteration('Started', 0)], // 4
      ['MapIterationStarted', 3, iteration('Started', 1)], // 5
      ['TaskStateEntered', 4, entered('DeployService')], // 6
      ['TaskStateEntered', 5, entered('DeployService')], // 7
      ['TaskStateExited', 7, exited('DeployService')], // 8
      ['MapIterationSucceeded', 8, iteration('Succeeded', 1)], // 9
      ['TaskStateExited', 6, exited('DeployService')], // 10
      ['MapIterationSucceeded', 10, iteration('Succeeded', 0)], // 11
      ['MapStateSucceeded', 11], // 12
      ['MapStateExited', 12, exited('Services')], // 13
      ['TaskStateEntered', 13, entered('MarkDeployed')], // 14
    );
    const workflowEventsOf = workflowEventsOfHistory();

    const converted = events.flatMap((event) => workflowEventsOf(event));

    expect(converted.slice(1)).toEqual([
      { type: 'StateEntered', state: 'Services', timestamp: at(2) },
      { type: 'MapIterationStarted', state: 'Services', index: 0, timestamp: at(4) },
      { type: 'MapIterationStarted', state: 'Services', index: 1, timestamp: at(5) },
      { type: 'StateEntered', state: 'DeployService', index: 0, timestamp: at(6) },
      { type: 'StateEntered', state: 'DeployService', index: 1, timestamp: at(7) },
      { type: 'StateExited', state: 'DeployService', index: 1, timestamp: at(8) },
      { type: 'MapIterationSucceeded', state: 'Services', index: 1, timestamp: at(9) },
      { type: 'StateExited', state: 'DeployService', index: 0, timestamp: at(10) },
      { type: 'MapIterationSucceeded', state: 'Services', index: 0, timestamp: at(11) },
      { type: 'StateExited', state: 'Services', timestamp: at(13) },
      { type: 'StateEntered', state: 'MarkDeployed', timestamp: at(14) },
    ]);
  });
});
