/**
 * CheckCachesDeleted: whether every replication group functions/steps/delete-caches.ts
 * deleted is gone, one look at each.
 */
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { hasAwsErrorName } from '../aws/errors.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface CheckCachesDeletedInput {
  readonly caches: ReadonlyArray<{ readonly replicationGroup: string }>;
}

export type CheckCachesDeletedOutput = TeardownProgress;

const CONCURRENCY = 5;

export const checkCachesDeleted = defineStep({
  name: 'CheckCachesDeleted',
  clients: { elasticache: ElastiCacheClient },
  sends: [DescribeReplicationGroupsCommand],
  async run(input: CheckCachesDeletedInput, { elasticache }): Promise<CheckCachesDeletedOutput> {
    const gone = await mapConcurrently(input.caches, CONCURRENCY, async ({ replicationGroup }) => {
      try {
        const { ReplicationGroups = [] } = await elasticache.send(
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroup }),
        );
        return !ReplicationGroups.some((group) => group.ReplicationGroupId === replicationGroup);
      } catch (error) {
        if (hasAwsErrorName(error, 'ReplicationGroupNotFoundFault')) return true;
        throw error;
      }
    });
    return { done: gone.every(Boolean) };
  },
  settled: (output) => output.done,
});

export const handler = lambdaHandler(checkCachesDeleted);
