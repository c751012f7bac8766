/**
 * DeleteLogGroups: the environment's CloudWatch log groups, all under
 * `/modeshift/<project>/<environment>/`. Down skips it where the policy keeps
 * logs (production).
 */
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  type LogGroup,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import { hasAwsErrorName } from '../aws/errors.ts';
import { assertLogGroupOwned } from '../aws/logs/log-group-owner.ts';
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
 * environment `pr-4` from matching `pr-42`'s groups. A group there that is
 * not tagged for the environment stops the step with `Modeshift.NotOwned`
 * before anything is deleted.
 */
export const deleteLogGroups = defineStep({
  name: 'DeleteLogGroups',
  clients: { logs: CloudWatchLogsClient },
  sends: [DescribeLogGroupsCommand, ListTagsForResourceCommand, DeleteLogGroupCommand],
  async run(input: DeleteLogGroupsInput, { logs }): Promise<DeleteLogGroupsOutput> {
    const prefix = `/modeshift/${input.project}/${input.environment}/`;
    const groups: LogGroup[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
      for (const group of page.logGroups ?? []) {
        if (group.logGroupName?.startsWith(prefix)) groups.push(group);
      }
    }
    // A group under the environment's prefix that is not its own stops the down before any is deleted.
    const owner = { project: input.project, environment: input.environment };
    await mapConcurrently(groups, CONCURRENCY, (group) => assertLogGroupOwned(logs, group, owner));
    const names = groups.flatMap((group) => (group.logGroupName === undefined ? [] : [group.logGroupName]));
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
