/**
 * EnsureService: a service's Cloud Map entry (its private DNS name, with the
 * mode's `serviceDiscoveryTtlSeconds`) and its ECS service on the environment's cluster, created or
 * brought to every setting of the mode: capacity provider, deployment
 * percentages, circuit breaker, deployment alarms, ECS Exec, network, load
 * balancer and task definition.
 * A service of that name in the cluster that is not tagged for this
 * environment stops it with `Modeshift.NotOwned`.
 */
import {
  type CapacityProviderStrategyItem,
  CreateServiceCommand,
  type DeploymentAlarms,
  DescribeServicesCommand,
  type ECSClient,
  type Service,
  type ServiceConnectConfiguration,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  GetServiceCommand as GetDiscoveryServiceCommand,
  paginateListServices as paginateListDiscoveryServices,
  type ServiceAlreadyExists,
  type ServiceDiscoveryClient,
  UpdateServiceCommand as UpdateDiscoveryServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { type ServiceScaling, scaledCount } from '../../../core/autoscaling.ts';
import type { ServiceSpec, Tag } from '../../../core/execution-input.ts';
import { type EnvironmentNames, serviceAlarmNames } from '../../../core/names.ts';
import type { Policy } from '../../../core/policy.ts';
import type { LoadBalancerRef, NamespaceRef, NetworkRef } from '../../resource-refs.ts';
import { StepError } from '../../step-errors.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';
import { awsErrorNamed } from '../errors.ts';
import { hasSettings, SETTINGS_TAG, type ServiceSettings, settingsFingerprint } from './service-settings.ts';

export interface EnsureServiceInput {
  /**
   * How new tasks replace old ones. `replace` runs with the policy's 0 % / 100 %:
   * ECS stops the previous tasks before it starts new ones. `rolling` keeps them
   * serving until the new ones are healthy.
   */
  readonly strategy: 'replace' | 'rolling';
  readonly service: ServiceSpec;
  /** The revision RegisterTaskDefinition returned. */
  readonly taskDefinitionArn: string;
  readonly policy: Policy;
  readonly names: EnvironmentNames;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
  /** Tags put on the service only when it is created or updated (an ECS deployment starts), not when it is unchanged. */
  readonly deploymentTags?: readonly Tag[];
  /** Where tasks run: public subnets with public IPs when the mode has no NAT gateway. */
  readonly taskNetwork: {
    readonly subnets: 'public' | 'private';
    readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  };
  readonly network: NetworkRef;
  /** `{}` when the environment has no public service. */
  readonly loadBalancer: LoadBalancerRef | Record<string, never>;
  readonly namespace: NamespaceRef;
  /**
   * The service's autoscaling bounds, when it scales (core/autoscaling.ts): its desired count is
   * then the one it runs, brought within them, so a deploy never undoes a scale-out.
   */
  readonly scaling?: ServiceScaling;
}

export interface EnsureServiceOutput {
  /** ARN of the ECS service. */
  readonly arn: string;
  /** `unchanged`: it had every setting already, so no UpdateService was sent and no ECS deployment started. */
  readonly action: 'created' | 'updated' | 'unchanged';
}

/**
 * Ensures the Cloud Map service (re-applying the mode's TTL), then creates
 * the ECS service or updates it with every setting again. A change of
 * capacity provider forces a new deployment, as ECS requires; so does a
 * change of ECS Exec, which only tasks started after it get.
 */
export async function ensureService(
  input: EnsureServiceInput,
  clients: { ecs: ECSClient; servicediscovery: ServiceDiscoveryClient },
  known?: DiscoveryIndex,
): Promise<EnsureServiceOutput> {
  const registryArn = await ensureDiscoveryService(input, clients.servicediscovery, known);
  const { service, names, policy, network, taskNetwork, scaling } = input;
  const loadBalancers = loadBalancersFor(service, input.loadBalancer);
  const existing = await describeService(clients.ecs, names.cluster, service.name);

  const capacityProviderStrategy: CapacityProviderStrategyItem[] = [
    { capacityProvider: policy.capacityProvider, weight: 1 },
  ];
  const settings: ServiceSettings = {
    cluster: names.cluster,
    taskDefinition: input.taskDefinitionArn,
    desiredCount:
      scaling === undefined
        ? service.replicas
        : scaledCount(scaling, existing?.desiredCount ?? service.replicas),
    capacityProviderStrategy,
    deploymentConfiguration: {
      minimumHealthyPercent: policy.minimumHealthyPercent,
      maximumPercent: policy.maximumPercent,
      deploymentCircuitBreaker: { enable: true, rollback: policy.circuitBreakerRollback },
      ...deploymentAlarms(input, existing),
    },
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...(taskNetwork.subnets === 'public' ? network.publicSubnetIds : network.privateSubnetIds)],
        securityGroups: [network.securityGroups.services],
        assignPublicIp: taskNetwork.assignPublicIp,
      },
    },
    loadBalancers,
    serviceRegistries: [{ registryArn }],
    ...(network.serviceConnect
      ? { serviceConnectConfiguration: serviceConnectFor(service, input.namespace) }
      : {}),
    propagateTags: 'SERVICE' as const,
    enableECSManagedTags: true,
    enableExecuteCommand: policy.executeCommand,
  };
  const ecsTags = [
    ...input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
    { key: SETTINGS_TAG, value: settingsFingerprint(settings, scaling) },
  ];
  const deployedTags = [
    ...ecsTags,
    ...(input.deploymentTags ?? []).map((tag) => ({ key: tag.Key, value: tag.Value })),
  ];

  if (existing !== undefined) {
    assertOwned(
      `ECS service ${service.name} in cluster ${names.cluster}`,
      existing.tags,
      environmentIdentity(input.tags),
    );
  }
  if (existing === undefined) {
    const created = await clients.ecs.send(
      new CreateServiceCommand({
        serviceName: service.name,
        ...settings,
        tags: deployedTags,
      }),
    );
    return { arn: serviceArn(created.service, service.name), action: 'created' };
  }
  if (existing.status === 'DRAINING') {
    throw new StepError(
      'Modeshift.ServiceDraining',
      `ECS service ${service.name} on cluster ${names.cluster} is being deleted (DRAINING): deploy again once it is gone`,
    );
  }
  if (hasSettings(existing, settings, scaling)) {
    // Nothing changed: no UpdateService, so ECS starts no deployment. The tags still name this rollout.
    const arn = serviceArn(existing, service.name);
    await clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: ecsTags }));
    return { arn, action: 'unchanged' };
  }
  const updated = await clients.ecs.send(
    new UpdateServiceCommand({
      service: service.name,
      ...settings,
      forceNewDeployment:
        !sameCapacity(existing, capacityProviderStrategy) ||
        (existing.enableExecuteCommand !== undefined &&
          existing.enableExecuteCommand !== settings.enableExecuteCommand),
    }),
  );
  const arn = serviceArn(updated.service ?? existing, service.name);
  await clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: deployedTags }));
  return { arn, action: 'updated' };
}

/**
 * The service in the environment's namespace through ECS Service Connect: each of its TCP ports
 * answers to its compose name (`api:8080`) in every task of the environment's services, whatever
 * the VPC's DNS settings. Its Cloud Map name (`api_8080`) cannot clash with the DNS record
 * service `api` the service also registers (compose names have no `_`), which run-once tasks
 * and jobs, outside Service Connect, reach as `api.<private zone>`. A service with no TCP port is
 * a client only.
 */
export function serviceConnectFor(
  service: Pick<ServiceSpec, 'name' | 'ports'>,
  namespace: Pick<NamespaceRef, 'name'>,
): ServiceConnectConfiguration {
  const ports = service.ports.filter((port) => port.protocol === 'tcp');
  return {
    enabled: true,
    namespace: namespace.name,
    ...(ports.length > 0
      ? {
          services: ports.map((port) => ({
            portName: `${service.name}-${port.target}-${port.protocol}`,
            discoveryName: `${service.name}_${port.target}`,
            clientAliases: [{ port: port.target, dnsName: service.name }],
          })),
        }
      : {}),
  };
}

/** The Cloud Map service named after the service in the environment's namespace; returns its ARN. */
async function ensureDiscoveryService(
  input: EnsureServiceInput,
  client: ServiceDiscoveryClient,
  known: DiscoveryIndex | undefined,
): Promise<string> {
  const { service, namespace, policy } = input;
  const dnsRecords = [{ Type: 'A' as const, TTL: policy.serviceDiscoveryTtlSeconds }];
  const candidates = known === undefined ? undefined : (known.get(service.name) ?? []);
  const existing = await findDiscoveryService(client, namespace.id, service.name, candidates);
  if (existing !== undefined) {
    const records = existing.dnsRecords;
    if (
      records.length !== 1 ||
      records[0]?.Type !== 'A' ||
      records[0]?.TTL !== policy.serviceDiscoveryTtlSeconds
    ) {
      await client.send(
        new UpdateDiscoveryServiceCommand({
          Id: existing.id,
          Service: { DnsConfig: { DnsRecords: dnsRecords } },
        }),
      );
    }
    return existing.arn;
  }
  try {
    const { Service: created } = await client.send(
      new CreateDiscoveryServiceCommand({
        Name: service.name,
        NamespaceId: namespace.id,
        DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: dnsRecords },
        HealthCheckCustomConfig: {},
        Tags: input.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
    if (!created?.Arn) throw new Error(`Cloud Map CreateService of ${service.name} returned no ARN`);
    return created.Arn;
  } catch (error) {
    // Created meanwhile (a retried attempt, a list that lagged): use that one.
    const existing = awsErrorNamed<ServiceAlreadyExists>(error, 'ServiceAlreadyExists')?.ServiceId;
    if (existing) {
      const { Service: found } = await client.send(new GetDiscoveryServiceCommand({ Id: existing }));
      if (found?.Arn && found.NamespaceId === namespace.id) return found.Arn;
    }
    throw error;
  }
}

interface DiscoveryService {
  readonly id: string;
  readonly arn: string;
  readonly dnsRecords: ReadonlyArray<{
    readonly Type?: string | undefined;
    readonly TTL?: number | undefined;
  }>;
}

/** Cloud Map service ids of a namespace by service name, listed once for many services (DeployServices). */
export type DiscoveryIndex = ReadonlyMap<string, readonly string[]>;

/**
 * The Cloud Map services listed for a namespace, by name (several when a
 * name repeats: the namespace is checked again on each, see below).
 */
async function listDiscoveryServices(
  client: ServiceDiscoveryClient,
  namespaceId: string,
): Promise<Array<{ name: string; id: string }>> {
  const listed: Array<{ name: string; id: string }> = [];
  const pages = paginateListDiscoveryServices(
    { client },
    { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] },
  );
  for await (const page of pages) {
    for (const summary of page.Services ?? []) {
      if (summary.Name !== undefined && summary.Id !== undefined)
        listed.push({ name: summary.Name, id: summary.Id });
    }
  }
  return listed;
}

/** The namespace's Cloud Map services by name, for ensureService's `known`: one listing instead of one per service. */
export async function discoveryIndex(
  client: ServiceDiscoveryClient,
  namespaceId: string,
): Promise<DiscoveryIndex> {
  const index = new Map<string, string[]>();
  for (const { name, id } of await listDiscoveryServices(client, namespaceId)) {
    index.set(name, [...(index.get(name) ?? []), id]);
  }
  return index;
}

/**
 * The namespace's Cloud Map service with this name. The list is filtered by
 * namespace, and each candidate's namespace is checked again with GetService
 * (list summaries carry no namespace, and moto ignores the filter). With
 * `candidates` (ids from a listing made before), nothing is listed again.
 */
async function findDiscoveryService(
  client: ServiceDiscoveryClient,
  namespaceId: string,
  name: string,
  candidates?: readonly string[],
): Promise<DiscoveryService | undefined> {
  const ids =
    candidates ??
    (await listDiscoveryServices(client, namespaceId))
      .filter((entry) => entry.name === name)
      .map((entry) => entry.id);
  for (const id of ids) {
    const { Service: found } = await client.send(new GetDiscoveryServiceCommand({ Id: id }));
    if (found?.NamespaceId !== namespaceId || found.Id === undefined || found.Arn === undefined) continue;
    return { id: found.Id, arn: found.Arn, dnsRecords: found.DnsConfig?.DnsRecords ?? [] };
  }
  return undefined;
}

/** The ECS service when it exists and is not INACTIVE (deleted). */
async function describeService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }),
  );
  return services?.find((candidate) => candidate.serviceName === name && candidate.status !== 'INACTIVE');
}

/**
 * The CloudWatch alarms ECS watches while it deploys the service (EnsureAlarms makes them): a
 * public service's where the mode has `deploymentAlarms`, rolled back on where it says
 * `rollback`. Elsewhere none — and alarms a service still has (a mode change) are turned off.
 */
function deploymentAlarms(
  input: EnsureServiceInput,
  existing: Service | undefined,
): { alarms?: DeploymentAlarms } {
  const { service, policy, names } = input;
  if (service.public && policy.deploymentAlarms !== 'off') {
    const alarms = serviceAlarmNames(names.alarmPrefix, service.name);
    return {
      alarms: {
        alarmNames: [alarms.errors5xx, alarms.latencyP95],
        enable: true,
        rollback: policy.deploymentAlarms === 'rollback',
      },
    };
  }
  return existing?.deploymentConfiguration?.alarms?.enable
    ? { alarms: { alarmNames: [], enable: false, rollback: false } }
    : {};
}

/** A public service's target group; nothing for a private one. */
function loadBalancersFor(service: ServiceSpec, loadBalancer: EnsureServiceInput['loadBalancer']) {
  if (!service.public) return [];
  const targetGroup =
    'targetGroups' in loadBalancer
      ? loadBalancer.targetGroups.find((group) => group.service === service.name)
      : undefined;
  if (targetGroup === undefined) {
    throw new StepError(
      'Modeshift.TargetGroupMissing',
      `service ${service.name} is public, but the load balancer has no target group for it`,
    );
  }
  return [{ targetGroupArn: targetGroup.arn, containerName: service.name, containerPort: targetGroup.port }];
}

/** Whether the service already runs on the desired capacity providers (a service on a launch type does not). */
function sameCapacity(service: Service, desired: readonly CapacityProviderStrategyItem[]): boolean {
  const key = (items: readonly CapacityProviderStrategyItem[]) =>
    items
      .map((item) => `${item.capacityProvider}:${item.weight ?? 0}:${item.base ?? 0}`)
      .sort()
      .join(',');
  return key(service.capacityProviderStrategy ?? []) === key(desired);
}

function serviceArn(service: Service | undefined, name: string): string {
  if (!service?.serviceArn) throw new Error(`ECS returned no ARN for service ${name}`);
  return service.serviceArn;
}
