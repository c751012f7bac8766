/**
 * A service's autoscaling on Application Auto Scaling: its scalable target
 * (the ECS service's desired count, between the bounds) and one
 * target-tracking policy on the service's average CPU.
 *
 * Written only where it differs from what is registered, so a redeploy that
 * changes nothing sends no write. Deregistering a target deletes its policies
 * (and the alarms target tracking made), so removal is one call.
 */
import {
  type ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type ObjectNotFoundException,
  PutScalingPolicyCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { type ServiceScaling, scalingResourceId } from '../../../core/autoscaling.ts';
import type { Tag } from '../../../core/execution-input.ts';
import { awsErrorNamed } from '../errors.ts';

const NAMESPACE = 'ecs';
const DIMENSION = 'ecs:service:DesiredCount';
/** Seconds after a scale-in before the next; AWS's default for ECS. A scale-out waits a minute. */
const SCALE_IN_COOLDOWN = 300;
const SCALE_OUT_COOLDOWN = 60;

/** The target-tracking policy's name. */
export function cpuPolicyName(service: string): string {
  return `${service}-cpu-target`;
}

/** What the target is registered with now; undefined when it is not registered. */
export async function registeredScaling(
  client: ApplicationAutoScalingClient,
  cluster: string,
  service: string,
): Promise<{ min: number; max: number } | undefined> {
  const { ScalableTargets: targets = [] } = await client.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: NAMESPACE,
      ResourceIds: [scalingResourceId(cluster, service)],
      ScalableDimension: DIMENSION,
    }),
  );
  const target = targets[0];
  if (target === undefined) return undefined;
  return { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 };
}

/** Registers the service's bounds and CPU target where they differ from what is registered. Returns whether anything was written. */
export async function ensureServiceScaling(
  client: ApplicationAutoScalingClient,
  input: { cluster: string; service: string; scaling: ServiceScaling; tags: readonly Tag[] },
): Promise<boolean> {
  const { cluster, service, scaling } = input;
  const ResourceId = scalingResourceId(cluster, service);
  let wrote = false;
  const registered = await registeredScaling(client, cluster, service);
  if (registered?.min !== scaling.min || registered.max !== scaling.max) {
    await client.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId,
        ScalableDimension: DIMENSION,
        MinCapacity: scaling.min,
        MaxCapacity: scaling.max,
        // Tags are taken on registration only; an update names none.
        ...(registered === undefined
          ? { Tags: Object.fromEntries(input.tags.map((tag) => [tag.Key, tag.Value])) }
          : {}),
      }),
    );
    wrote = true;
  }
  const PolicyName = cpuPolicyName(service);
  const { ScalingPolicies: policies = [] } = await client.send(
    new DescribeScalingPoliciesCommand({
      ServiceNamespace: NAMESPACE,
      ResourceId,
      ScalableDimension: DIMENSION,
      PolicyNames: [PolicyName],
    }),
  );
  const tracking = policies[0]?.TargetTrackingScalingPolicyConfiguration;
  if (
    tracking?.TargetValue !== scaling.cpuPercent ||
    tracking.PredefinedMetricSpecification?.PredefinedMetricType !== 'ECSServiceAverageCPUUtilization'
  ) {
    await client.send(
      new PutScalingPolicyCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId,
        ScalableDimension: DIMENSION,
        PolicyName,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: scaling.cpuPercent,
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          ScaleInCooldown: SCALE_IN_COOLDOWN,
          ScaleOutCooldown: SCALE_OUT_COOLDOWN,
        },
      }),
    );
    wrote = true;
  }
  return wrote;
}

/** Deregisters one service's target (and so its policies), if it is registered. Returns whether it was. */
export async function removeServiceScaling(
  client: ApplicationAutoScalingClient,
  cluster: string,
  service: string,
): Promise<boolean> {
  if ((await registeredScaling(client, cluster, service)) === undefined) return false;
  return deregister(client, scalingResourceId(cluster, service));
}

/** The ids of the scalable targets of the cluster's services (`service/<cluster>/…`). */
async function clusterTargets(client: ApplicationAutoScalingClient, cluster: string) {
  const prefix = scalingResourceId(cluster, '');
  const targets: {
    readonly id: string;
    readonly service: string;
    readonly min: number;
    readonly max: number;
  }[] = [];
  const pages = paginateDescribeScalableTargets(
    { client },
    { ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION },
  );
  for await (const page of pages) {
    for (const target of page.ScalableTargets ?? []) {
      if (!target.ResourceId?.startsWith(prefix)) continue;
      targets.push({
        id: target.ResourceId,
        service: target.ResourceId.slice(prefix.length),
        min: target.MinCapacity ?? 0,
        max: target.MaxCapacity ?? 0,
      });
    }
  }
  return targets;
}

/** A registered service's bounds and, when it has modeshift's policy, its CPU target. */
export interface RegisteredScaling {
  readonly service: string;
  readonly min: number;
  readonly max: number;
  /** The target value of the service's CPU policy (`<service>-cpu-target`); absent without one. */
  readonly cpuPercent?: number;
}

/** What every service of the cluster is registered with, for the audit. */
export async function clusterScaling(
  client: ApplicationAutoScalingClient,
  cluster: string,
): Promise<RegisteredScaling[]> {
  const targets = await clusterTargets(client, cluster);
  if (targets.length === 0) return [];
  const cpu = new Map<string, number>();
  const prefix = scalingResourceId(cluster, '');
  const pages = paginateDescribeScalingPolicies(
    { client },
    { ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION },
  );
  for await (const page of pages) {
    for (const policy of page.ScalingPolicies ?? []) {
      const service = policy.ResourceId?.startsWith(prefix)
        ? policy.ResourceId.slice(prefix.length)
        : undefined;
      const value = policy.TargetTrackingScalingPolicyConfiguration?.TargetValue;
      if (service !== undefined && policy.PolicyName === cpuPolicyName(service) && value !== undefined)
        cpu.set(service, value);
    }
  }
  return targets
    .map(({ service, min, max }) => {
      const cpuPercent = cpu.get(service);
      return { service, min, max, ...(cpuPercent !== undefined ? { cpuPercent } : {}) };
    })
    .sort((a, b) => a.service.localeCompare(b.service));
}

/** Deregisters every scalable target of the cluster's services; returns the services'. */
export async function removeClusterScaling(
  client: ApplicationAutoScalingClient,
  cluster: string,
): Promise<string[]> {
  const removed: string[] = [];
  for (const target of await clusterTargets(client, cluster))
    if (await deregister(client, target.id)) removed.push(target.service);
  return removed;
}

async function deregister(client: ApplicationAutoScalingClient, ResourceId: string): Promise<boolean> {
  try {
    await client.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    return true;
  } catch (error) {
    // Gone meanwhile (a retried attempt): what was asked for holds.
    if (awsErrorNamed<ObjectNotFoundException>(error, 'ObjectNotFoundException')) return false;
    throw error;
  }
}
