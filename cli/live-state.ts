/**
 * An environment's live state, read from the AWS API it is deployed to, for
 * the live plan (core/live-plan.ts): its ECS services with their task
 * definitions, RDS instances, log groups, target groups and load balancer,
 * each found as the deploy and down steps find them (names from core/names.ts,
 * kept only when tagged for the environment), and its record.
 */

import { type CloudWatchLogsClient, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancerAttributesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { type DBInstance, paginateDescribeDBInstances, type RDSClient } from '@aws-sdk/client-rds';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type {
  LiveCache,
  LiveDatabase,
  LiveLoadBalancer,
  LiveRecord,
  LiveSecretSource,
  LiveService,
  LiveState,
  LiveTaskDefinition,
} from '../core/live-plan.ts';
import { healthCheckText } from '../core/live-plan.ts';
import { environmentNames, serviceNames } from '../core/names.ts';
import type { Policy } from '../core/policy.ts';
import { imageExists } from '../functions/aws/ecr/image-exists.ts';
import { clusterServices } from '../functions/aws/ecs/cluster-services.ts';
import { environmentCaches } from '../functions/aws/elasticache/environment-caches.ts';
import { replicaCount } from '../functions/aws/elasticache/replication-group.ts';
import {
  findEnvironmentLoadBalancer,
  findEnvironmentTargetGroups,
} from '../functions/aws/elbv2/environment-load-balancer.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../functions/aws/environment-tags.ts';
import { mapConcurrently } from '../functions/bounded-concurrency.ts';
import { readEnvironment } from '../local/records.ts';

/** The clients the live state is read with. */
export interface LiveStateClients {
  readonly ecs: ECSClient;
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly logs: CloudWatchLogsClient;
  readonly dynamodb: DynamoDBClient;
  /** The environment's config values: their names, and which the services need that are missing. */
  readonly ssm: SSMClient;
  /** Whether a built service's image (its digest's tag) is in its repository already. */
  readonly ecr: ECRClient;
}

export interface LiveStateQuery extends EnvironmentIdentity {
  /** The environments table that holds the environment's record. */
  readonly tableName: string;
  /**
   * The API is the local emulator, whose ECS services keep no capacity provider
   * strategy or deployment configuration (docs/design.md §4; it reports launch
   * type EC2 instead): those are left out, and the plan takes them from the record.
   * @default false
   */
  readonly emulator?: boolean;
  /** The content-addressed images the request's builds make: each is looked up in its repository. @default none */
  readonly images?: ReadonlyArray<{ readonly repository: string; readonly imageTag: string }>;
}

/** DescribeTaskDefinition calls at once. */
const CONCURRENCY = 5;

/** Reads everything of the environment the live plan compares; missing resources are simply absent. */
export async function readLiveState(clients: LiveStateClients, query: LiveStateQuery): Promise<LiveState> {
  const owner = { project: query.project, environment: query.environment };
  const names = environmentNames(query.project, query.environment);
  const [record, services, databases, caches, logGroups, targetGroups, loadBalancer, images] =
    await Promise.all([
      readEnvironment(clients.dynamodb, query.tableName, query.project, query.environment),
      readServices(clients.ecs, names.cluster, owner, query.emulator === true),
      readDatabases(clients.rds, owner),
      readCaches(clients.elasticache, owner),
      readLogGroups(clients.logs, owner),
      findEnvironmentTargetGroups(clients.elbv2, names.targetGroupPrefix, owner),
      readLoadBalancer(clients.elbv2, names.loadBalancer, owner),
      builtImages(clients.ecr, query.images ?? []),
    ]);
  return {
    ...(record !== undefined ? { record: liveRecord(record) } : {}),
    services,
    databases,
    ...(caches.length > 0 ? { caches } : {}),
    logGroups,
    targetGroups: targetGroups.map((group) => ({
      name: group.TargetGroupName as string,
      ...(group.Port !== undefined ? { port: group.Port } : {}),
      ...(group.HealthCheckPath !== undefined ? { healthCheckPath: group.HealthCheckPath } : {}),
      ...(group.HealthCheckPort !== undefined ? { healthCheckPort: group.HealthCheckPort } : {}),
    })),
    ...(loadBalancer !== undefined ? { loadBalancer } : {}),
    images,
  };
}

/** `repository:tag` of each image that is in its repository (one DescribeImages each). */
async function builtImages(
  ecr: ECRClient,
  images: ReadonlyArray<{ readonly repository: string; readonly imageTag: string }>,
): Promise<string[]> {
  const found = await mapConcurrently(images, CONCURRENCY, async ({ repository, imageTag }) =>
    (await imageExists(ecr, repository, imageTag)) ? [`${repository}:${imageTag}`] : [],
  );
  return found.flat();
}

function liveRecord(record: NonNullable<Awaited<ReturnType<typeof readEnvironment>>>): LiveRecord {
  return {
    status: record.status,
    ...(record.mode !== undefined ? { mode: record.mode } : {}),
    ...(record.policy !== undefined ? { policy: record.policy as Partial<Policy> } : {}),
  };
}

// ── ECS ──────────────────────────────────────────────────────────────────────

/** The cluster's services tagged for the environment, not yet deleted, each with its task definition. */
async function readServices(
  ecs: ECSClient,
  cluster: string,
  owner: EnvironmentIdentity,
  emulator: boolean,
): Promise<LiveService[]> {
  const services = (await clusterServices(ecs, cluster)) ?? [];
  const ours = services.filter(
    (service) =>
      service.serviceName !== undefined &&
      service.status !== 'INACTIVE' &&
      isTaggedForEnvironment(service.tags, owner),
  );
  return mapConcurrently(ours, CONCURRENCY, async (service) => {
    const definition =
      service.taskDefinition === undefined
        ? undefined
        : (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })))
            .taskDefinition;
    const container = definition?.containerDefinitions?.find(
      (candidate) => candidate.name === service.serviceName,
    );
    return liveService(emulator ? withoutDeploymentSettings(service) : service, owner, definition, container);
  });
}

/** The service without what the emulator does not keep. */
function withoutDeploymentSettings(service: Service): Service {
  const {
    capacityProviderStrategy: _strategy,
    launchType: _launchType,
    deploymentConfiguration: _deployment,
    ...rest
  } = service;
  return rest;
}

function liveService(
  service: Service,
  owner: EnvironmentIdentity,
  definition: { cpu?: string | undefined; memory?: string | undefined } | undefined,
  container: ContainerDefinition | undefined,
): LiveService {
  const deployment = service.deploymentConfiguration;
  const capacity = capacityOf(service);
  const network = service.networkConfiguration?.awsvpcConfiguration?.assignPublicIp;
  return {
    name: service.serviceName as string,
    status: service.status ?? 'ACTIVE',
    ...(service.desiredCount !== undefined ? { desiredCount: service.desiredCount } : {}),
    ...(capacity !== undefined ? { capacityProvider: capacity } : {}),
    ...(deployment?.minimumHealthyPercent !== undefined
      ? { minimumHealthyPercent: deployment.minimumHealthyPercent }
      : {}),
    ...(deployment?.maximumPercent !== undefined ? { maximumPercent: deployment.maximumPercent } : {}),
    ...(service.enableExecuteCommand !== undefined ? { executeCommand: service.enableExecuteCommand } : {}),
    ...(network !== undefined ? { assignPublicIp: network } : {}),
    public: (service.loadBalancers ?? []).length > 0,
    ...(definition !== undefined && container !== undefined
      ? { taskDefinition: liveTaskDefinition(definition, container, owner) }
      : {}),
  };
}

/** `FARGATE`, `FARGATE:1+FARGATE_SPOT:3` for a mixed strategy, `launch type FARGATE` without one. */
function capacityOf(service: Service): string | undefined {
  const strategy = service.capacityProviderStrategy ?? [];
  if (strategy.length === 1) return strategy[0]?.capacityProvider;
  if (strategy.length > 1)
    return strategy.map((item) => `${item.capacityProvider}:${item.weight ?? 0}`).join('+');
  return service.launchType === undefined ? undefined : `launch type ${service.launchType}`;
}

function liveTaskDefinition(
  definition: { cpu?: string | undefined; memory?: string | undefined },
  container: ContainerDefinition,
  owner: EnvironmentIdentity,
): LiveTaskDefinition {
  const secretsPath = environmentNames(owner.project, owner.environment).secretsPath;
  const health = container.healthCheck;
  return {
    ...(definition.cpu !== undefined ? { cpu: Number(definition.cpu) } : {}),
    ...(definition.memory !== undefined ? { memory: Number(definition.memory) } : {}),
    ...(container.image !== undefined ? { image: container.image } : {}),
    environment: Object.fromEntries(
      (container.environment ?? []).flatMap((variable) =>
        variable.name === undefined ? [] : [[variable.name, variable.value ?? '']],
      ),
    ),
    secrets: (container.secrets ?? []).flatMap((secret) =>
      secret.name === undefined
        ? []
        : [{ name: secret.name, from: secretSource(secret.valueFrom, secretsPath) }],
    ),
    ports: (container.portMappings ?? [])
      .flatMap((port) =>
        port.containerPort === undefined ? [] : [`${port.containerPort}/${port.protocol ?? 'tcp'}`],
      )
      .sort(),
    ...(container.command?.length ? { command: container.command } : {}),
    ...(container.entryPoint?.length ? { entrypoint: container.entryPoint } : {}),
    ...(health?.command?.length
      ? {
          healthCheck: healthCheckText({
            command: health.command,
            intervalSeconds: health.interval ?? 30,
            timeoutSeconds: health.timeout ?? 5,
            retries: health.retries ?? 3,
            startPeriodSeconds: health.startPeriod ?? 0,
          }),
        }
      : {}),
  };
}

/**
 * Where a secret is read from, by its `valueFrom` as the task definition step
 * writes it (functions/aws/ecs/task-definition.ts secretReferences): a
 * parameter under the environment's path, or the `password` key of a secret.
 */
function secretSource(valueFrom: string | undefined, secretsPath: string): LiveSecretSource {
  const value = valueFrom ?? '';
  const parameter = value.indexOf(`:parameter${secretsPath}`);
  if (parameter >= 0) return { config: value.slice(parameter + `:parameter${secretsPath}`.length) };
  if (value.includes(':secretsmanager:') && value.endsWith(':password::')) return { database: true };
  return { other: value };
}

// ── RDS ──────────────────────────────────────────────────────────────────────

async function readDatabases(rds: RDSClient, owner: EnvironmentIdentity): Promise<LiveDatabase[]> {
  const found: LiveDatabase[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds }, {})) {
    for (const instance of page.DBInstances ?? []) {
      if (instance.DBInstanceIdentifier === undefined) continue;
      if (!isTaggedForEnvironment(instance.TagList, owner)) continue;
      found.push(liveDatabase(instance));
    }
  }
  return found;
}

/** The environment's caches as AWS reports them (`plan --endpoint`, `ps`). */
export async function readCaches(
  elasticache: ElastiCacheClient,
  owner: EnvironmentIdentity,
): Promise<LiveCache[]> {
  return (await environmentCaches(elasticache, owner)).map((group) => {
    const endpoint = group.NodeGroups?.[0]?.PrimaryEndpoint?.Address;
    return {
      replicationGroup: group.ReplicationGroupId as string,
      ...(group.Status !== undefined ? { status: group.Status } : {}),
      ...(group.CacheNodeType !== undefined ? { nodeType: group.CacheNodeType } : {}),
      replicas: replicaCount(group),
      ...(group.TransitEncryptionEnabled !== undefined
        ? { transitEncryption: group.TransitEncryptionEnabled }
        : {}),
      ...(group.AtRestEncryptionEnabled !== undefined
        ? { atRestEncryption: group.AtRestEncryptionEnabled }
        : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
    };
  });
}

function liveDatabase(instance: DBInstance): LiveDatabase {
  const pending = instance.PendingModifiedValues?.DBInstanceClass;
  const multiAz = instance.PendingModifiedValues?.MultiAZ ?? instance.MultiAZ;
  const backupRetentionDays =
    instance.PendingModifiedValues?.BackupRetentionPeriod ?? instance.BackupRetentionPeriod;
  return {
    instance: instance.DBInstanceIdentifier as string,
    ...(instance.DBInstanceStatus !== undefined ? { status: instance.DBInstanceStatus } : {}),
    ...(instance.DBInstanceClass !== undefined ? { instanceClass: instance.DBInstanceClass } : {}),
    ...(pending !== undefined ? { pendingInstanceClass: pending } : {}),
    ...(instance.DeletionProtection !== undefined ? { deletionProtection: instance.DeletionProtection } : {}),
    ...(instance.StorageEncrypted !== undefined ? { storageEncrypted: instance.StorageEncrypted } : {}),
    ...(multiAz !== undefined ? { multiAz } : {}),
    ...(backupRetentionDays !== undefined ? { backupRetentionDays } : {}),
  };
}

// ── CloudWatch Logs ──────────────────────────────────────────────────────────

/** The groups under `/modeshift/<project>/<environment>/`, where every service's group is. */
async function readLogGroups(logs: CloudWatchLogsClient, owner: EnvironmentIdentity) {
  const prefix = serviceNames(owner.project, owner.environment, '').logGroup;
  const found: Array<{ name: string; retentionInDays?: number }> = [];
  for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
    for (const group of page.logGroups ?? []) {
      if (!group.logGroupName?.startsWith(prefix)) continue;
      found.push({
        name: group.logGroupName,
        ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}),
      });
    }
  }
  return found;
}

// ── Elastic Load Balancing ───────────────────────────────────────────────────

async function readLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  name: string,
  owner: EnvironmentIdentity,
): Promise<LiveLoadBalancer | undefined> {
  const balancer = await findEnvironmentLoadBalancer(elbv2, name, owner);
  if (balancer?.LoadBalancerArn === undefined) return undefined;
  const { Attributes = [] } = await elbv2.send(
    new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
  );
  const attribute = (key: string) => Attributes.find((item) => item.Key === key)?.Value;
  const protection = attribute('deletion_protection.enabled');
  const accessLogs = attribute('access_logs.s3.enabled');
  return {
    name,
    ...(protection !== undefined ? { deletionProtection: protection === 'true' } : {}),
    ...(accessLogs !== undefined ? { accessLogs: accessLogs === 'true' } : {}),
  };
}
