/**
 * FindCaches: the environment's ElastiCache replication groups, found by
 * their tags, for the down workflow to delete.
 */
import {
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { assertCacheSubnetGroupOwned } from '../aws/elasticache/cache-subnet-group.ts';
import { environmentCaches } from '../aws/elasticache/environment-caches.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type FindCachesInput = EnvironmentStepInput;

export interface FindCachesOutput {
  readonly caches: ReadonlyArray<{ readonly replicationGroup: string }>;
  /** Whether the environment's cache subnet group exists: the down deletes it only then. */
  readonly subnetGroup: boolean;
}

/**
 * Every replication group tagged with this project and environment that is not already being
 * deleted. A cache subnet group of the environment's name that is not tagged for it stops the step
 * with `Modeshift.NotOwned`.
 */
export const findCaches = defineStep({
  name: 'FindCaches',
  clients: { elasticache: ElastiCacheClient },
  sends: [DescribeCacheSubnetGroupsCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand],
  async run(input: FindCachesInput, { elasticache }): Promise<FindCachesOutput> {
    const identity = { project: input.project, environment: input.environment };
    // DeleteCacheSubnetGroup deletes by name after this step: a group of that name that is another's stops the down here.
    const subnetGroup = await assertCacheSubnetGroupOwned(
      elasticache,
      input.names.cacheSubnetGroup,
      identity,
    );
    const caches = (await environmentCaches(elasticache, identity)).map((group) => ({
      replicationGroup: group.ReplicationGroupId as string,
    }));
    return { caches, subnetGroup };
  },
});

export const handler = lambdaHandler(findCaches);
