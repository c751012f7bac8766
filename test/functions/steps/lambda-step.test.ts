import { existsSync } from 'node:fs';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaStep } from '../../../functions/steps/lambda-step.ts';
import { STEP_NAMES, stepFile } from '../../../functions/steps/step-names.ts';

const context = { functionName: 'modeshift-step', awsRequestId: 'r-1' } as Context;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('step Lambda functions', () => {
  it('has an entry for every step, each exporting its handler', async () => {
    for (const step of STEP_NAMES) {
      const entry = new URL(`../../../functions/steps/lambda/${stepFile(step)}`, import.meta.url);
      expect(existsSync(entry), `functions/steps/lambda/${stepFile(step)}`).toBe(true);
      const module = (await import(entry.href)) as { handler?: unknown };
      expect(typeof module.handler, step).toBe('function');
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
    const { handler } = await import('../../../functions/steps/lambda/describe-failure.ts');

    const report = await handler({ action: 'deploy', executionArn: 'arn:exec', state: {} }, context);

    expect(report).toMatchObject({ failedState: 'EnsureNetwork', recordStatus: 'failed' });
    sfn.restore();
  });

  it('says Modeshift.NotReady while a step the workflow waits on is not done, and answers once it is', async () => {
    let done = false;
    const handler = lambdaStep('DeleteServices', async () => ({ done, retryAfterSeconds: 15 }));

    await expect(handler({}, context)).rejects.toMatchObject({ name: 'Modeshift.NotReady' });
    done = true;
    await expect(handler({}, context)).resolves.toEqual({ done: true, retryAfterSeconds: 15 });
  });

  it('turns AWS throttling into Modeshift.Throttled and keeps every other error’s name', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const refused = Object.assign(new Error('no'), { name: 'Modeshift.ResourceConflict' });

    await expect(
      lambdaStep('EnsureNetwork', () => Promise.reject(throttled))({}, context),
    ).rejects.toMatchObject({
      name: 'Modeshift.Throttled',
    });
    await expect(
      lambdaStep('EnsureNetwork', () => Promise.reject(refused))({}, context),
    ).rejects.toMatchObject({
      name: 'Modeshift.ResourceConflict',
    });
  });
});
