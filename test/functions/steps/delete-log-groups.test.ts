import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { type DeleteLogGroupsInput, deleteLogGroups } from '../../../functions/steps/delete-log-groups.ts';

const logs = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'us-east-1' });

const input: DeleteLogGroupsInput = {
  project: 'shop',
  environment: 'pr-4',
  names: environmentNames('shop', 'pr-4'),
  environmentTags: modeshiftTags('shop', 'pr-4', 'development', '').slice(0, 2),
};

beforeEach(() => {
  logs.reset();
  logs.on(ListTagsForResourceCommand).resolves({
    tags: { 'modeshift:project': input.project, 'modeshift:environment': input.environment },
  });
  logs.on(DeleteLogGroupCommand).resolves({});
});

describe('DeleteLogGroups', () => {
  it("deletes every log group under the environment's prefix, trailing slash included", async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-4/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/api:*',
        },
        {
          logGroupName: '/modeshift/shop/pr-4/worker',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/worker:*',
        },
      ],
    });

    const result = await deleteLogGroups(input, { logs: client });

    expect(result).toEqual({});
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
      logGroupNamePrefix: '/modeshift/shop/pr-4/',
    });
    expect(logs).toHaveReceivedCommandTimes(DeleteLogGroupCommand, 2);
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-4/api',
    });
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-4/worker',
    });
  });

  it('never deletes the log groups of an environment whose name starts the same', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-4/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/api:*',
        },
        {
          logGroupName: '/modeshift/shop/pr-42/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-42/api:*',
        },
      ],
    });

    await deleteLogGroups(input, { logs: client });

    expect(logs).toHaveReceivedCommandTimes(DeleteLogGroupCommand, 1);
    expect(logs).not.toHaveReceivedCommandWith(DeleteLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-42/api',
    });
  });

  it('reads every page of log groups', async () => {
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({
        logGroups: [
          {
            logGroupName: '/modeshift/shop/pr-4/api',
            arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/api:*',
          },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        logGroups: [
          {
            logGroupName: '/modeshift/shop/pr-4/web',
            arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/web:*',
          },
        ],
      });

    await deleteLogGroups(input, { logs: client });

    expect(logs).toHaveReceivedNthCommandWith(DescribeLogGroupsCommand, 2, {
      logGroupNamePrefix: '/modeshift/shop/pr-4/',
      nextToken: 'page-2',
    });
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-4/web',
    });
  });

  it('ignores a log group deleted meanwhile', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-4/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/api:*',
        },
      ],
    });
    logs
      .on(DeleteLogGroupCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
      );

    await expect(deleteLogGroups(input, { logs: client })).resolves.toEqual({});
  });

  it('lets other errors propagate', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-4/api',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-4/api:*',
        },
      ],
    });
    logs.on(DeleteLogGroupCommand).rejects(new Error('AccessDeniedException'));

    await expect(deleteLogGroups(input, { logs: client })).rejects.toThrow('AccessDeniedException');
  });

  it('deletes no log group when one under its prefix is not tagged for the environment', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        {
          logGroupName: '/modeshift/shop/pr-4/api',
          arn: 'arn:aws:logs:us-east-1:1:log-group:/modeshift/shop/pr-4/api:*',
        },
        {
          logGroupName: '/modeshift/shop/pr-4/web',
          arn: 'arn:aws:logs:us-east-1:1:log-group:/modeshift/shop/pr-4/web:*',
        },
      ],
    });
    logs
      .on(ListTagsForResourceCommand, {
        resourceArn: 'arn:aws:logs:us-east-1:1:log-group:/modeshift/shop/pr-4/web',
      })
      .resolves({ tags: {} });

    await expect(deleteLogGroups(input, { logs: client })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('log group /modeshift/shop/pr-4/web has no modeshift tags'),
    });
    expect(logs).not.toHaveReceivedCommand(DeleteLogGroupCommand);
  });
});
