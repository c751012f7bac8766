import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaHandler } from '../../functions/lambda-handler.ts';
import { defineStep, stepFile } from '../../functions/step.ts';
import { STEPS } from '../../state-machines/workflows.ts';

const context = { functionName: 'modeshift-step', awsRequestId: 'r-1' } as Context;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A step that answers (or fails) as told, with no AWS client. */
function stepAnswering<O>(name: string, answer: () => Promise<O>, settled?: (output: O) => boolean) {
  return defineStep({
    name,
    clients: {},
    sends: [],
    run: async (_input: Record<string, never>): Promise<O> => answer(),
    ...(settled ? { settled } : {}),
  });
}

describe('step Lambda functions', () => {
  it('has an entry for every step: the file named after it, declaring the step and exporting its handler', async () => {
    for (const step of Object.values(STEPS)) {
      const module = (await import(`../../${stepFile(step.name)}`)) as Record<string, unknown>;
      expect(typeof module.handler, stepFile(step.name)).toBe('function');
      expect(Object.values(module), stepFile(step.name)).toContain(step);
    }
  });

  it('runs its step with the Lambda’s own clients (DescribeFailure reads the execution history)', async () => {
    const sfn = mockClient(SFNClient);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 2, type: 'TaskFailed', timestamp: new Date(), previousEventId: 1 },
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'EnsureNetwork' },
        },
      ],
    });
    const { handler } = await import('../../functions/steps/describe-failure.ts');

    const report = await handler({ action: 'deploy', executionArn: 'arn:exec', state: {} }, context);

    expect(report).toMatchObject({ failedState: 'EnsureNetwork', recordStatus: 'failed' });
    sfn.restore();
  });

  it('says Modeshift.NotReady while a step the workflow waits on is not done, and answers once it is', async () => {
    let done = false;
    const handler = lambdaHandler(
      stepAnswering(
        'DeleteServices',
        async () => ({ done }),
        (output) => output.done,
      ),
    );

    await expect(handler({}, context)).rejects.toMatchObject({ name: 'Modeshift.NotReady' });
    done = true;
    await expect(handler({}, context)).resolves.toEqual({ done: true });
  });

  it('turns AWS throttling into Modeshift.Throttled and keeps every other error’s name', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const refused = Object.assign(new Error('no'), { name: 'Modeshift.ResourceConflict' });

    await expect(
      lambdaHandler(stepAnswering('EnsureNetwork', () => Promise.reject(throttled)))({}, context),
    ).rejects.toMatchObject({
      name: 'Modeshift.Throttled',
    });
    await expect(
      lambdaHandler(stepAnswering('EnsureNetwork', () => Promise.reject(refused)))({}, context),
    ).rejects.toMatchObject({
      name: 'Modeshift.ResourceConflict',
    });
  });
});
