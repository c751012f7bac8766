/**
 * Whether an ECS service already has every setting a deploy would give it, so
 * that the deploy sends no UpdateService and ECS starts no deployment: an
 * unchanged service of a redeploy keeps running untouched.
 *
 * Two checks, both needed. The settings a service was last given are kept as
 * a fingerprint in its `modeshift:settings` tag; and each setting
 * DescribeServices reports is compared with the wanted one, so a change made
 * behind modeshift's back (drift) still brings an update. A setting the
 * endpoint does not report (the local AWS keeps no deployment configuration
 * or capacity provider strategy) is judged by the fingerprint alone.
 */
import { createHash } from 'node:crypto';
import type {
  CapacityProviderStrategyItem,
  DeploymentConfiguration,
  LoadBalancer,
  NetworkConfiguration,
  Service,
  ServiceConnectConfiguration,
  ServiceRegistry,
} from '@aws-sdk/client-ecs';

/** The tag holding the fingerprint of the settings the service was last created or updated with. */
export const SETTINGS_TAG = 'modeshift:settings';

/** What CreateService and UpdateService are given, apart from names and tags (their array types, so it spreads into either). */
export interface ServiceSettings {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly capacityProviderStrategy: CapacityProviderStrategyItem[];
  readonly deploymentConfiguration: DeploymentConfiguration;
  readonly networkConfiguration: NetworkConfiguration;
  readonly loadBalancers: LoadBalancer[];
  readonly serviceRegistries: ServiceRegistry[];
  /** ECS Service Connect, in a VPC whose DNS search domain is not the environment's (functions/aws/ecs/service.ts). */
  readonly serviceConnectConfiguration?: ServiceConnectConfiguration;
  readonly propagateTags: 'SERVICE';
  readonly enableECSManagedTags: boolean;
  /** ECS Exec (`modeshift exec`): the mode's `executeCommand`. Tasks started before a change keep the old value. */
  readonly enableExecuteCommand: boolean;
}

/** A JSON text of `value` with object keys sorted, so equal settings give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A scaled service's bounds: Application Auto Scaling owns its count, so they stand in for it. */
export interface CountBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * SHA-256 of the settings: the value of {@link SETTINGS_TAG}. With `scaling`, the bounds replace
 * the desired count, which scaling changes without a deploy.
 */
export function settingsFingerprint(settings: ServiceSettings, scaling?: CountBounds): string {
  const counted =
    scaling === undefined
      ? settings
      : { ...settings, desiredCount: undefined, scaling: { min: scaling.min, max: scaling.max } };
  return createHash('sha256').update(canonical(counted)).digest('hex');
}

const sortedKey = (items: readonly string[]) => [...items].sort().join(',');

/** Each setting the described service reports equals the wanted one. */
function reportedSettingsMatch(service: Service, wanted: ServiceSettings): boolean {
  if (service.taskDefinition !== wanted.taskDefinition) return false;
  if (service.desiredCount !== wanted.desiredCount) return false;
  const vpc = service.networkConfiguration?.awsvpcConfiguration;
  const wantedVpc = wanted.networkConfiguration.awsvpcConfiguration;
  if (
    vpc === undefined ||
    sortedKey(vpc.subnets ?? []) !== sortedKey(wantedVpc?.subnets ?? []) ||
    sortedKey(vpc.securityGroups ?? []) !== sortedKey(wantedVpc?.securityGroups ?? []) ||
    (vpc.assignPublicIp ?? 'DISABLED') !== wantedVpc?.assignPublicIp
  )
    return false;
  const balancer = (items: readonly LoadBalancer[]) =>
    sortedKey(items.map((item) => `${item.targetGroupArn}|${item.containerName}|${item.containerPort}`));
  if (balancer(service.loadBalancers ?? []) !== balancer(wanted.loadBalancers)) return false;
  const registries = (items: readonly ServiceRegistry[]) =>
    sortedKey(items.map((item) => item.registryArn ?? ''));
  if (registries(service.serviceRegistries ?? []) !== registries(wanted.serviceRegistries)) return false;
  if (service.propagateTags !== undefined && service.propagateTags !== wanted.propagateTags) return false;
  if (
    service.enableECSManagedTags !== undefined &&
    service.enableECSManagedTags !== wanted.enableECSManagedTags
  )
    return false;
  if (
    service.enableExecuteCommand !== undefined &&
    service.enableExecuteCommand !== wanted.enableExecuteCommand
  )
    return false;
  if (service.capacityProviderStrategy !== undefined && service.capacityProviderStrategy.length > 0) {
    const capacity = (items: readonly CapacityProviderStrategyItem[]) =>
      sortedKey(items.map((item) => `${item.capacityProvider}:${item.weight ?? 0}:${item.base ?? 0}`));
    if (capacity(service.capacityProviderStrategy) !== capacity(wanted.capacityProviderStrategy))
      return false;
  }
  const deployment = service.deploymentConfiguration;
  if (deployment !== undefined) {
    const want = wanted.deploymentConfiguration;
    if (
      deployment.minimumHealthyPercent !== want.minimumHealthyPercent ||
      deployment.maximumPercent !== want.maximumPercent ||
      (deployment.deploymentCircuitBreaker?.enable ?? false) !==
        (want.deploymentCircuitBreaker?.enable ?? false) ||
      (deployment.deploymentCircuitBreaker?.rollback ?? false) !==
        (want.deploymentCircuitBreaker?.rollback ?? false) ||
      (deployment.alarms?.enable ?? false) !== (want.alarms?.enable ?? false) ||
      (deployment.alarms?.rollback ?? false) !== (want.alarms?.rollback ?? false) ||
      ((deployment.alarms?.enable ?? false) &&
        sortedKey(deployment.alarms?.alarmNames ?? []) !== sortedKey(want.alarms?.alarmNames ?? []))
    )
      return false;
  }
  return true;
}

/** Whether the service is ACTIVE with the wanted settings: nothing for UpdateService to do. */
export function hasSettings(service: Service, wanted: ServiceSettings, scaling?: CountBounds): boolean {
  if (service.status !== 'ACTIVE') return false;
  const tagged = service.tags?.find((tag) => tag.key === SETTINGS_TAG)?.value;
  return tagged === settingsFingerprint(wanted, scaling) && reportedSettingsMatch(service, wanted);
}
