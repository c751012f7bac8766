/**
 * Whether a CloudWatch log group of the environment's name is the
 * environment's: its modeshift tags say so (log groups carry tags as a map).
 */
import {
  type CloudWatchLogsClient,
  ListTagsForResourceCommand,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { assertOwned, type EnvironmentIdentity } from '../environment-tags.ts';

/** The log group's ARN without the `:*` DescribeLogGroups appends to `arn`. */
function logGroupArn(group: LogGroup): string | undefined {
  return group.logGroupArn ?? group.arn?.replace(/:\*$/, '');
}

/** Throws `Modeshift.NotOwned` unless the log group is tagged for this environment. */
export async function assertLogGroupOwned(
  logs: CloudWatchLogsClient,
  group: LogGroup,
  owner: EnvironmentIdentity,
): Promise<void> {
  const resourceArn = logGroupArn(group);
  const tags =
    resourceArn === undefined
      ? {}
      : ((await logs.send(new ListTagsForResourceCommand({ resourceArn }))).tags ?? {});
  assertOwned(
    `log group ${group.logGroupName}`,
    Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    owner,
  );
}
