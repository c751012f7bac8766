/**
 * EnsureLogGroups: every service's CloudWatch log group, with the mode's
 * retention (re-applied on every deploy), in one step: the environment's
 * groups are listed once, and only the missing ones are created and only the
 * retentions that differ are set. One step instead of two states per service
 * keeps a deploy's state transitions from growing with its services. A group
 * of a service's name that is not tagged for the environment stops the step
 * with `Modeshift.NotOwned` before any retention is set.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  type LogGroup,
  PutRetentionPolicyCommand,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import { serviceNames } from '../../core/names.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { assertLogGroupOwned } from '../aws/logs/log-group-owner.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import { defineStep } from '../step.ts';

export interface EnsureLogGroupsInput {
  readonly project: string;
  readonly environment: string;
  /** Every service: each has the log group `/modeshift/<project>/<environment>/<service>`. */
  readonly services: readonly string[];
  readonly retentionInDays: number;
  /** The deployment's tags, as CreateLogGroup takes them. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface EnsureLogGroupsOutput {
  readonly created: number;
  readonly retentionSet: number;
}

/** CloudWatch Logs allows 5 CreateLogGroup (and PutRetentionPolicy) requests a second per account. */
const CONCURRENCY = 4;

/** The longest common prefix of the groups, cut back to a `/`: one listing finds them all. */
function commonPrefix(names: readonly string[]): string {
  const [first = '', ...rest] = names;
  let prefix = first;
  for (const name of rest) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

export const ensureLogGroups = defineStep({
  name: 'EnsureLogGroups',
  clients: { logs: CloudWatchLogsClient },
  sends: [
    CreateLogGroupCommand,
    DescribeLogGroupsCommand,
    ListTagsForResourceCommand,
    PutRetentionPolicyCommand,
  ],
  async run(input: EnsureLogGroupsInput, clients): Promise<EnsureLogGroupsOutput> {
    const logGroups = input.services.map(
      (service) => serviceNames(input.project, input.environment, service).logGroup,
    );
    if (logGroups.length === 0) return { created: 0, retentionSet: 0 };
    const existing = new Map<string, LogGroup>();
    const prefix = commonPrefix(logGroups);
    for await (const page of paginateDescribeLogGroups(
      { client: clients.logs },
      { logGroupNamePrefix: prefix },
    )) {
      for (const group of page.logGroups ?? []) {
        if (group.logGroupName !== undefined) existing.set(group.logGroupName, group);
      }
    }
    const owner = { project: input.project, environment: input.environment };
    const outcomes = await mapConcurrently(logGroups, CONCURRENCY, async (logGroupName) => {
      let created = false;
      const found = existing.get(logGroupName);
      if (found !== undefined) await assertLogGroupOwned(clients.logs, found, owner);
      else {
        try {
          await clients.logs.send(new CreateLogGroupCommand({ logGroupName, tags: { ...input.tags } }));
          created = true;
        } catch (error) {
          // Created meanwhile (a retried attempt): its retention is set below all the same.
          if (!hasAwsErrorName(error, 'ResourceAlreadyExistsException')) throw error;
        }
      }
      const retentionDiffers = found?.retentionInDays !== input.retentionInDays;
      if (retentionDiffers) {
        await clients.logs.send(
          new PutRetentionPolicyCommand({ logGroupName, retentionInDays: input.retentionInDays }),
        );
      }
      return { created, retentionSet: retentionDiffers };
    });
    return {
      created: outcomes.filter((outcome) => outcome.created).length,
      retentionSet: outcomes.filter((outcome) => outcome.retentionSet).length,
    };
  },
});

export const handler = lambdaHandler(ensureLogGroups);
