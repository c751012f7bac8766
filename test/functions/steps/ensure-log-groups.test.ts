import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureLogGroups } from '../../../functions/steps/ensure-log-groups.ts';

const logs = mockClient(CloudWatchLogsClient);
const clients = () => ({ logs: new CloudWatchLogsClient({ region: 'us-east-1' }) });
const input = {
  project: 'shop',
  environment: 'pr-1',
  services: ['web', 'api', 'worker'],
  retentionInDays: 7,
  tags: { 'modeshift:project': 'shop', 'modeshift:environment': 'pr-1' },
};

beforeEach(() => {
  logs.reset();
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  logs.onAnyCommand().resolves({});
  logs.on(ListTagsForResourceCommand).resolves({ tags: input.tags });
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
});

describe('EnsureLogGroups', () => {
  it('creates every service’s log group, tagged, with the mode’s retention, after one listing', async () => {
    const result = await ensureLogGroups(input, clients());

    expect(result).toEqual({ created: 3, retentionSet: 3 });
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 1);
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
      logGroupNamePrefix: '/modeshift/shop/pr-1/',
    });
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-1/web',
      tags: input.tags,
    });
    expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, {
      logGroupName: '/modeshift/shop/pr-1/worker',
      retentionInDays: 7,
    });
  });

  it('leaves alone a group that exists with the retention, and re-applies a retention that differs', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-1/web',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-1/web:*',
          retentionInDays: 7,
        },
        {
          logGroupName: '/modeshift/shop/pr-1/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-1/api:*',
          retentionInDays: 30,
        },
      ],
    });

    const result = await ensureLogGroups(input, clients());

    expect(result).toEqual({ created: 1, retentionSet: 2 });
    expect(logs).toHaveReceivedCommandTimes(CreateLogGroupCommand, 1);
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-1/worker',
    });
    expect(logs).not.toHaveReceivedCommandWith(PutRetentionPolicyCommand, {
      logGroupName: '/modeshift/shop/pr-1/web',
    });
  });

  it('sets the retention of a group created meanwhile by an earlier attempt', async () => {
    logs
      .on(CreateLogGroupCommand)
      .rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: {} }));

    const result = await ensureLogGroups(input, clients());

    expect(result).toEqual({ created: 0, retentionSet: 3 });
  });
});
