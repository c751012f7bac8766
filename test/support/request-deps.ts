/**
 * What the request handlers (Deploy Requested, Down Requested, workflow
 * finished) are given in tests: the ARNs of the deploy and down state machines,
 * and the handlers' dependencies, with Step Functions, DynamoDB, EventBridge
 * and Parameter Store clients whose calls reach the test file's own mocks,
 * the environments table, the bus, a fixed clock and a log that writes
 * nothing unless a test gives one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DeployDeps } from '../../functions/requests/handle-request.ts';

export const DEPLOY_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-deploy';
export const DOWN_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-down';

/** The handlers' dependencies, their clock stopped at `now`, writing to `log`. */
export function requestDeps(
  now: Date,
  log: DeployDeps['log'] = { info: () => {}, error: () => {} },
): DeployDeps {
  const eventbridge = new EventBridgeClient({ region: 'us-east-1' });
  return {
    sfn: new SFNClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    eventbridge: async () => eventbridge,
    ssm: new SSMClient({ region: 'us-east-1' }),
    tableName: 'modeshift-environments',
    busName: 'modeshift',
    deployStateMachineArn: DEPLOY_MACHINE,
    downStateMachineArn: DOWN_MACHINE,
    now: () => now,
    log,
  };
}
