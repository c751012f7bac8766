/**
 * An environment's actual state, read back from the AWS API it was deployed
 * to: what the demo shows per mode and what the end-to-end tests check. Where
 * the emulator does not keep a setting (docs/design.md §4: ECS services' capacity and
 * deployment configuration), the value the workflow sent is shown instead and
 * marked so.
 */

import { type CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetProjectsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  DescribeNatGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetRolePolicyCommand,
  type IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type RDSClient } from '@aws-sdk/client-rds';
import {
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { accessLogBucketName, databaseNames, environmentNames, serviceNames } from '../core/names.ts';
import type { Mode } from '../core/policy.ts';
import { type SharedNetworkSpec, sharedNetworkMode, sharedNetworkNames } from '../core/shared-network.ts';
import { executionRolePath } from '../functions/aws/iam/execution-role.ts';
import type { RecordedCall, Target } from './target.ts';

/** One setting as read back; `sent` marks a value taken from the call because the API does not keep it. */
export interface ReadValue {
  readonly value: string;
  readonly sent?: boolean;
}

export interface EnvironmentState {
  readonly buildComputeType: ReadValue;
  readonly capacityProvider: ReadValue;
  readonly serviceCapacityProvider: ReadValue;
  readonly deploymentConfiguration: ReadValue;
  readonly dbInstanceClass: ReadValue;
  readonly storageEncrypted: ReadValue;
  readonly dbDeletionProtection: ReadValue;
  readonly dbMultiAz: ReadValue;
  readonly dbBackupRetentionDays: ReadValue;
  readonly logRetentionDays: ReadValue;
  readonly natGateways: ReadValue;
  readonly httpRedirectCode: ReadValue;
  readonly lbDeletionProtection: ReadValue;
  readonly dnsTtlSeconds: ReadValue;
}

const NONE: ReadValue = { value: '—' };

function clientsOf(target: Target) {
  return {
    codebuild: target.clients('codebuild') as CodeBuildClient,
    logs: target.clients('cloudwatchlogs') as CloudWatchLogsClient,
    ec2: target.clients('ec2') as EC2Client,
    ecs: target.clients('ecs') as ECSClient,
    elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
    rds: target.clients('rds') as RDSClient,
    route53: target.clients('route53') as Route53Client,
    s3: target.clients('s3') as S3Client,
  };
}

const distinct = (values: Array<string | undefined>): ReadValue => {
  const found = [...new Set(values.filter((value): value is string => value !== undefined && value !== ''))];
  return found.length === 0 ? NONE : { value: found.join(', ') };
};

async function quietly<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/**
 * The VPC the environment runs in: its own, else the one its security groups
 * are in (the project's shared network, or a team's), with the shared
 * network's mode when it is one.
 */
async function environmentVpc(
  ec2: EC2Client,
  project: string,
  environment: string,
): Promise<{ vpcId?: string; sharedMode?: Mode }> {
  const Filters = [
    { Name: 'tag:modeshift:project', Values: [project] },
    { Name: 'tag:modeshift:environment', Values: [environment] },
  ];
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters }));
  if (Vpcs[0]?.VpcId !== undefined) return { vpcId: Vpcs[0].VpcId };
  const { SecurityGroups = [] } = await ec2.send(new DescribeSecurityGroupsCommand({ Filters }));
  const vpcId = SecurityGroups.find((group) => group.VpcId !== undefined)?.VpcId;
  if (vpcId === undefined) return {};
  const { Vpcs: other = [] } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  const sharedMode = sharedNetworkMode(
    other[0]?.Tags?.find((tag) => tag.Key === 'modeshift:environment')?.Value,
  );
  return sharedMode === undefined ? { vpcId } : { vpcId, sharedMode };
}

async function loadBalancerArn(elbv2: ElasticLoadBalancingV2Client, name: string) {
  const found = await quietly(() => elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] })));
  return found?.LoadBalancers?.[0]?.LoadBalancerArn;
}

/** The last ECS service call the workflow sent for this cluster. */
function lastServiceCall(calls: readonly RecordedCall[], cluster: string) {
  return calls
    .filter(
      (call) =>
        (call.command === 'CreateServiceCommand' || call.command === 'UpdateServiceCommand') &&
        call.input.cluster === cluster,
    )
    .at(-1)?.input as
    | {
        capacityProviderStrategy?: Array<{ capacityProvider?: string }>;
        deploymentConfiguration?: DeploymentConfigurationSent;
      }
    | undefined;
}

interface DeploymentConfigurationSent {
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
}

function describeDeploymentConfiguration(
  config: DeploymentConfigurationSent | undefined,
): string | undefined {
  if (!config) return undefined;
  const breaker = config.deploymentCircuitBreaker;
  return `min ${config.minimumHealthyPercent}% / max ${config.maximumPercent}%${breaker?.enable ? `, breaker${breaker.rollback ? '+rollback' : ''}` : ''}`;
}

export async function readEnvironmentState(
  target: Target,
  project: string,
  environment: string,
  services: { built: readonly string[]; all: readonly string[]; databases: readonly string[] },
): Promise<EnvironmentState> {
  const aws = clientsOf(target);
  const names = environmentNames(project, environment);

  const projects = services.built.length
    ? await aws.codebuild.send(
        new BatchGetProjectsCommand({
          names: services.built.map((name) => serviceNames(project, environment, name).codeBuildProject),
        }),
      )
    : { projects: [] };

  const clusters = await aws.ecs.send(new DescribeClustersCommand({ clusters: [names.cluster] }));
  const described = services.all.length
    ? await aws.ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [...services.all] }))
    : { services: [] };
  const kept = described.services?.find((service) => service.deploymentConfiguration !== undefined);
  const sent = lastServiceCall(target.calls, names.cluster);

  const databases = await Promise.all(
    services.databases.map((name) =>
      quietly(() =>
        aws.rds.send(
          new DescribeDBInstancesCommand({
            DBInstanceIdentifier: databaseNames(project, environment, name).instance,
          }),
        ),
      ),
    ),
  );
  const instances = databases.flatMap((result) => result?.DBInstances ?? []);

  const logGroups = await aws.logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: `/modeshift/${project}/${environment}/` }),
  );

  const { vpcId, sharedMode } = await environmentVpc(aws.ec2, project, environment);
  const nats = vpcId
    ? await aws.ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }))
    : { NatGateways: [] };

  // Its own load balancer, else the shared network's it sits behind.
  const albArn =
    (await loadBalancerArn(aws.elbv2, names.loadBalancer)) ??
    (sharedMode === undefined
      ? undefined
      : await loadBalancerArn(aws.elbv2, sharedNetworkNames(project, sharedMode).loadBalancer));
  const listeners = albArn
    ? await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: albArn }))
    : undefined;
  const attributes = albArn
    ? await aws.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: albArn }))
    : undefined;

  return {
    buildComputeType: distinct((projects.projects ?? []).map((p) => p.environment?.computeType)),
    capacityProvider: distinct(
      (clusters.clusters?.[0]?.defaultCapacityProviderStrategy ?? []).map((s) => s.capacityProvider),
    ),
    serviceCapacityProvider: described.services?.some((service) => service.capacityProviderStrategy?.length)
      ? distinct(
          (described.services ?? []).flatMap((s) =>
            (s.capacityProviderStrategy ?? []).map((c) => c.capacityProvider),
          ),
        )
      : { ...distinct((sent?.capacityProviderStrategy ?? []).map((c) => c.capacityProvider)), sent: true },
    deploymentConfiguration: kept
      ? {
          value:
            describeDeploymentConfiguration(kept.deploymentConfiguration as DeploymentConfigurationSent) ??
            '—',
        }
      : { value: describeDeploymentConfiguration(sent?.deploymentConfiguration) ?? '—', sent: true },
    dbInstanceClass: distinct(instances.map((i) => i.DBInstanceClass)),
    storageEncrypted: distinct(instances.map((i) => String(i.StorageEncrypted))),
    dbDeletionProtection: distinct(instances.map((i) => String(i.DeletionProtection))),
    dbMultiAz: distinct(instances.map((i) => String(i.MultiAZ))),
    dbBackupRetentionDays: distinct(instances.map((i) => String(i.BackupRetentionPeriod))),
    logRetentionDays: distinct(
      (logGroups.logGroups ?? []).map((g) =>
        g.retentionInDays === undefined ? 'never expire' : String(g.retentionInDays),
      ),
    ),
    natGateways: {
      value: String(
        (nats.NatGateways ?? []).filter((nat) => nat.State === 'available' || nat.State === 'pending').length,
      ),
    },
    httpRedirectCode: distinct(
      (listeners?.Listeners ?? [])
        .filter((listener) => listener.Port === 80)
        .flatMap((listener) =>
          (listener.DefaultActions ?? []).map((action) => action.RedirectConfig?.StatusCode),
        ),
    ),
    lbDeletionProtection: distinct(
      (attributes?.Attributes ?? [])
        .filter((a) => a.Key === 'deletion_protection.enabled')
        .map((a) => a.Value),
    ),
    dnsTtlSeconds: await recordTtls(aws.route53, names.privateZone),
  };
}

/** TTLs of the non-alias records in the environment's private zone (the databases' names). */
async function recordTtls(route53: Route53Client, privateZone: string): Promise<ReadValue> {
  const zones: Array<{ Id?: string | undefined }> = [];
  let marker: string | undefined;
  do {
    const page = await route53.send(new ListHostedZonesCommand({ ...(marker ? { Marker: marker } : {}) }));
    // Emulators may suffix the namespace's zone name, so match by prefix.
    zones.push(
      ...(page.HostedZones ?? []).filter((zone) => zone.Name?.replace(/\.$/, '').startsWith(privateZone)),
    );
    marker = page.IsTruncated ? page.NextMarker : undefined;
  } while (marker);
  const ttls: string[] = [];
  for (const zone of zones) {
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
    );
    for (const record of ResourceRecordSets) {
      if (record.Type === 'CNAME' && record.TTL !== undefined) ttls.push(String(record.TTL));
    }
  }
  return distinct(ttls);
}

/** What a down left behind and what it removed. */
export interface TeardownState {
  readonly retained: string[];
  readonly destroyed: string[];
}

export async function readTeardownState(
  target: Target,
  project: string,
  environment: string,
  databases: readonly string[],
  zone: string | undefined,
  /**
   * The project's shared network the environment ran in (`network: shared`): its VPC and, behind the
   * shared load balancer, that load balancer are read instead of ones of the environment's own, and
   * there is no access-log bucket. @default a network of its own
   */
  shared: SharedNetworkSpec | null = null,
): Promise<TeardownState> {
  const aws = clientsOf(target);
  const names = environmentNames(project, environment);
  const retained: string[] = [];
  const destroyed: string[] = [];
  const note = (exists: boolean, what: string) => (exists ? retained : destroyed).push(what);

  for (const database of databases) {
    const instance = databaseNames(project, environment, database).instance;
    const snapshots = await quietly(() =>
      aws.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance })),
    );
    const finals = (snapshots?.DBSnapshots ?? []).filter((s) =>
      s.DBSnapshotIdentifier?.startsWith(`${instance}-final-`),
    );
    note(
      finals.length > 0,
      `final snapshot of ${instance}${finals[0] ? ` (${finals[0].DBSnapshotIdentifier})` : ''}`,
    );
    const live = await quietly(() =>
      aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance })),
    );
    note(
      (live?.DBInstances ?? []).some((i) => i.DBInstanceStatus !== 'deleting'),
      `database ${instance}`,
    );
  }
  const bucket = accessLogBucketName(project, environment, target.names.accountId, target.names.region);
  if (shared?.loadBalancer !== true)
    note(
      (await quietly(() => aws.s3.send(new HeadBucketCommand({ Bucket: bucket })))) !== undefined,
      `access-log bucket ${bucket}`,
    );
  const groups = await aws.logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: `/modeshift/${project}/${environment}/` }),
  );
  const groupCount = (groups.logGroups ?? []).length;
  note(
    groupCount > 0,
    `log groups /modeshift/${project}/${environment}/*${groupCount > 0 ? ` (${groupCount})` : ''}`,
  );
  if (zone) {
    const { HostedZones = [] } = await aws.route53.send(new ListHostedZonesByNameCommand({ DNSName: zone }));
    note(
      HostedZones.some((z) => z.Name === `${zone}.`),
      `hosted zone ${zone}`,
    );
  }
  // A shared network's pieces go with the last of its environments: shown as the shared network's.
  const balancer = shared?.loadBalancer === true ? shared.names.loadBalancer : names.loadBalancer;
  note(
    (await loadBalancerArn(aws.elbv2, balancer)) !== undefined,
    `load balancer ${balancer}${shared?.loadBalancer === true ? ' (shared)' : ''}`,
  );
  const vpc =
    shared === null
      ? (await environmentVpc(aws.ec2, project, environment)).vpcId
      : (await environmentVpc(aws.ec2, project, shared.environment)).vpcId;
  note(vpc !== undefined, shared === null ? `VPC ${names.vpc}` : `VPC ${shared.names.vpc} (shared)`);
  const clusters = await aws.ecs.send(new DescribeClustersCommand({ clusters: [names.cluster] }));
  note(
    (clusters.clusters ?? []).some((c) => c.status === 'ACTIVE'),
    `ECS cluster ${names.cluster}`,
  );
  const path = executionRolePath(project, environment);
  const { Roles = [] } = await (target.clients('iam') as IAMClient).send(
    new ListRolesCommand({ PathPrefix: path }),
  );
  note(Roles.length > 0, `execution roles ${path}*${Roles.length > 0 ? ` (${Roles.length})` : ''}`);
  return { retained, destroyed };
}

/** How a service's container is wired, as its live task definition and execution role say. */
export interface ServiceWiringState {
  readonly service: string;
  readonly taskDefinition: string;
  /** The database and cache connection settings among its environment (`PG*`, `REDIS_*`). */
  readonly connection: Readonly<Record<string, string>>;
  /** Each secret: the variable and where ECS reads it from. */
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly valueFrom: string }>;
  readonly executionRole: string;
  /** What the execution role's policy lets it read: the secrets' and parameters' ARNs. */
  readonly readable: readonly string[];
}

/** The service's wiring, read back from its ECS service's task definition and its execution role. */
export async function readServiceWiring(
  target: Target,
  project: string,
  environment: string,
  service: string,
): Promise<ServiceWiringState> {
  const ecs = target.clients('ecs') as ECSClient;
  const iam = target.clients('iam') as IAMClient;
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({
      cluster: environmentNames(project, environment).cluster,
      services: [service],
    }),
  );
  const taskDefinitionArn = services[0]?.taskDefinition ?? '';
  const { taskDefinition } = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
  );
  const container = taskDefinition?.containerDefinitions?.[0];
  const executionRole = taskDefinition?.executionRoleArn ?? '';
  const roleName = executionRole.slice(executionRole.lastIndexOf('/') + 1);
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const readable: string[] = [];
  for (const policyName of PolicyNames) {
    const { PolicyDocument = '{}' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyDocument)) as {
      Statement: Array<{ Action: string[]; Resource: string[] }>;
    };
    for (const statement of document.Statement) {
      if (
        statement.Action.some((action) => /^(ssm:GetParameters|secretsmanager:GetSecretValue)$/.test(action))
      )
        readable.push(...statement.Resource);
    }
  }
  return {
    service,
    taskDefinition: taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1),
    connection: Object.fromEntries(
      (container?.environment ?? [])
        .filter((variable) => /^(PG|REDIS_)/.test(variable.name ?? ''))
        .map((variable) => [variable.name as string, variable.value ?? '']),
    ),
    secrets: (container?.secrets ?? []).map((secret) => ({
      name: secret.name ?? '',
      valueFrom: secret.valueFrom ?? '',
    })),
    executionRole,
    readable,
  };
}
