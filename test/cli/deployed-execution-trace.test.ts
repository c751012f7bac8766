import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readDeployedExecutionTrace, traceOfHistory } from '../../cli/deployed-execution-trace.ts';
import { highlightOfTrace } from '../../core/graph-highlight.ts';
import { stateIndex } from '../../core/graph-model.ts';
import { workflowDefinition } from '../../core/workflow-definitions.ts';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { runCli } from '../support/cli.ts';

const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const callerIdentity = mockCallerIdentity();

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:modeshift-prod-deploy:shop-pr-5-ci-7';

/** A history as Step Functions writes it: each event points at the one that caused it. */
function history(
  ...events: Array<[type: string, previous: number, detail?: Partial<HistoryEvent>]>
): HistoryEvent[] {
  return events.map(([type, previous, detail], i) => ({
    id: i + 1,
    previousEventId: previous,
    type: type as HistoryEvent['type'],
    timestamp: new Date('2026-11-26T07:00:00Z'),
    ...detail,
  }));
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const failed = (error: string) => ({ taskFailedEventDetails: { error, resource: 'x', resourceType: 'y' } });

/**
 * A deploy whose AcquireLock is throttled once and retried, whose
 * DeleteExpirySchedule finds no schedule (caught), and whose EnsureNetwork
 * fails in the NetworkAndData branch (caught by the branch's guard), so the
 * run takes the failure path.
 */
const FAILED_DEPLOY = history(
  ['ExecutionStarted', 0], // 1
  ['PassStateEntered', 1, entered('DescribeDeployment')], // 2
  ['TaskStateEntered', 2, entered('AcquireLock')], // 3
  ['TaskScheduled', 3], // 4
  ['TaskStarted', 4], // 5
  ['TaskFailed', 5, failed('DynamoDb.ThrottlingException')], // 6
  ['TaskScheduled', 6], // 7: retried
  ['TaskSucceeded', 7], // 8
  ['TaskStateExited', 8], // 9
  ['TaskStateEntered', 9, entered('DeleteExpirySchedule')], // 10
  ['TaskScheduled', 10], // 11
  ['TaskFailed', 11, failed('Scheduler.ResourceNotFoundException')], // 12
  ['ParallelStateEntered', 12, entered('Foundations')], // 13: caught
  ['ParallelStateStarted', 13], // 14
  ['ParallelStateEntered', 14, entered('NetworkAndData')], // 15
  ['ParallelStateStarted', 15], // 16
  ['TaskStateEntered', 16, entered('EnsureNetwork')], // 17
  ['LambdaFunctionScheduled', 17], // 18
  ['LambdaFunctionFailed', 18, { lambdaFunctionFailedEventDetails: { error: 'Injected.Fault' } }], // 19
  ['ParallelStateFailed', 19], // 20
  ['PassStateEntered', 20, entered('NetworkAndDataFailed')], // 21: the guard caught it
  ['ParallelStateExited', 21], // 22
  ['ChoiceStateEntered', 22, entered('FoundationsSucceeded')], // 23
  ['ChoiceStateExited', 23], // 24
  ['PassStateEntered', 24, entered('FoundationsBranch0Failed')], // 25
  ['TaskStateEntered', 25, entered('DescribeFailure')], // 26
  ['FailStateEntered', 26, entered('DeploymentFailed')], // 27
  ['ExecutionFailed', 27], // 28
);

describe('an execution history read as a trace', () => {
  it('names the state of each failure and tells retried, caught and unhandled apart', () => {
    const trace = traceOfHistory('deploy', ARN, FAILED_DEPLOY);

    expect(trace.status).toBe('FAILED');
    expect(trace.events.filter((event) => event.type !== 'StateEntered')).toEqual([
      { state: 'AcquireLock', type: 'StateFailed', error: 'DynamoDb.ThrottlingException' },
      { state: 'AcquireLock', type: 'StateRetried' },
      { state: 'DeleteExpirySchedule', type: 'StateFailed', error: 'Scheduler.ResourceNotFoundException' },
      { state: 'DeleteExpirySchedule', type: 'StateCaught' },
      { state: 'EnsureNetwork', type: 'StateFailed', error: 'Injected.Fault' },
      { state: 'NetworkAndData', type: 'StateFailed' },
      { state: 'NetworkAndData', type: 'StateCaught' },
    ]);
  });

  it('highlights the states entered and only the step whose failure nothing handled', () => {
    const definition = workflowDefinition('deploy');

    const highlight = highlightOfTrace(traceOfHistory('deploy', ARN, FAILED_DEPLOY), stateIndex(definition));

    expect(highlight.failed).toEqual(['EnsureNetwork']);
    expect(highlight.errors).toEqual({ EnsureNetwork: 'Injected.Fault' });
    expect(highlight.path).toContain('NetworkAndDataFailed');
    expect(highlight.caught).toEqual(['DeleteExpirySchedule', 'NetworkAndData']);
    expect(highlight.decisions).toEqual({ FoundationsSucceeded: ['FoundationsBranch0Failed'] });
  });

  it('reads every page of the history', async () => {
    sfn.reset();
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: FAILED_DEPLOY.slice(0, 10), nextToken: 'page-2' })
      .resolvesOnce({ events: FAILED_DEPLOY.slice(10) });

    const trace = await readDeployedExecutionTrace(new SFNClient({}), 'deploy', ARN);

    expect(trace).toEqual(traceOfHistory('deploy', ARN, FAILED_DEPLOY));
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: ARN,
      nextToken: 'page-2',
    });
  });
});

describe('modeshift graph --env with the deployed app', () => {
  const APP = {
    MODESHIFT_BUS: 'modeshift-prod-bus',
    MODESHIFT_TABLE: 'modeshift-prod-environments',
    MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
    MODESHIFT_DEPLOY_STATE_MACHINE:
      'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
    MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
  };

  beforeEach(() => {
    callerIdentity.answer();
    sfn.reset();
    dynamodb.reset();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    dynamodb.on(GetItemCommand).resolves({
      Item: marshall({ pk: 'ENV#shop#pr-5', sk: 'ENV', status: 'failed', requestedMode: 'production' }),
    });
    dynamodb.on(QueryCommand).resolves({
      Items: [
        marshall({
          pk: 'ENV#shop#pr-5',
          sk: 'HIST#2026-11-26T07:00:00Z#ci-7',
          action: 'deploy',
          deploymentId: 'ci-7',
          mode: 'production',
          status: 'failed',
          startedAt: '2026-11-26T07:00:00Z',
          finishedAt: '2026-11-26T07:03:00Z',
          executionArn: ARN,
          failedState: 'EnsureNetwork',
          error: 'Injected.Fault',
        }),
      ],
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: FAILED_DEPLOY });
  });

  it('draws the path the execution history shows, its failed step marked', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'modeshift-graph-')), 'graph.html');

    const result = await runCli(['graph', '--env', 'pr-5', '--project', 'shop', '--out', out, '--json'], APP);

    expect(result.code, result.stderr).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: ARN });
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ environment: 'pr-5', mode: 'production', source: 'execution' });
    expect(summary.workflows.deploy.failed).toEqual(['EnsureNetwork']);
    expect(summary.workflows.down.path).toEqual([]);
    expect(readFileSync(out, 'utf8')).toMatch(
      /data-state="EnsureNetwork" data-workflow="deploy" data-type="Task" data-on-path="true" data-failed="true"/,
    );
  });
});
