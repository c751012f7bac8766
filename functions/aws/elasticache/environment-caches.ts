/** An environment's ElastiCache replication groups, found by their project and environment tags. */
import {
  type ElastiCacheClient,
  ListTagsForResourceCommand,
  paginateDescribeReplicationGroups,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';

/** Every replication group tagged for the environment that is not already being deleted. */
export async function environmentCaches(
  elasticache: ElastiCacheClient,
  owner: EnvironmentIdentity,
): Promise<ReplicationGroup[]> {
  const groups: ReplicationGroup[] = [];
  for await (const page of paginateDescribeReplicationGroups({ client: elasticache }, {})) {
    for (const group of page.ReplicationGroups ?? []) {
      if (group.ReplicationGroupId === undefined || group.ARN === undefined) continue;
      if (group.Status === 'deleting') continue;
      // ElastiCache does not return tags with the group: each is asked for (one call per group).
      const { TagList } = await elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }));
      if (isTaggedForEnvironment(TagList, owner)) groups.push(group);
    }
  }
  return groups;
}
