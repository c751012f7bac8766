/**
 * PruneServices: brings the environment to exactly the compose file. Every
 * service of the environment that the request no longer has is removed with
 * everything it had:
 *
 * 1. what sends it traffic: its public hostname's record (one that points at
 *    the environment's load balancer; the hostnames the request keeps stay)
 *    and the listener rules to its target group;
 * 2. its autoscaling (so nothing scales it up again), then its ECS service,
 *    scaled to zero and deleted with force;
 * 3. once ECS has let go of it (no longer ACTIVE or DRAINING): its target
 *    group, its Cloud Map service and instances and its task definition
 *    family. FinishPruning (functions/steps/finish-pruning.ts) then removes its
 *    execution role and build resources, and reports the databases kept: two
 *    steps, so that neither Lambda loads eight AWS clients at its cold start.
 *
 * The step is called again (`done: false`) while a service still drains or a
 * target group or Cloud Map service is still in use.
 *
 * Everything is found by the environment's tags, never by name alone: a
 * resource named like the environment's but not tagged for it is left
 * alone. What is gone is found anew on every call, so a call that stopped
 * half-way leaves nothing the next one misses.
 *
 * Kept on purpose: log groups, which keep the removed service's logs and
 * expire by the retention the mode gave the group; and databases
 * (FinishPruning reports them).
 */
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DeleteServiceCommand as DeleteDiscoveryServiceCommand,
  DeregisterInstanceCommand,
  GetServiceCommand as GetDiscoveryServiceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ListTagsForResourceCommand as ListDiscoveryTagsCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ServiceDiscoveryClient,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { serviceNames } from '../../core/names.ts';
import { removeServiceScaling } from '../aws/applicationautoscaling/service-scaling.ts';
import { clusterServices, isLive, retireService } from '../aws/ecs/cluster-services.ts';
import { deregisterTaskFamily, environmentTaskFamilies } from '../aws/ecs/task-definition-families.ts';
import {
  deleteTargetGroups,
  findEnvironmentLoadBalancer,
  findEnvironmentTargetGroups,
  findSharedLoadBalancers,
} from '../aws/elbv2/environment-load-balancer.ts';
import { removeRoutesTo } from '../aws/elbv2/listener-routes.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { sameDnsName } from '../aws/route53/dns-name.ts';
import { findEnvironmentZones } from '../aws/route53/environment-zones.ts';
import { pointsAtLoadBalancer } from '../aws/route53/service-records.ts';
import { deleteRecords, listRecords } from '../aws/route53/zone-records.ts';
import { deleteDiscoveryService, namespaceServices } from '../aws/servicediscovery/discovery-services.ts';
import { findNamespaceId } from '../aws/servicediscovery/private-namespace.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of PruneServices, as the deploy workflow's PruneServices state passes it. */
export interface PruneServicesInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  /** The names of the services the request deploys: every other service of the environment goes. */
  readonly services: readonly string[];
  /**
   * Every container the request runs, run-once services too: the task definition families that stay.
   * @default the services
   */
  readonly containers?: readonly string[];
  /** The request's public services: the load balancer keeps routes (and DNS records) for these only. */
  readonly publicServices: ReadonlyArray<{ readonly service: string; readonly hostname?: string }>;
}

export interface PruneServicesOutput {
  /**
   * true once no removed service runs, routes or registers anything any more; the workflow calls
   * the step again while false.
   */
  readonly done: boolean;
}

/** Services, families and roles handled at once. */
const CONCURRENCY = 10;

/** Removes what the request no longer has (see the top of this file); reports the databases it keeps. */
export const pruneServices = defineStep({
  name: 'PruneServices',
  clients: {
    ecs: ECSClient,
    elbv2: ElasticLoadBalancingV2Client,
    route53: Route53Client,
    servicediscovery: ServiceDiscoveryClient,
    applicationautoscaling: ApplicationAutoScalingClient,
  },
  sends: [
    DescribeScalableTargetsCommand,
    DeregisterScalableTargetCommand,
    ListServicesCommand,
    DescribeServicesCommand,
    UpdateServiceCommand,
    DeleteServiceCommand,
    ListTaskDefinitionFamiliesCommand,
    DescribeTaskDefinitionCommand,
    ListTaskDefinitionsCommand,
    DeregisterTaskDefinitionCommand,
    DescribeLoadBalancersCommand,
    DescribeTagsCommand,
    DescribeTargetGroupsCommand,
    DescribeListenersCommand,
    DescribeRulesCommand,
    DeleteRuleCommand,
    ModifyListenerCommand,
    DeleteTargetGroupCommand,
    ListHostedZonesCommand,
    ListTagsForResourcesCommand,
    ListResourceRecordSetsCommand,
    ChangeResourceRecordSetsCommand,
    ListNamespacesCommand,
    ListDiscoveryServicesCommand,
    GetDiscoveryServiceCommand,
    ListDiscoveryTagsCommand,
    ListInstancesCommand,
    DeregisterInstanceCommand,
    DeleteDiscoveryServiceCommand,
  ],
  async run(input: PruneServicesInput, clients): Promise<PruneServicesOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const wanted = wantedNames(input);
    const notDone: PruneServicesOutput = { done: false };

    const unwantedGroups = (
      await findEnvironmentTargetGroups(clients.elbv2, input.names.targetGroupPrefix, owner)
    ).filter((group) => !wanted.targetGroups.has(group.TargetGroupName ?? ''));
    // Its own load balancer, or the project's shared one it sits behind (only its own routes go there).
    const own = await environmentLoadBalancer(clients.elbv2, input.names.loadBalancer, owner);
    const shared = await findSharedLoadBalancers(clients.elbv2, input.project);
    for (const balancer of [...(own ? [own] : []), ...shared.map((found) => found.balancer)]) {
      if (balancer.LoadBalancerArn === undefined || balancer.DNSName === undefined) continue;
      await deleteStaleRecords(clients.route53, owner, balancer.DNSName, wanted.hostnames);
      await removeRoutesTo(
        clients.elbv2,
        balancer.LoadBalancerArn,
        unwantedGroups.flatMap((group) => (group.TargetGroupArn ? [group.TargetGroupArn] : [])),
      );
    }

    if (await stillDraining(clients, input.names.cluster, owner, wanted.services)) return notDone;

    const groupsInUse = await deleteTargetGroups(clients.elbv2, unwantedGroups);
    const discoveryLeft = await deleteDiscoveryServices(
      clients.servicediscovery,
      input.names.privateZone,
      owner,
      wanted.services,
    );
    const families = await environmentTaskFamilies(clients.ecs, input.names.prefix, owner);
    await mapConcurrently(
      families.filter((family) => !wanted.families.has(family)),
      CONCURRENCY,
      (family) => deregisterTaskFamily(clients.ecs, family),
    );
    if (groupsInUse > 0 || discoveryLeft > 0) return notDone;
    return { done: true };
  },
  settled: (output) => output.done,
});

/** The names of what the request keeps, derived as core/names.ts derives them. */
function wantedNames(input: PruneServicesInput) {
  const derived = (input.containers ?? input.services).map((service) =>
    serviceNames(input.project, input.environment, service),
  );
  return {
    services: new Set(input.services),
    families: new Set(derived.map((names) => names.taskFamily)),
    targetGroups: new Set(
      input.publicServices.map(
        (entry) => serviceNames(input.project, input.environment, entry.service).targetGroup,
      ),
    ),
    hostnames: input.publicServices.flatMap((entry) => (entry.hostname ? [entry.hostname] : [])),
  };
}

/** The environment's load balancer; none when there is none, or when the one of its name is not its own. */
async function environmentLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  name: string,
  owner: EnvironmentIdentity,
): Promise<LoadBalancer | undefined> {
  try {
    return await findEnvironmentLoadBalancer(elbv2, name, owner);
  } catch (error) {
    if (error instanceof StepError && error.name === 'Modeshift.NotOwned') return undefined;
    throw error;
  }
}

/**
 * Deletes, from the environment's public zones, the records that point at
 * its load balancer under a hostname the request no longer has: what an
 * earlier deploy wrote for a service that is gone. Every other record stays.
 */
async function deleteStaleRecords(
  route53: Route53Client,
  owner: EnvironmentIdentity,
  loadBalancerDnsName: string,
  hostnames: readonly string[],
): Promise<void> {
  for (const zone of await findEnvironmentZones(route53, owner)) {
    const stale = (await listRecords(route53, zone.id)).filter(
      (record) =>
        pointsAtLoadBalancer(record, loadBalancerDnsName) &&
        !hostnames.some((hostname) => sameDnsName(hostname, record.Name ?? '')),
    );
    await deleteRecords(route53, zone.id, stale);
  }
}

/**
 * Retires the environment's ECS services the request no longer has (scaled
 * to zero, deleted with force); true while one of them still runs or drains
 * tasks, which hold its target group, Cloud Map instances and execution role.
 */
async function stillDraining(
  { ecs, applicationautoscaling }: { ecs: ECSClient; applicationautoscaling: ApplicationAutoScalingClient },
  cluster: string,
  owner: EnvironmentIdentity,
  wanted: ReadonlySet<string>,
): Promise<boolean> {
  const services = (await clusterServices(ecs, cluster)) ?? [];
  const removed = services.filter(
    (service) =>
      service.serviceName !== undefined &&
      !wanted.has(service.serviceName) &&
      isLive(service.status) &&
      isTaggedForEnvironment(service.tags, owner),
  );
  const statuses = await mapConcurrently(removed, CONCURRENCY, async (service) => {
    if (service.status !== 'ACTIVE') return service.status;
    await removeServiceScaling(applicationautoscaling, cluster, service.serviceName as string);
    return retireService(ecs, cluster, service.serviceName as string);
  });
  return statuses.some(isLive);
}

/**
 * Deletes the Cloud Map services of the environment's namespace that the
 * request no longer has, and their instances; returns how many Cloud Map
 * still refuses to delete (instances still deregistering).
 */
async function deleteDiscoveryServices(
  servicediscovery: ServiceDiscoveryClient,
  namespaceName: string,
  owner: EnvironmentIdentity,
  wanted: ReadonlySet<string>,
): Promise<number> {
  const namespaceId = await findNamespaceId(servicediscovery, namespaceName, owner);
  if (namespaceId === undefined) return 0;
  const candidates = (await namespaceServices(servicediscovery, namespaceId)).filter(
    (service) => service.Name !== undefined && !wanted.has(service.Name),
  );
  const left = await mapConcurrently(candidates, CONCURRENCY, async (service) => {
    if (!(await isDiscoveryServiceOurs(servicediscovery, service, owner))) return false;
    return !(await deleteDiscoveryService(servicediscovery, service.Id as string));
  });
  return left.filter(Boolean).length;
}

async function isDiscoveryServiceOurs(
  servicediscovery: ServiceDiscoveryClient,
  service: ServiceSummary,
  owner: EnvironmentIdentity,
): Promise<boolean> {
  const arn =
    service.Arn ??
    (await servicediscovery.send(new GetDiscoveryServiceCommand({ Id: service.Id })))?.Service?.Arn;
  if (arn === undefined) return false;
  const { Tags } = await servicediscovery.send(new ListDiscoveryTagsCommand({ ResourceARN: arn }));
  return isTaggedForEnvironment(Tags, owner);
}

export const handler = lambdaHandler(pruneServices);
