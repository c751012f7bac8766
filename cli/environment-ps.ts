/**
 * What `modeshift ps` shows, read from AWS as it is now: each ECS service's
 * task counts, task definition, image and capacity, the URLs the load
 * balancer routes to it (ELBv2 listener rules, checked against the Route 53
 * record of each hostname) with its targets' health; each managed database;
 * and the environment's record: mode, lock, last run and expiry. A
 * production environment's web ACL shows what it allowed, blocked and
 * counted over the last day (AWS/WAFV2 metrics). Resources
 * are found as the steps find them (names from core/names.ts, kept only when
 * tagged for the environment).
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { paginateDescribeDBInstances, type RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { type Expiry, expiryOf } from '../core/environment-expiry.ts';
import type { LiveCache } from '../core/live-plan.ts';
import { environmentNames } from '../core/names.ts';
import type { Mode } from '../core/policy.ts';
import { sharedNetworkEnvironment, sharedNetworkMode, sharedNetworkNames } from '../core/shared-network.ts';
import { readWebAclTraffic, type WebAclTraffic } from '../functions/aws/cloudwatch/web-acl-traffic.ts';
import { environmentTagFilters } from '../functions/aws/ec2/network-tags.ts';
import { rangesOf } from '../functions/aws/ec2/vpc-ranges.ts';
import { clusterServices, isLive } from '../functions/aws/ecs/cluster-services.ts';
import { findEnvironmentLoadBalancer } from '../functions/aws/elbv2/environment-load-balancer.ts';
import { forwardedTargetGroups, listListeners, listRules } from '../functions/aws/elbv2/listener-routes.ts';
import {
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  isTaggedForEnvironment,
  PROJECT_TAG,
} from '../functions/aws/environment-tags.ts';
import { ancestorDnsNames, relativeDnsName } from '../functions/aws/route53/dns-name.ts';
import { findPublicZonesByName } from '../functions/aws/route53/public-zones-by-name.ts';
import { findRecord } from '../functions/aws/route53/zone-records.ts';
import { aclOf, findEnvironmentWebAcl, webAclMetricNames } from '../functions/aws/wafv2/web-acl.ts';
import { mapConcurrently } from '../functions/bounded-concurrency.ts';
import { type EnvironmentRecord, type HistoryEntry, readEnvironment, readHistory } from '../local/records.ts';
import { readCaches } from './live-state.ts';

export interface PsClients {
  readonly dynamodb: DynamoDBClient;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
  readonly route53: Route53Client;
  readonly wafv2: WAFV2Client;
  readonly cloudwatch: CloudWatchClient;
  readonly ec2: EC2Client;
}

/** A URL the load balancer routes to a service, and whether DNS leads there. */
export interface ServiceUrl {
  readonly url: string;
  /** `alias` when the hostname's Route 53 record aliases the load balancer, `missing` when there is none; absent for the load balancer's own name. */
  readonly dns?: 'alias' | 'missing' | 'elsewhere';
}

export interface PsService {
  readonly name: string;
  readonly status: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** `family:revision`. */
  readonly taskDefinition?: string;
  readonly image?: string;
  /** The service's capacity provider, or the cluster's default (`… (cluster default)`). */
  readonly capacityProvider?: string;
  readonly urls: readonly ServiceUrl[];
  /** Registered targets by health state (`healthy: 2`); absent for a service behind no load balancer. */
  readonly targetHealth?: Readonly<Record<string, number>>;
}

export interface PsDatabase {
  readonly instance: string;
  readonly endpoint?: string;
  readonly instanceClass?: string;
  readonly status?: string;
  readonly storageEncrypted?: boolean;
  readonly deletionProtection?: boolean;
}

export interface PsEnvironment {
  readonly project: string;
  readonly environment: string;
  readonly status: string;
  readonly mode?: string;
  readonly lock?: { readonly holder: string; readonly until?: string };
  readonly lastRun?: Pick<HistoryEntry, 'action' | 'deploymentId' | 'status' | 'finishedAt'> & {
    readonly failedState?: string;
    readonly error?: string;
  };
  readonly expiry: Expiry;
}

/** The VPC the environment runs in: one of its own, the project's shared network of a mode, or a team's (`vpc`). */
export interface PsNetwork {
  readonly vpcId: string;
  readonly cidrs: readonly string[];
  readonly owner: 'environment' | 'shared' | 'team';
  /** With owner `shared`: the mode whose shared network it is. */
  readonly sharedMode?: Mode;
}

/** The environment's web ACL and what it did with the requests it saw. */
export interface PsFirewall {
  readonly webAcl: string;
  /** Whether it is on the environment's load balancer. */
  readonly associated: boolean;
  readonly traffic: WebAclTraffic;
}

export interface PsState {
  readonly environment: PsEnvironment;
  readonly services: readonly PsService[];
  readonly databases: readonly PsDatabase[];
  readonly caches: readonly LiveCache[];
  /** Absent when the environment has no network (nothing deployed). */
  readonly network?: PsNetwork;
  /** Absent when the environment has no web ACL (only production has one). */
  readonly firewall?: PsFirewall;
}

/** DescribeTaskDefinition / DescribeTargetHealth calls at once. */
const CONCURRENCY = 5;

/** The environment as `ps` shows it; undefined when there is neither a record nor a cluster of it. */
export async function readPs(
  clients: PsClients,
  query: EnvironmentIdentity & {
    readonly tableName: string;
    /** The region WAF reports the web ACL's metrics under. */
    readonly region: string;
  },
): Promise<PsState | undefined> {
  const owner = { project: query.project, environment: query.environment };
  const names = environmentNames(query.project, query.environment);
  const [record, history, services, own, databases, caches, clusterDefault, webAcl] = await Promise.all([
    readEnvironment(clients.dynamodb, query.tableName, query.project, query.environment),
    readHistory(clients.dynamodb, query.tableName, query.project, query.environment),
    clusterServices(clients.ecs, names.cluster),
    findEnvironmentLoadBalancer(clients.elbv2, names.loadBalancer, owner),
    readDatabases(clients.rds, owner),
    readCaches(clients.elasticache, owner),
    clusterDefaultCapacity(clients.ecs, names.cluster),
    findEnvironmentWebAcl(clients.wafv2, names.webAcl, owner),
  ]);
  const network = await readNetwork(clients.ec2, owner);
  // Its own load balancer, else the project's shared one it sits behind.
  const sharedMode = network?.sharedMode;
  const balancer =
    own ??
    (sharedMode === undefined
      ? undefined
      : await findEnvironmentLoadBalancer(
          clients.elbv2,
          sharedNetworkNames(query.project, sharedMode).loadBalancer,
          {
            project: query.project,
            environment: sharedNetworkEnvironment(sharedMode),
          },
        ));
  if (record === undefined && services === undefined) return undefined;
  const ours = (services ?? []).filter(
    (service) => isLive(service.status) && isTaggedForEnvironment(service.tags, owner),
  );
  // On a shared load balancer, only the routes to the environment's own target groups.
  const targetGroups = new Set(
    ours.flatMap((service) => (service.loadBalancers ?? []).flatMap((entry) => entry.targetGroupArn ?? [])),
  );
  const routes = balancer
    ? await loadBalancerRoutes(clients, balancer, own === undefined ? targetGroups : undefined)
    : new Map<string, ServiceUrl[]>();
  const [shown, firewall] = await Promise.all([
    mapConcurrently(ours, CONCURRENCY, (service) => psService(clients, service, routes, clusterDefault)),
    webAcl?.ARN === undefined
      ? undefined
      : psFirewall(clients, { name: names.webAcl, arn: webAcl.ARN }, balancer, query.region),
  ]);
  return {
    environment: psEnvironment(owner, record, history),
    services: shown.sort((a, b) => a.name.localeCompare(b.name)),
    databases,
    caches: [...caches].sort((a, b) => a.replicationGroup.localeCompare(b.replicationGroup)),
    ...(network ? { network } : {}),
    ...(firewall ? { firewall } : {}),
  };
}

// ── EC2 ──────────────────────────────────────────────────────────────────────

/** The VPC tagged for the environment, else the team VPC its security groups are in. */
async function readNetwork(ec2: EC2Client, owner: EnvironmentIdentity): Promise<PsNetwork | undefined> {
  const filters = environmentTagFilters(owner.project, owner.environment);
  const { Vpcs: own = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: filters }));
  const [mine] = own;
  if (mine?.VpcId !== undefined) return { vpcId: mine.VpcId, cidrs: rangesOf(mine), owner: 'environment' };
  const { SecurityGroups = [] } = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters }));
  const vpcId = SecurityGroups.find((group) => group.VpcId !== undefined)?.VpcId;
  if (vpcId === undefined) return undefined;
  const { Vpcs: other = [] } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  const cidrs = other[0] ? rangesOf(other[0]) : [];
  const tags = other[0]?.Tags ?? [];
  const sharedMode = sharedNetworkMode(tags.find((tag) => tag.Key === ENVIRONMENT_TAG)?.Value);
  const ours = tags.some((tag) => tag.Key === PROJECT_TAG && tag.Value === owner.project);
  return ours && sharedMode !== undefined
    ? { vpcId, cidrs, owner: 'shared', sharedMode }
    : { vpcId, cidrs, owner: 'team' };
}

// ── WAF ──────────────────────────────────────────────────────────────────────

async function psFirewall(
  clients: PsClients,
  acl: { readonly name: string; readonly arn: string },
  balancer: LoadBalancer | undefined,
  region: string,
): Promise<PsFirewall> {
  const [onBalancer, traffic] = await Promise.all([
    balancer?.LoadBalancerArn === undefined ? undefined : aclOf(clients.wafv2, balancer.LoadBalancerArn),
    readWebAclTraffic(clients.cloudwatch, { metrics: webAclMetricNames(acl.name), region }),
  ]);
  return { webAcl: acl.name, associated: onBalancer?.ARN === acl.arn, traffic };
}

function psEnvironment(
  owner: EnvironmentIdentity,
  record: EnvironmentRecord | undefined,
  history: readonly HistoryEntry[],
): PsEnvironment {
  const last = history.at(-1);
  return {
    ...owner,
    status: record?.status ?? 'unrecorded',
    ...(record?.mode !== undefined ? { mode: record.mode } : {}),
    ...(record?.lockId !== undefined
      ? {
          lock: {
            holder: record.lockId,
            ...(record.lockExpiresAt !== undefined ? { until: record.lockExpiresAt } : {}),
          },
        }
      : {}),
    ...(last
      ? {
          lastRun: {
            action: last.action,
            deploymentId: last.deploymentId,
            status: last.status,
            finishedAt: last.finishedAt,
            ...(last.failedState !== undefined ? { failedState: last.failedState } : {}),
            ...(last.error !== undefined ? { error: last.error } : {}),
          },
        }
      : {}),
    expiry: expiryOf(record ?? { status: 'unrecorded' }),
  };
}

// ── ECS ──────────────────────────────────────────────────────────────────────

async function psService(
  clients: PsClients,
  service: Service,
  routes: ReadonlyMap<string, ServiceUrl[]>,
  clusterDefault: string | undefined,
): Promise<PsService> {
  const name = service.serviceName as string;
  const definition =
    service.taskDefinition === undefined
      ? undefined
      : (
          await clients.ecs.send(
            new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }),
          )
        ).taskDefinition;
  const image = definition?.containerDefinitions?.find((container) => container.name === name)?.image;
  const targetGroups = (service.loadBalancers ?? []).flatMap((entry) =>
    entry.targetGroupArn ? [entry.targetGroupArn] : [],
  );
  const capacity = capacityOf(service) ?? (clusterDefault && `${clusterDefault} (cluster default)`);
  return {
    name,
    status: service.status ?? 'ACTIVE',
    desired: service.desiredCount ?? 0,
    running: service.runningCount ?? 0,
    pending: service.pendingCount ?? 0,
    ...(definition?.family !== undefined
      ? { taskDefinition: `${definition.family}:${definition.revision}` }
      : {}),
    ...(image !== undefined ? { image } : {}),
    ...(capacity ? { capacityProvider: capacity } : {}),
    urls: targetGroups.flatMap((arn) => routes.get(arn) ?? []),
    ...(targetGroups.length > 0 ? { targetHealth: await targetHealth(clients.elbv2, targetGroups) } : {}),
  };
}

/** `FARGATE`, or `FARGATE:1+FARGATE_SPOT:3` for a mixed strategy; undefined when the service names none. */
function capacityOf(service: Service): string | undefined {
  const strategy = service.capacityProviderStrategy ?? [];
  if (strategy.length === 1) return strategy[0]?.capacityProvider;
  if (strategy.length > 1)
    return strategy.map((item) => `${item.capacityProvider}:${item.weight ?? 0}`).join('+');
  return undefined;
}

/** The cluster's default capacity provider strategy, which a service without its own runs on. */
async function clusterDefaultCapacity(ecs: ECSClient, cluster: string): Promise<string | undefined> {
  const { clusters = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  const strategy = clusters[0]?.defaultCapacityProviderStrategy ?? [];
  if (strategy.length === 0) return undefined;
  return strategy.length === 1
    ? strategy[0]?.capacityProvider
    : strategy.map((item) => `${item.capacityProvider}:${item.weight ?? 0}`).join('+');
}

// ── Elastic Load Balancing and Route 53 ──────────────────────────────────────

/**
 * The URLs the load balancer routes to each target group: a host rule on the
 * HTTPS listener is `https://<host>/`, on an HTTP-only one `http://<host>/`; a
 * listener's default forward is the load balancer's own name.
 */
async function loadBalancerRoutes(
  clients: PsClients,
  balancer: LoadBalancer,
  only?: ReadonlySet<string>,
): Promise<Map<string, ServiceUrl[]>> {
  const routes = new Map<string, ServiceUrl[]>();
  const add = (arn: string, url: ServiceUrl) => {
    const list = routes.get(arn) ?? [];
    if (!list.some((entry) => entry.url === url.url)) list.push(url);
    routes.set(arn, list);
  };
  const listeners = await listListeners(clients.elbv2, balancer.LoadBalancerArn as string);
  const https = listeners.some((listener) => listener.Protocol === 'HTTPS');
  for (const listener of listeners) {
    // With HTTPS, port 80 only redirects: the HTTPS listener's routes are the URLs.
    if (https && listener.Protocol !== 'HTTPS') continue;
    const scheme = listener.Protocol === 'HTTPS' ? 'https' : 'http';
    for (const action of listener.DefaultActions ?? []) {
      for (const arn of forwardedTargetGroups(action)) add(arn, { url: `${scheme}://${balancer.DNSName}/` });
    }
    for (const rule of await listRules(clients.elbv2, listener.ListenerArn as string)) {
      const hosts = (rule.Conditions ?? []).flatMap((condition) =>
        condition.Field === 'host-header'
          ? (condition.HostHeaderConfig?.Values ?? condition.Values ?? [])
          : [],
      );
      for (const action of rule.Actions ?? []) {
        for (const arn of forwardedTargetGroups(action)) {
          if (only !== undefined && !only.has(arn)) continue;
          for (const host of hosts) {
            add(arn, {
              url: `${scheme}://${relativeDnsName(host)}/`,
              dns: await hostnameRecord(clients.route53, host, balancer),
            });
          }
        }
      }
    }
  }
  return routes;
}

/** Whether the hostname's A record, in the nearest public zone above it, aliases this load balancer. */
async function hostnameRecord(
  route53: Route53Client,
  hostname: string,
  balancer: LoadBalancer,
): Promise<'alias' | 'missing' | 'elsewhere'> {
  for (const zoneName of [relativeDnsName(hostname), ...ancestorDnsNames(hostname)]) {
    const [zone] = await findPublicZonesByName(route53, zoneName);
    if (zone === undefined) continue;
    const record = await findRecord(route53, zone.id, hostname, 'A');
    if (record === undefined) return 'missing';
    const target = record.AliasTarget?.DNSName;
    return target !== undefined && balancer.DNSName !== undefined && sameName(target, balancer.DNSName)
      ? 'alias'
      : 'elsewhere';
  }
  return 'missing';
}

/** Alias targets carry a `dualstack.` prefix and a trailing dot. */
function sameName(aliasTarget: string, dnsName: string): boolean {
  const bare = (name: string) => relativeDnsName(name).replace(/^dualstack\./, '');
  return bare(aliasTarget) === bare(dnsName);
}

async function targetHealth(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroups: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const described = await mapConcurrently([...targetGroups], CONCURRENCY, (arn) =>
    elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
  );
  for (const { TargetHealthDescriptions = [] } of described) {
    for (const target of TargetHealthDescriptions) {
      const state = target.TargetHealth?.State ?? 'unknown';
      counts[state] = (counts[state] ?? 0) + 1;
    }
  }
  return counts;
}

// ── RDS ──────────────────────────────────────────────────────────────────────

async function readDatabases(rds: RDSClient, owner: EnvironmentIdentity): Promise<PsDatabase[]> {
  const found: PsDatabase[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds }, {})) {
    for (const instance of page.DBInstances ?? []) {
      if (instance.DBInstanceIdentifier === undefined) continue;
      if (!isTaggedForEnvironment(instance.TagList, owner)) continue;
      const endpoint = instance.Endpoint?.Address;
      found.push({
        instance: instance.DBInstanceIdentifier,
        ...(endpoint !== undefined
          ? { endpoint: `${endpoint}${instance.Endpoint?.Port ? `:${instance.Endpoint.Port}` : ''}` }
          : {}),
        ...(instance.DBInstanceClass !== undefined ? { instanceClass: instance.DBInstanceClass } : {}),
        ...(instance.DBInstanceStatus !== undefined ? { status: instance.DBInstanceStatus } : {}),
        ...(instance.StorageEncrypted !== undefined ? { storageEncrypted: instance.StorageEncrypted } : {}),
        ...(instance.DeletionProtection !== undefined
          ? { deletionProtection: instance.DeletionProtection }
          : {}),
      });
    }
  }
  return found.sort((a, b) => a.instance.localeCompare(b.instance));
}
