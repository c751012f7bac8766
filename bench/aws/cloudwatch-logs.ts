/** In-memory CloudWatch Logs: log groups with a retention and tags. */
import type {
  CreateLogGroupCommandInput,
  DescribeLogGroupsCommandInput,
  ListTagsForResourceCommandInput,
  PutRetentionPolicyCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

interface LogGroup {
  retentionInDays?: number | undefined;
  readonly tags: Record<string, string>;
}

export function inMemoryCloudWatchLogs(): InMemoryService {
  const groups = new Map<string, LogGroup>();
  const arnOf = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;
  return {
    CreateLogGroup: (input: CreateLogGroupCommandInput) => {
      const name = input.logGroupName ?? '';
      if (groups.has(name))
        throw awsError('cloudwatchlogs', 'ResourceAlreadyExistsException', `${name} exists`);
      groups.set(name, { tags: { ...input.tags } });
      return {};
    },
    PutRetentionPolicy: (input: PutRetentionPolicyCommandInput) => {
      const group = groups.get(input.logGroupName ?? '');
      if (group === undefined)
        throw awsError('cloudwatchlogs', 'ResourceNotFoundException', `${input.logGroupName} not found`);
      group.retentionInDays = input.retentionInDays;
      return {};
    },
    TagResource: () => ({}),
    ListTagsForResource: (input: ListTagsForResourceCommandInput) => ({
      tags: [...groups].find(([name]) => arnOf(name) === input.resourceArn)?.[1].tags ?? {},
    }),
    DescribeLogGroups: (input: DescribeLogGroupsCommandInput) => ({
      logGroups: [...groups]
        .filter(([name]) => name.startsWith(input.logGroupNamePrefix ?? ''))
        .map(([logGroupName, group]) => ({
          logGroupName,
          logGroupArn: arnOf(logGroupName),
          arn: `${arnOf(logGroupName)}:*`,
          retentionInDays: group.retentionInDays,
        })),
    }),
    DeleteLogGroup: (input: { logGroupName?: string }) => {
      groups.delete(input.logGroupName ?? '');
      return {};
    },
  };
}
