/**
 * The environment's ECS cluster, found by its name (`<project>--<environment>`)
 * and confirmed by its modeshift tags.
 */
import { type Cluster, DescribeClustersCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { assertOwned, type EnvironmentIdentity } from '../environment-tags.ts';

/**
 * The cluster called `name` when it exists (not INACTIVE), with its tags.
 *
 * @throws StepError `Modeshift.NotOwned` when it exists and is not tagged for `owner`.
 */
export async function findEnvironmentCluster(
  ecs: ECSClient,
  name: string,
  owner: EnvironmentIdentity,
): Promise<Cluster | undefined> {
  const { clusters = [] } = await ecs.send(
    new DescribeClustersCommand({ clusters: [name], include: ['TAGS'] }),
  );
  const found = clusters.find((cluster) => cluster.clusterName === name && cluster.status !== 'INACTIVE');
  if (found !== undefined) assertOwned(`ECS cluster ${name}`, found.tags, owner);
  return found;
}
