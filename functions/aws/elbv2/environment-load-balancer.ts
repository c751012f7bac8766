/**
 * Finding an environment's load balancer and target groups: by their derived
 * names, kept only when their tags say they are this environment's; and
 * deleting target groups.
 */
import {
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  paginateDescribeTargetGroups,
  type Tag,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { MODES } from '../../../core/policy.ts';
import { sharedNetworkEnvironment, sharedNetworkNames } from '../../../core/shared-network.ts';
import { assertOwned, type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** DescribeTags takes at most 20 resource ARNs per call. */
const DESCRIBE_TAGS_BATCH = 20;

/** The tags of each resource, by ARN (DescribeTags in batches of 20). */
export async function describeTags(
  elbv2: ElasticLoadBalancingV2Client,
  arns: readonly string[],
): Promise<Map<string, Tag[]>> {
  const tags = new Map<string, Tag[]>();
  for (let start = 0; start < arns.length; start += DESCRIBE_TAGS_BATCH) {
    const batch = arns.slice(start, start + DESCRIBE_TAGS_BATCH);
    const result = await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }));
    for (const description of result.TagDescriptions ?? []) {
      if (description.ResourceArn) tags.set(description.ResourceArn, description.Tags ?? []);
    }
  }
  return tags;
}

/**
 * The load balancer called `name`, or undefined when there is none.
 *
 * @throws StepError `Modeshift.NotOwned` when a load balancer of that
 * name exists without this environment's tags.
 */
export async function findEnvironmentLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  name: string,
  owner: EnvironmentIdentity,
): Promise<LoadBalancer | undefined> {
  let found: LoadBalancer | undefined;
  try {
    const result = await elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }));
    found = result.LoadBalancers?.find((balancer) => balancer.LoadBalancerName === name);
  } catch (error) {
    if (hasAwsErrorName(error, 'LoadBalancerNotFoundException')) return undefined;
    throw error;
  }
  if (found?.LoadBalancerArn === undefined) return undefined;
  const tags = await describeTags(elbv2, [found.LoadBalancerArn]);
  assertOwned(`load balancer ${name}`, tags.get(found.LoadBalancerArn), owner);
  return found;
}

/** The project's shared load balancers (`network: shared`), one per mode at most. */
export async function findSharedLoadBalancers(
  elbv2: ElasticLoadBalancingV2Client,
  project: string,
): Promise<Array<{ mode: (typeof MODES)[number]; balancer: LoadBalancer }>> {
  const found: Array<{ mode: (typeof MODES)[number]; balancer: LoadBalancer }> = [];
  for (const mode of MODES) {
    const balancer = await findEnvironmentLoadBalancer(
      elbv2,
      sharedNetworkNames(project, mode).loadBalancer,
      {
        project,
        environment: sharedNetworkEnvironment(mode),
      },
    );
    if (balancer?.LoadBalancerArn !== undefined) found.push({ mode, balancer });
  }
  return found;
}

/**
 * The target groups tagged for this environment. Every target group modeshift
 * names starts with `<project>-<environment>-` (core/names.ts), so only those
 * have their tags read; the tags decide.
 */
export async function findEnvironmentTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  namePrefix: string,
  owner: EnvironmentIdentity,
): Promise<TargetGroup[]> {
  const candidates: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, {})) {
    for (const group of page.TargetGroups ?? []) {
      if (group.TargetGroupArn && group.TargetGroupName?.startsWith(`${namePrefix}-`)) candidates.push(group);
    }
  }
  const tags = await describeTags(
    elbv2,
    candidates.map((group) => group.TargetGroupArn as string),
  );
  return candidates.filter((group) =>
    isTaggedForEnvironment(tags.get(group.TargetGroupArn as string), owner),
  );
}

/**
 * Deletes the target groups; returns how many are still in use by a listener
 * or a rule (ResourceInUse), which a later call can delete once nothing uses
 * them. A target group already gone is deleted.
 */
export async function deleteTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  groups: readonly TargetGroup[],
): Promise<number> {
  let inUse = 0;
  for (const group of groups) {
    try {
      await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn }));
    } catch (error) {
      if (hasAwsErrorName(error, 'ResourceInUseException')) inUse += 1;
      else if (!hasAwsErrorName(error, 'TargetGroupNotFoundException')) throw error;
    }
  }
  return inUse;
}
