/**
 * The environment's ElastiCache subnet group, which the workflows create and
 * delete by name (aws-sdk Tasks): the steps that run before them check that a
 * group of that name is the environment's.
 */
import {
  DescribeCacheSubnetGroupsCommand,
  type ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { assertOwned, type EnvironmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/**
 * Whether a cache subnet group called `name` exists; throws `Modeshift.NotOwned` when it does and is
 * not tagged for `owner`.
 */
export async function assertCacheSubnetGroupOwned(
  elasticache: ElastiCacheClient,
  name: string,
  owner: EnvironmentIdentity,
): Promise<boolean> {
  let arn: string | undefined;
  try {
    const { CacheSubnetGroups = [] } = await elasticache.send(
      new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }),
    );
    arn = CacheSubnetGroups.find((group) => group.CacheSubnetGroupName === name)?.ARN;
  } catch (error) {
    if (hasAwsErrorName(error, 'CacheSubnetGroupNotFoundFault')) return false;
    throw error;
  }
  if (arn === undefined) return false;
  const { TagList } = await elasticache.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  assertOwned(`ElastiCache subnet group ${name}`, TagList, owner);
  return true;
}
