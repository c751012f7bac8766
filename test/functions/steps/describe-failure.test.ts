import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  describeFailure,
  failureReport,
  stepFunctionsHistory,
} from '../../../functions/steps/describe-failure.ts';

const sfn = mockClient(SFNClient);
const noHistory = { failedState: async () => undefined };

beforeEach(() => {
  sfn.reset();
});

describe('DescribeFailure', () => {
  it('names the Task the execution history says failed, and marks the record failed', async () => {
    const report = await failureReport(
      {
        action: 'deploy',
        executionArn: 'arn:exec',
        state: {
          failure: { Error: 'Modeshift.DatabaseFailed', Cause: 'db is incompatible-parameters' },
          mode: 'staging',
          policy: { logRetentionDays: 7 },
          run: { event: { project: 'shop', environment: 'pr-1' } },
        },
      },
      { failedState: async () => 'EnsureDatabase' },
    );

    expect(JSON.parse(report.eventDetail)).toEqual(report.event);
    expect(report).toEqual({
      eventDetail: expect.any(String),
      failedState: 'EnsureDatabase',
      error: 'Modeshift.DatabaseFailed',
      cause: 'db is incompatible-parameters',
      recordStatus: 'failed',
      mode: 'staging',
      event: {
        project: 'shop',
        environment: 'pr-1',
        policy: { logRetentionDays: 7 },
        failedState: 'EnsureDatabase',
        error: 'Modeshift.DatabaseFailed',
        cause: 'db is incompatible-parameters',
      },
    });
  });

  it('keeps the previous status for a refused mode change, which changed nothing', async () => {
    const report = await failureReport(
      {
        action: 'deploy',
        executionArn: 'arn:exec',
        state: {
          failure: { Error: 'Modeshift.ModeChangeRefused', Cause: 'needs force' },
          previous: { Attributes: { status: { S: 'deployed' } } },
        },
      },
      noHistory,
    );

    expect(report).toMatchObject({ failedState: 'CheckModeChange', recordStatus: 'deployed' });
  });

  it('names the confirmation check for an unconfirmed production down', async () => {
    const report = await failureReport(
      {
        action: 'down',
        executionArn: 'arn:exec',
        state: {
          failure: { Error: 'Modeshift.ProductionDownNotConfirmed', Cause: 'confirm' },
          current: { mode: 'production' },
        },
      },
      noHistory,
    );

    expect(report).toMatchObject({ failedState: 'ConfirmProductionDown', mode: 'production' });
  });

  it('marks a failed teardown as teardown-failed', async () => {
    const report = await failureReport(
      {
        action: 'down',
        executionArn: 'arn:exec',
        state: { failure: { Error: 'Ec2.Ec2Exception', Cause: 'x' } },
      },
      { failedState: async () => 'DeleteNetwork' },
    );

    expect(report).toMatchObject({ failedState: 'DeleteNetwork', recordStatus: 'teardown-failed' });
  });
});

describe('DescribeFailure — Step Functions history', () => {
  it('finds the state a failed Task ran in, not the Map or Parallel around it', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 9, type: 'ParallelStateFailed', timestamp: new Date(), previousEventId: 8 },
        { id: 8, type: 'TaskFailed', timestamp: new Date(), previousEventId: 7 },
        { id: 7, type: 'TaskScheduled', timestamp: new Date(), previousEventId: 6 },
        {
          id: 6,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          previousEventId: 5,
          stateEnteredEventDetails: { name: 'EnsureNetwork' },
        },
        {
          id: 5,
          type: 'ParallelStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Foundations' },
        },
      ],
    });

    const state = await stepFunctionsHistory(new SFNClient({ region: 'us-east-1' })).failedState('arn:exec');

    expect(state).toBe('EnsureNetwork');
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: 'arn:exec',
      reverseOrder: true,
    });
  });

  it('skips a failure the state’s Retry took up (a sibling still polling), naming the state that failed for good', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 14, type: 'LambdaFunctionScheduled', timestamp: new Date(), previousEventId: 13 },
        { id: 13, type: 'LambdaFunctionFailed', timestamp: new Date(), previousEventId: 12 },
        { id: 12, type: 'LambdaFunctionScheduled', timestamp: new Date(), previousEventId: 11 },
        {
          id: 11,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          previousEventId: 10,
          stateEnteredEventDetails: { name: 'EnsureDatabases' },
        },
        { id: 10, type: 'LambdaFunctionFailed', timestamp: new Date(), previousEventId: 9 },
        { id: 9, type: 'LambdaFunctionScheduled', timestamp: new Date(), previousEventId: 8 },
        {
          id: 8,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'StartBuilds' },
        },
      ],
    });

    const state = await stepFunctionsHistory(new SFNClient({ region: 'us-east-1' })).failedState('arn:exec');

    expect(state).toBe('StartBuilds');
  });
});

describe('DescribeFailure — the step', () => {
  const input = {
    action: 'down',
    executionArn: 'arn:exec',
    state: { failure: { Error: 'Ec2.Ec2Exception', Cause: 'x' } },
  } as const;

  it('names the Task the local engine says failed last, without reading the execution history', async () => {
    const report = await describeFailure(
      input,
      { sfn: new SFNClient({ region: 'us-east-1' }) },
      { lastFailedTask: () => 'DeleteNetwork' },
    );

    expect(report).toMatchObject({ failedState: 'DeleteNetwork', recordStatus: 'teardown-failed' });
    expect(sfn).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it('reads the execution history when the engine does not tell (on AWS)', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 2, type: 'TaskFailed', timestamp: new Date(), previousEventId: 1 },
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'DeleteLoadBalancer' },
        },
      ],
    });

    const report = await describeFailure(input, { sfn: new SFNClient({ region: 'us-east-1' }) });

    expect(report).toMatchObject({ failedState: 'DeleteLoadBalancer', recordStatus: 'teardown-failed' });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: 'arn:exec' });
  });
});
