/**
 * What `modeshift audit` reads: every live resource of one environment and
 * the policy settings AWS reports for them (core/audit.ts compares them).
 *
 * Resources come from the Resource Groups Tagging API, by the environment's
 * `modeshift:project` and `modeshift:environment` tags, and from the APIs
 * that one misses: ECR repositories, CodeBuild projects, the Cloud Map
 * namespace, public hosted zones, IAM roles, the expiry schedule, the DB
 * subnet group and the config values in Parameter Store. A resource the
 * tagging API still lists once deleted (a NAT gateway in state `deleted`, an
 * INACTIVE ECS cluster, service or task definition) is not live and is left
 * out.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { type CloudWatchLogsClient, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetProjectsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  DescribeNatGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { type IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import {
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { paginateListHostedZones, type Route53Client } from '@aws-sdk/client-route-53';
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type {
  AuditResource,
  ObservedEnvironment,
  ObservedSetting,
  ResourceType,
} from '../../../core/audit.ts';
import { environmentResources } from '../../../core/environment-resources.ts';
import { accessLogBucketName, environmentNames } from '../../../core/names.ts';
import { isSharedNetworkEnvironment } from '../../../core/shared-network.ts';
import { mapConcurrently } from '../../bounded-concurrency.ts';
import { clusterScaling } from '../applicationautoscaling/service-scaling.ts';
import { environmentBuildProjects } from '../codebuild/environment-projects.ts';
import { environmentTagFilters } from '../ec2/network-tags.ts';
import { environmentRepositories } from '../ecr/environment-repositories.ts';
import { replicaCount } from '../elasticache/replication-group.ts';
import { ENVIRONMENT_TAG, type EnvironmentIdentity, PROJECT_TAG, tagValue } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';
import { executionRolePath } from '../iam/execution-role.ts';
import { absoluteDnsName } from '../route53/dns-name.ts';
import { findEnvironmentZones } from '../route53/environment-zones.ts';
import { isOwnershipRecord, ownerNamed, ownershipName } from '../route53/record-ownership.ts';
import { listRecords } from '../route53/zone-records.ts';
import { groupSchedules, ownedScheduleGroup } from '../scheduler/job-schedules.ts';
import { findNamespaceId } from '../servicediscovery/private-namespace.ts';
import { listConfigValues } from '../ssm/config-values.ts';

export interface AuditClients {
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly applicationautoscaling: ApplicationAutoScalingClient;
  readonly ec2: EC2Client;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
  readonly logs: CloudWatchLogsClient;
  readonly route53: Route53Client;
  readonly servicediscovery: ServiceDiscoveryClient;
  readonly ecr: ECRClient;
  readonly codebuild: CodeBuildClient;
  readonly iam: IAMClient;
  readonly scheduler: SchedulerClient;
  readonly ssm: SSMClient;
}

export interface AuditQuery extends EnvironmentIdentity {
  /** The account and region, which name the access-log bucket. */
  readonly accountId: string;
  readonly region: string;
}

/** Liveness checks at once: Describe calls, well inside every service's read rate. */
const LIVENESS_CONCURRENCY = 8;

/** A resource the tagging API listed, its kind read from its ARN. */
export function classifyArn(
  arn: string,
  query: EnvironmentIdentity & Partial<Pick<AuditQuery, 'accountId' | 'region'>>,
): AuditResource {
  const names = environmentNames(query.project, query.environment);
  const [, , service = '', , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  const after = (prefix: string) => resource.slice(prefix.length);
  const is = (prefix: string) => resource.startsWith(prefix);
  const found = (type: ResourceType, name: string): AuditResource => ({ type, name, arn });
  switch (service) {
    case 'ec2': {
      const [kind = '', id = ''] = resource.split('/');
      const types: Record<string, ResourceType> = {
        vpc: 'vpc',
        subnet: 'subnet',
        'route-table': 'route-table',
        'internet-gateway': 'internet-gateway',
        'security-group': 'security-group',
        natgateway: 'nat-gateway',
        'elastic-ip': 'elastic-ip',
      };
      return found(types[kind] ?? 'other', kind === 'vpc' ? names.vpc : id);
    }
    case 'ecs':
      if (is('cluster/')) return found('ecs-cluster', after('cluster/'));
      if (is('service/')) return found('ecs-service', resource.split('/').at(-1) ?? '');
      if (is('task/')) return found('ecs-task', resource.split('/').at(-1) ?? '');
      if (is('task-definition/'))
        return found('task-definition', after('task-definition/').replace(/:\d+$/, ''));
      break;
    case 'elasticloadbalancing':
      if (is('loadbalancer/')) return found('load-balancer', resource.split('/')[2] ?? '');
      if (is('targetgroup/')) return found('target-group', resource.split('/')[1] ?? '');
      if (is('listener/') || is('listener-rule/'))
        return found('load-balancer', resource.split('/')[2] ?? '');
      break;
    case 'logs':
      if (is('log-group:')) return found('log-group', after('log-group:').replace(/:\*$/, ''));
      break;
    case 'rds':
      if (is('db:')) return found('db-instance', after('db:'));
      if (is('snapshot:rds:')) return found('automated-snapshot', after('snapshot:rds:'));
      if (is('snapshot:')) {
        const id = after('snapshot:');
        // A snapshot before a migration (`-pre-`) is kept as a down's final snapshot is.
        return found(/-final-\d+$|-pre-[a-z0-9-]+$/.test(id) ? 'final-snapshot' : 'other', id);
      }
      if (is('subgrp:')) return found('db-subnet-group', after('subgrp:'));
      break;
    case 'elasticache':
      if (is('replicationgroup:')) return found('cache', after('replicationgroup:'));
      // A member cluster (`<group>-001`) carries its group's tags: it is counted as its group.
      if (is('cluster:')) return found('cache', after('cluster:').replace(/-\d{3}$/, ''));
      if (is('subnetgroup:')) return found('cache-subnet-group', after('subnetgroup:'));
      if (is('snapshot:')) {
        const name = after('snapshot:');
        return found(/-final-\d+$/.test(name) ? 'final-snapshot' : 'other', name);
      }
      break;
    case 'acm':
      return found('certificate', resource.split('/').at(-1) ?? '');
    case 's3':
      return found(
        query.accountId !== undefined &&
          query.region !== undefined &&
          resource === accessLogBucketName(query.project, query.environment, query.accountId, query.region)
          ? 'access-log-bucket'
          : 'other',
        resource,
      );
    case 'servicediscovery':
      if (is('namespace/')) return found('namespace', names.privateZone);
      break;
    case 'scheduler':
      if (is('schedule-group/')) return found('schedule-group', after('schedule-group/'));
      if (is(`schedule/${names.scheduleGroup}/`))
        return found('job-schedule', after(`schedule/${names.scheduleGroup}/`));
      return found('expiry-schedule', resource.split('/').at(-1) ?? '');
    case 'ecr':
      if (is('repository/')) return found('repository', after('repository/'));
      break;
    case 'cloudwatch':
      if (is('alarm:')) return found('deployment-alarm', after('alarm:'));
      break;
    case 'sns':
      if (resource === names.alarmTopic) return found('alarm-topic', resource);
      break;
    case 'wafv2':
      if (resource.startsWith(`regional/webacl/${names.webAcl}/`)) return found('web-acl', names.webAcl);
      break;
    case 'application-autoscaling':
      if (is('scalable-target/')) return found('scalable-target', after('scalable-target/'));
      break;
    case 'codebuild':
      if (is('project/')) return found('build-project', after('project/'));
      break;
  }
  return found('other', resource);
}

async function quietly<T>(read: () => Promise<T>, ...absent: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (absent.length === 0 || absent.some((name) => hasAwsErrorName(error, name))) return undefined;
    throw error;
  }
}

/** Whether a resource the tagging API listed is still there: deleted ones linger in its index. */
async function isLive(
  clients: Pick<AuditClients, 'ec2' | 'ecs'>,
  resource: AuditResource,
  cluster: string,
): Promise<boolean> {
  switch (resource.type) {
    case 'nat-gateway': {
      const found = await quietly(
        () => clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [resource.name] })),
        'NatGatewayNotFound',
      );
      const state = found?.NatGateways?.[0]?.State;
      return state === 'available' || state === 'pending';
    }
    case 'ecs-cluster': {
      const { clusters = [] } = await clients.ecs.send(
        new DescribeClustersCommand({ clusters: [resource.name] }),
      );
      return clusters.some((found) => found.status === 'ACTIVE');
    }
    case 'ecs-service': {
      const found = await quietly(
        () => clients.ecs.send(new DescribeServicesCommand({ cluster, services: [resource.name] })),
        'ClusterNotFoundException',
      );
      return (found?.services ?? []).some((service) => service.status === 'ACTIVE');
    }
    case 'ecs-task': {
      if (resource.arn === undefined) return true;
      // ECS describes a stopped task for about an hour after it stops; the tagging API lists it longer.
      const { tasks = [] } = await clients.ecs.send(
        new DescribeTasksCommand({ cluster, tasks: [resource.arn] }),
      );
      return tasks.some((task) => task.lastStatus !== 'STOPPED');
    }
    case 'task-definition': {
      if (resource.arn === undefined) return true;
      const { taskDefinition } = await clients.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: resource.arn }),
      );
      return taskDefinition?.status === 'ACTIVE';
    }
    default:
      return true;
  }
}

/** The resources the tagging API does not list, found by name or tag in their own APIs. */
async function untaggedIndexResources(clients: AuditClients, query: AuditQuery): Promise<AuditResource[]> {
  const names = environmentNames(query.project, query.environment);
  const of = (type: ResourceType, found: readonly string[]) =>
    found.map((name): AuditResource => ({ type, name }));
  // Each service is read on its own, so all of them at once.
  const groups = await Promise.all([
    environmentRepositories(clients.ecr, query).then((found) => of('repository', found)),
    environmentBuildProjects(clients.codebuild, names.prefix, query).then((found) =>
      of('build-project', found),
    ),
    findNamespaceId(clients.servicediscovery, names.privateZone, query).then((id) =>
      of('namespace', id === undefined ? [] : [names.privateZone]),
    ),
    findEnvironmentZones(clients.route53, query).then((zones) =>
      of(
        'hosted-zone',
        zones.map((zone) => zone.name.replace(/\.$/, '')),
      ),
    ),
    (async () => {
      const roles: AuditResource[] = [];
      for await (const page of paginateListRoles(
        { client: clients.iam },
        { PathPrefix: executionRolePath(query.project, query.environment) },
      )) {
        for (const role of page.Roles ?? []) {
          if (role.RoleName === undefined) continue;
          roles.push({
            type:
              role.RoleName === names.codeBuildRole
                ? 'build-role'
                : role.RoleName.endsWith('.task')
                  ? 'task-role'
                  : 'execution-role',
            name: role.RoleName,
          });
        }
      }
      return roles;
    })(),
    // Schedules carry no tags: the group's tags say whose its schedules are.
    ownedScheduleGroup(clients.scheduler, names.scheduleGroup, query).then(async (arn) =>
      arn === undefined
        ? []
        : [
            { type: 'schedule-group' as const, name: names.scheduleGroup, arn },
            ...of('job-schedule', await groupSchedules(clients.scheduler, names.scheduleGroup)),
          ],
    ),
    quietly(
      () => clients.scheduler.send(new GetScheduleCommand({ Name: names.expirySchedule })),
      'ResourceNotFoundException',
    ).then((schedule) => of('expiry-schedule', schedule === undefined ? [] : [names.expirySchedule])),
    quietly(
      () => clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: names.dbSubnetGroup })),
      'DBSubnetGroupNotFoundFault',
    ).then((found) =>
      of('db-subnet-group', (found?.DBSubnetGroups ?? []).length > 0 ? [names.dbSubnetGroup] : []),
    ),
    listConfigValues(clients.ssm, query).then((entries) =>
      of(
        'config-value',
        entries.map((entry) => entry.name),
      ),
    ),
  ]);
  return groups.flat();
}

/** The clients the settings are read with: the drift part of the audit, which the hourly sweep runs. */
export type DriftClients = Pick<
  AuditClients,
  'tagging' | 'ec2' | 'ecs' | 'elbv2' | 'rds' | 'elasticache' | 'logs' | 'route53' | 'codebuild'
>;

/**
 * The live resources the tagging API lists for the environment. Without the
 * account and Region, the access-log bucket is classified as `other`: only
 * its type depends on them, not whether it is live.
 */
export async function taggedLiveResources(
  clients: Pick<AuditClients, 'tagging' | 'ec2' | 'ecs'>,
  query: EnvironmentIdentity & Partial<Pick<AuditQuery, 'accountId' | 'region'>>,
): Promise<AuditResource[]> {
  const cluster = environmentNames(query.project, query.environment).cluster;
  const tagged = (await environmentResources(clients.tagging, query.project, query.environment)).flatMap(
    (mapping) => (mapping.ResourceARN === undefined ? [] : [classifyArn(mapping.ResourceARN, query)]),
  );
  const alive = await mapConcurrently(tagged, LIVENESS_CONCURRENCY, (resource) =>
    isLive(clients, resource, cluster),
  );
  return tagged.filter((_, index) => alive[index]);
}

/**
 * The policy settings of a deployed environment as AWS reports them, for the
 * hourly drift audit: the tagged resources, the public zones and the build
 * projects, without the rest of the inventory.
 */
export async function observeSettings(clients: DriftClients, query: AuditQuery): Promise<ObservedSetting[]> {
  const names = environmentNames(query.project, query.environment);
  const [tagged, zones, projects] = await Promise.all([
    taggedLiveResources(clients, query),
    findEnvironmentZones(clients.route53, query),
    environmentBuildProjects(clients.codebuild, names.prefix, query),
  ]);
  const resources = [
    ...tagged,
    ...zones.map((zone): AuditResource => ({ type: 'hosted-zone', name: zone.name.replace(/\.$/, '') })),
    ...projects.map((name): AuditResource => ({ type: 'build-project', name })),
  ];
  return environmentSettings(clients, query, resources);
}

/** Every live resource of the environment, each once. */
export async function environmentInventory(
  clients: AuditClients,
  query: AuditQuery,
): Promise<AuditResource[]> {
  const [live, untagged] = await Promise.all([
    taggedLiveResources(clients, query),
    untaggedIndexResources(clients, query),
  ]);
  const byKey = new Map<string, AuditResource>();
  for (const resource of [...live, ...untagged]) {
    const key = `${resource.type} ${resource.name}`;
    if (!byKey.has(key)) byKey.set(key, resource);
  }
  return [...byKey.values()].sort((a, b) =>
    a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type),
  );
}

/** The policy settings AWS reports for the environment's live resources. */
export async function environmentSettings(
  clients: Pick<AuditClients, 'logs' | 'rds' | 'elasticache' | 'elbv2' | 'ecs' | 'codebuild' | 'route53'>,
  query: AuditQuery,
  resources: readonly AuditResource[],
  /** Whether the VPC and NAT gateways among `resources` are the project's shared network's. */
  options: { readonly sharedNetwork?: boolean } = {},
): Promise<ObservedSetting[]> {
  const names = environmentNames(query.project, query.environment);
  const settings: ObservedSetting[] = [];
  const read = (setting: ObservedSetting['setting'], resource: string, value: string | undefined) => {
    if (value !== undefined) settings.push({ setting, resource, value });
  };
  const of = (type: ResourceType) => resources.filter((resource) => resource.type === type);

  if (of('vpc').length > 0) {
    const count = String(of('nat-gateway').length);
    if (options.sharedNetwork)
      settings.push({ setting: 'natGateways', resource: `vpc ${names.vpc}`, value: count, atLeast: true });
    else read('natGateways', `vpc ${names.vpc}`, count);
  }

  // Each service is read on its own, so all of them at once.
  await Promise.all([
    (async () => {
      const prefix = `/modeshift/${query.project}/${query.environment}/`;
      for await (const page of paginateDescribeLogGroups(
        { client: clients.logs },
        { logGroupNamePrefix: prefix },
      )) {
        for (const group of page.logGroups ?? []) {
          read(
            'logRetentionDays',
            `log-group ${group.logGroupName}`,
            group.retentionInDays === undefined ? 'never expire' : String(group.retentionInDays),
          );
        }
      }
    })(),
    (async () => {
      for (const instance of of('db-instance')) {
        const found = await quietly(
          () => clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance.name })),
          'DBInstanceNotFoundFault',
          'DBInstanceNotFound',
        );
        const db = found?.DBInstances?.[0];
        if (db === undefined) continue;
        const where = `db-instance ${instance.name}`;
        read('dbInstanceClass', where, db.DBInstanceClass);
        read(
          'storageEncrypted',
          where,
          db.StorageEncrypted === undefined ? undefined : String(db.StorageEncrypted),
        );
        read(
          'dbDeletionProtection',
          where,
          db.DeletionProtection === undefined ? undefined : String(db.DeletionProtection),
        );
        read('dbMultiAz', where, db.MultiAZ === undefined ? undefined : String(db.MultiAZ));
        read(
          'dbBackupRetentionDays',
          where,
          db.BackupRetentionPeriod === undefined ? undefined : String(db.BackupRetentionPeriod),
        );
      }
    })(),
    (async () => {
      // A member cluster is counted as its group: each group once.
      for (const group of new Set(of('cache').map((cache) => cache.name))) {
        const found = await quietly(
          () => clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group })),
          'ReplicationGroupNotFoundFault',
        );
        const cache = found?.ReplicationGroups?.[0];
        if (cache === undefined || cache.Status === 'deleting') continue;
        const where = `cache ${group}`;
        read('cacheNodeType', where, cache.CacheNodeType);
        read('cacheReplicas', where, String(replicaCount(cache)));
        const bool = (value: boolean | undefined) => (value === undefined ? undefined : String(value));
        read('cacheTransitEncryption', where, bool(cache.TransitEncryptionEnabled));
        read('storageEncrypted', where, bool(cache.AtRestEncryptionEnabled));
      }
    })(),
    (async () => {
      for (const balancer of of('load-balancer')) {
        const found = await quietly(
          () => clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [balancer.name] })),
          'LoadBalancerNotFound',
          'LoadBalancerNotFoundException',
        );
        const arn = found?.LoadBalancers?.[0]?.LoadBalancerArn;
        if (arn === undefined) continue;
        const where = `load-balancer ${balancer.name}`;
        const { Attributes = [] } = await clients.elbv2.send(
          new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
        );
        read(
          'lbDeletionProtection',
          where,
          Attributes.find((a) => a.Key === 'deletion_protection.enabled')?.Value,
        );
        const { Listeners = [] } = await clients.elbv2.send(
          new DescribeListenersCommand({ LoadBalancerArn: arn }),
        );
        for (const listener of Listeners.filter((found) => found.Port === 80)) {
          for (const action of listener.DefaultActions ?? [])
            read('httpRedirectCode', `${where} listener :80`, action.RedirectConfig?.StatusCode);
        }
      }
    })(),
    (async () => {
      for (const cluster of of('ecs-cluster')) {
        const { clusters = [] } = await clients.ecs.send(
          new DescribeClustersCommand({ clusters: [cluster.name] }),
        );
        const strategy = clusters[0]?.defaultCapacityProviderStrategy ?? [];
        if (strategy.length > 0)
          read(
            'capacityProvider',
            `ecs-cluster ${cluster.name}`,
            strategy.map((s) => s.capacityProvider).join(', '),
          );
      }
    })(),
    (async () => {
      const services = of('ecs-service').map((service) => service.name);
      for (let start = 0; start < services.length; start += 10) {
        const found = await quietly(
          () =>
            clients.ecs.send(
              new DescribeServicesCommand({
                cluster: names.cluster,
                services: services.slice(start, start + 10),
              }),
            ),
          'ClusterNotFoundException',
        );
        for (const service of found?.services ?? []) {
          const where = `ecs-service ${service.serviceName}`;
          // The local AWS keeps neither of these (docs/design.md §4); AWS reports both.
          const strategy = service.capacityProviderStrategy ?? [];
          if (strategy.length > 0)
            read('capacityProvider', where, strategy.map((s) => s.capacityProvider).join(', '));
          const config = service.deploymentConfiguration;
          read('minimumHealthyPercent', where, config?.minimumHealthyPercent?.toString());
          read('maximumPercent', where, config?.maximumPercent?.toString());
          const breaker = config?.deploymentCircuitBreaker;
          if (breaker !== undefined)
            read(
              'circuitBreakerRollback',
              where,
              String(breaker.enable === true && breaker.rollback === true),
            );
          if (service.enableExecuteCommand !== undefined)
            read('executeCommand', where, String(service.enableExecuteCommand));
        }
      }
    })(),
    (async () => {
      const projects = of('build-project').map((project) => project.name);
      for (let start = 0; start < projects.length; start += 100) {
        const { projects: found = [] } = await clients.codebuild.send(
          new BatchGetProjectsCommand({ names: projects.slice(start, start + 100) }),
        );
        for (const project of found)
          read('buildComputeType', `build-project ${project.name}`, project.environment?.computeType);
      }
    })(),
    (async () => {
      settings.push(...(await recordTtls(clients.route53, query, names.privateZone, of('hosted-zone'))));
    })(),
  ]);
  return settings.sort((a, b) => a.resource.localeCompare(b.resource) || a.setting.localeCompare(b.setting));
}

/** The TTL of every record the environment writes that carries one: in its public zones and its private zone. */
async function recordTtls(
  route53: Route53Client,
  owner: EnvironmentIdentity,
  privateZone: string,
  publicZones: readonly AuditResource[],
): Promise<ObservedSetting[]> {
  const wanted = new Set(publicZones.map((zone) => zone.name.replace(/\.$/, '')));
  const zones: Array<{ id: string; name: string; isPrivate: boolean }> = [];
  for await (const page of paginateListHostedZones({ client: route53 }, {})) {
    for (const zone of page.HostedZones ?? []) {
      const name = zone.Name?.replace(/\.$/, '') ?? '';
      // The local AWS may suffix a namespace's zone name, so the private zone is matched by prefix.
      const isPrivate = zone.Config?.PrivateZone === true && name.startsWith(privateZone);
      if (zone.Id !== undefined && (isPrivate || (zone.Config?.PrivateZone !== true && wanted.has(name))))
        zones.push({ id: zone.Id, name, isPrivate });
    }
  }
  const settings: ObservedSetting[] = [];
  const self = `${owner.project}/${owner.environment}`;
  for (const zone of zones) {
    const records = await listRecords(route53, zone.id);
    // Records another environment marked as its own (a delegation's mark, in a parent zone) are not this one's.
    const othersMarks = new Set(
      records
        .filter((record) => isOwnershipRecord(record, zone.name))
        .filter((record) =>
          (record.ResourceRecords ?? []).some((value) => ownerNamed(value.Value ?? '') !== self),
        )
        .map((record) => absoluteDnsName(record.Name ?? '')),
    );
    for (const record of records) {
      // A zone's own NS and SOA records keep Route 53's TTLs; alias records carry none; ownership marks
      // have a TTL of their own (OWNERSHIP_TTL), since no client resolves them.
      if (record.Type === 'NS' || record.Type === 'SOA' || record.TTL === undefined) continue;
      if (isOwnershipRecord(record, zone.name)) continue;
      if (othersMarks.has(ownershipName(record.Name ?? '', zone.name))) continue;
      settings.push({
        // Cloud Map writes the services' A records in the private zone, with the discovery TTL.
        setting: zone.isPrivate && record.Type === 'A' ? 'serviceDiscoveryTtlSeconds' : 'dnsTtlSeconds',
        resource: `record ${record.Name?.replace(/\.$/, '')} ${record.Type}`,
        value: String(record.TTL),
      });
    }
  }
  return settings;
}

/** The environment as it is on AWS: its live resources, the settings they report and its services' autoscaling. */
export async function observeEnvironment(
  clients: AuditClients,
  query: AuditQuery,
): Promise<ObservedEnvironment> {
  const names = environmentNames(query.project, query.environment);
  const [resources, scaling, shared] = await Promise.all([
    environmentInventory(clients, query),
    clusterScaling(clients.applicationautoscaling, names.cluster),
    sharedNetworkResources(clients, query),
  ]);
  // The shared network's VPC, NAT gateways and load balancer report the environment's network settings.
  const settings = await environmentSettings(clients, query, [...resources, ...shared], {
    sharedNetwork: shared.some((resource) => resource.type === 'vpc'),
  });
  return { resources, settings, scaling };
}

/**
 * The shared network's parts that report a setting of the environment's: its NAT gateways. The shared
 * load balancer's listeners and protection are the shared network's mode's, whatever the mode of an
 * environment a mode change kept there.
 */
const SHARED_NETWORK_PARTS: ReadonlySet<ResourceType> = new Set(['vpc', 'nat-gateway']);

/**
 * The VPC and NAT gateways of the project's shared network the
 * environment's security groups are in (`network: shared`); none for a
 * network of its own or a team's. Not the environment's: they report its
 * network settings, and are no orphan of it.
 */
async function sharedNetworkResources(
  clients: Pick<AuditClients, 'tagging' | 'ec2' | 'ecs'>,
  query: AuditQuery,
): Promise<AuditResource[]> {
  const { SecurityGroups = [] } = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: environmentTagFilters(query.project, query.environment) }),
  );
  const vpcIds = [...new Set(SecurityGroups.flatMap((group) => group.VpcId ?? []))];
  if (vpcIds.length === 0) return [];
  const { Vpcs = [] } = await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: vpcIds }));
  const shared = Vpcs.map((vpc) => tagValue(vpc.Tags, ENVIRONMENT_TAG)).find(
    (environment, index) =>
      isSharedNetworkEnvironment(environment) && tagValue(Vpcs[index]?.Tags, PROJECT_TAG) === query.project,
  );
  if (shared === undefined) return [];
  const resources = await taggedLiveResources(clients, { ...query, environment: shared });
  return resources.filter((resource) => SHARED_NETWORK_PARTS.has(resource.type));
}
