/** In-memory CloudWatch Logs: log groups with a retention. */
import type {
  CreateLogGroupCommandInput,
  DescribeLogGroupsCommandInput,
  PutRetentionPolicyCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryCloudWatchLogs(): InMemoryService {
  const groups = new Map<string, number | undefined>();
  return {
    CreateLogGroup: (input: CreateLogGroupCommandInput) => {
      const name = input.logGroupName ?? '';
      if (groups.has(name))
        throw awsError('cloudwatchlogs', 'ResourceAlreadyExistsException', `${name} exists`);
      groups.set(name, undefined);
      return {};
    },
    PutRetentionPolicy: (input: PutRetentionPolicyCommandInput) => {
      const name = input.logGroupName ?? '';
      if (!groups.has(name))
        throw awsError('cloudwatchlogs', 'ResourceNotFoundException', `${name} not found`);
      groups.set(name, input.retentionInDays);
      return {};
    },
    TagResource: () => ({}),
    DescribeLogGroups: (input: DescribeLogGroupsCommandInput) => ({
      logGroups: [...groups]
        .filter(([name]) => name.startsWith(input.logGroupNamePrefix ?? ''))
        .map(([logGroupName, retentionInDays]) => ({ logGroupName, retentionInDays })),
    }),
    DeleteLogGroup: (input: { logGroupName?: string }) => {
      groups.delete(input.logGroupName ?? '');
      return {};
    },
  };
}
