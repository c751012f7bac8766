/** The EnsureLogGroups step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { type EnsureLogGroupsInput, ensureLogGroups } from '../ensure-log-groups.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { logs: new CloudWatchLogsClient({}) };

export const handler = lambdaStep('EnsureLogGroups', (input) =>
  ensureLogGroups(input as EnsureLogGroupsInput, clients),
);
