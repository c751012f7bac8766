/**
 * DeleteLogGroups: the environment's CloudWatch log groups, all under
 * `/modeshift/<project>/<environment>/`. Down skips it where the policy keeps
 * logs (production).
 */
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import { hasAwsErrorName } from '../aws/errors.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteLogGroupsInput = EnvironmentStepInput;

export type DeleteLogGroupsOutput = Record<string, never>;

/** CloudWatch Logs allows 10 DeleteLogGroup requests a second per account. */
const CONCURRENCY = 5;

/**
 * Deletes every log group whose name starts with
 * `/modeshift/<project>/<environment>/`; the trailing slash keeps
 * environment `pr-4` from matching `pr-42`'s groups.
 */
export const deleteLogGroups = defineStep({
  name: 'DeleteLogGroups',
  clients: { logs: CloudWatchLogsClient },
  sends: [DescribeLogGroupsCommand, DeleteLogGroupCommand],
  async run(input: DeleteLogGroupsInput, { logs }): Promise<DeleteLogGroupsOutput> {
    const prefix = `/modeshift/${input.project}/${input.environment}/`;
    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
      for (const group of page.logGroups ?? []) {
        if (group.logGroupName?.startsWith(prefix)) names.push(group.logGroupName);
      }
    }
    await mapConcurrently(names, CONCURRENCY, async (logGroupName) => {
      try {
        await logs.send(new DeleteLogGroupCommand({ logGroupName }));
      } catch (error) {
        if (!hasAwsErrorName(error, 'ResourceNotFoundException')) throw error;
      }
    });
    return {};
  },
});

export const handler = lambdaHandler(deleteLogGroups);
