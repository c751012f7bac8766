/** The DeleteLogGroups step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { type DeleteLogGroupsInput, deleteLogGroups } from '../delete-log-groups.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { logs: new CloudWatchLogsClient({}) };

export const handler = lambdaStep('DeleteLogGroups', (input) =>
  deleteLogGroups(input as DeleteLogGroupsInput, clients),
);
