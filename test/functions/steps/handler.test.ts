import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { runStep } from '../../../functions/steps/handler.ts';

describe('step Lambda handler', () => {
  it('runs the step its MODESHIFT_STEP names with the Lambda’s own clients', async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
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

    const report = await runStep('DescribeFailure', {
      action: 'deploy',
      executionArn: 'arn:exec',
      state: {},
    });

    expect(report).toMatchObject({ failedState: 'EnsureNetwork', recordStatus: 'failed' });
    sfn.restore();
    vi.unstubAllEnvs();
  });

  it('refuses a step that does not exist', async () => {
    await expect(runStep('LaunchRockets', {})).rejects.toThrow('"LaunchRockets" is not a workflow step');
  });
});
