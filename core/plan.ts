/**
 * The plan of a deployment: every resource a deploy creates or updates, with
 * its mode-specific settings, and what a down keeps or destroys. Pure: it
 * makes no AWS calls, so `modeshift plan` can show it anywhere.
 */

import { wireService } from './app-wiring.ts';
import { serviceScaling } from './autoscaling.ts';
import { defaultCacheVersion } from './cache-engines.ts';
import {
  cacheNames,
  databaseNames,
  environmentNames,
  executionName,
  publicZoneName,
  serviceAlarmNames,
  serviceNames,
} from './names.ts';
import type { Mode, Policy, ResolvedPolicy } from './policy.ts';
import { type DeployRequest, isLongRunning, type Service, SNS_TOPIC_ARN } from './request.ts';
import {
  isSharedNetworkEnvironment,
  type SharedNetworkSpec,
  sharedNetworkEnvironment,
  sharedNetworkSpec,
} from './shared-network.ts';
import { AUTOMATIC_POOL, parseCidr, type SubnetRole, subnetCidrs } from './vpc-cidr.ts';
import { MANAGED_RULE_GROUP_NAMES } from './waf-rules.ts';
import { deploymentWaves } from './waves.ts';

export type SettingValue = string | number | boolean | readonly string[];

/** One AWS resource a deploy creates or brings up to date. */
export interface PlannedResource {
  /** CloudFormation-style type name, e.g. `AWS::ECS::Service`. */
  readonly type: string;
  readonly name: string;
  /** The settings modeshift sets on it; mode-specific ones are listed in `fromPolicy`. */
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** Which policy settings decide this resource's settings. */
  readonly fromPolicy: readonly (keyof Policy)[];
  /**
   * What `down` does with it. `delete-when-unused`: a piece of the project's shared network
   * (core/shared-network.ts), deleted by the down that leaves no other environment in it.
   */
  readonly onDown: 'delete' | 'retain' | 'snapshot-then-delete' | 'delete-when-unused';
}

export interface DeploymentPlan {
  readonly executionName: string;
  /** The long-running services, each wave after the one it depends on. */
  readonly waves: readonly (readonly string[])[];
  /** The run-once services, in the order they run before the rollout. */
  readonly runOnce: readonly string[];
  /** The scheduled jobs and their schedules. */
  readonly jobs: ReadonlyArray<{ readonly name: string; readonly schedule: string }>;
  readonly resources: readonly PlannedResource[];
}

/** The subnets services run in: public with public IPs when there is no NAT gateway. */
export function taskNetworking(policy: Policy): { subnets: 'public' | 'private'; assignPublicIp: boolean } {
  return policy.natGateways === 'none'
    ? { subnets: 'public', assignPublicIp: true }
    : { subnets: 'private', assignPublicIp: false };
}

export function natGatewayCount(policy: Policy): number {
  return { none: 0, single: 1, 'per-az': 2 }[policy.natGateways];
}

/** Public services and the hostnames they answer on. */
export function publicHostnames(request: DeployRequest, production: boolean) {
  return request.services
    .filter((service) => service.public)
    .map((service) => {
      const own = service.domainname;
      const domain = own ?? request.domain;
      if (domain === undefined)
        return { service: service.name, zone: undefined, hostname: undefined, alias: false };
      const zone = publicZoneName(domain, request.environment, production);
      return {
        service: service.name,
        zone,
        hostname: own ? zone : `${service.name}.${zone}`,
        alias: own !== undefined,
      };
    });
}

/**
 * The project's shared network of the mode the environment goes into (`network: shared`), or null:
 * a network of its own (`network: dedicated`), or a team's VPC (`vpc`), which takes precedence. The
 * environment sits behind the shared load balancer when every public service has a host name to
 * route by.
 */
export function sharedNetworkOf(request: DeployRequest, resolved: ResolvedPolicy): SharedNetworkSpec | null {
  if (resolved.policy.network !== 'shared' || request.vpc !== undefined) return null;
  const hostnames = publicHostnames(request, resolved.mode === 'production');
  const routable = hostnames.length > 0 && hostnames.every((entry) => entry.hostname !== undefined);
  return sharedNetworkSpec(request.project, resolved.mode, routable);
}

/** Whether a planned resource is a piece of a shared network (`settings.owner` is `shared.<mode>`), not the environment's. */
export function isSharedNetworkPiece(resource: PlannedResource): boolean {
  const { owner } = resource.settings;
  return typeof owner === 'string' && isSharedNetworkEnvironment(owner);
}

/** How the plan names a shared network to a person: what the environment shares, and with whom. */
function describeSharedNetwork(mode: Mode, shared: SharedNetworkSpec, hasPublicServices: boolean): string {
  const others = `shared with its other ${mode} environments`;
  if (shared.loadBalancer) return `shared — the project's ${mode} VPC and load balancer, ${others}`;
  const own = hasPublicServices
    ? '; a load balancer of its own, since a public service has no host name to route by'
    : '';
  return `shared — the project's ${mode} VPC, ${others}${own}`;
}

type AddResource = (
  type: string,
  name: string,
  settings?: Record<string, SettingValue>,
  fromPolicy?: (keyof Policy)[],
  onDown?: PlannedResource['onDown'],
) => void;

/** The names of a VPC's pieces: the environment's own, or its shared network's. */
interface VpcNames {
  readonly prefix: string;
  readonly vpc: string;
}

/**
 * A VPC modeshift makes: its range, four subnets, internet gateway, route tables and NAT gateways.
 * `vpcSettings` are the VPC's settings besides its range.
 */
function planVpc(
  request: DeployRequest,
  policy: Policy,
  names: VpcNames,
  vpcSettings: Record<string, SettingValue>,
  add: AddResource,
): void {
  // Without a named range the VPC gets a free /16 at deploy; its subnets are the same sixteenths of it.
  const subnets = request.vpcCidr === undefined ? undefined : subnetCidrs(parseCidr(request.vpcCidr));
  const sixteenth = { 'public-a': '1st', 'public-b': '2nd', 'private-a': '9th', 'private-b': '10th' };
  const subnetRange = (role: SubnetRole) =>
    subnets?.[role] ?? `the ${sixteenth[role]} /20 of the VPC's range`;
  const { prefix } = names;
  add('AWS::EC2::VPC', names.vpc, {
    cidrBlock: request.vpcCidr ?? `a free /16 of ${AUTOMATIC_POOL}, picked at the first deploy`,
    ...vpcSettings,
  });
  (['a', 'b'] as const).forEach((zone, i) => {
    add('AWS::EC2::Subnet', `${prefix}-public-${zone}`, {
      cidrBlock: subnetRange(`public-${zone}`),
      availabilityZone: i,
      mapPublicIpOnLaunch: true,
    });
  });
  (['a', 'b'] as const).forEach((zone, i) => {
    add('AWS::EC2::Subnet', `${prefix}-private-${zone}`, {
      cidrBlock: subnetRange(`private-${zone}`),
      availabilityZone: i,
    });
  });
  add('AWS::EC2::InternetGateway', prefix);
  add('AWS::EC2::RouteTable', `${prefix}-public`, { defaultRoute: 'internet gateway' });
  const nats = natGatewayCount(policy);
  for (let i = 0; i < nats; i++) {
    const zone = 'ab'[i];
    add('AWS::EC2::NatGateway', `${prefix}-nat-${zone}`, { subnet: `${prefix}-public-${zone}` }, [
      'natGateways',
    ]);
  }
  const privateTables = policy.natGateways === 'per-az' ? ['a', 'b'] : ['shared'];
  for (const table of privateTables) {
    add(
      'AWS::EC2::RouteTable',
      `${prefix}-private${table === 'shared' ? '' : `-${table}`}`,
      { defaultRoute: nats === 0 ? 'none' : `${prefix}-nat-${table === 'shared' ? 'a' : table}` },
      ['natGateways'],
    );
  }
}

export function planDeployment(request: DeployRequest, resolved: ResolvedPolicy): DeploymentPlan {
  const { policy, mode } = resolved;
  const production = mode === 'production';
  const { project, environment } = request;
  const env = environmentNames(project, environment);
  const resources: PlannedResource[] = [];
  const add = (
    type: string,
    name: string,
    settings: Record<string, SettingValue> = {},
    fromPolicy: (keyof Policy)[] = [],
    onDown: PlannedResource['onDown'] = 'delete',
  ) => resources.push({ type, name, settings, fromPolicy, onDown });
  const shared = sharedNetworkOf(request, resolved);
  // The shared network's pieces: marked as its own, and deleted by the down of its last environment.
  const addShared: AddResource = (type, name, settings = {}, fromPolicy = []) =>
    add(type, name, { owner: sharedNetworkEnvironment(mode), ...settings }, fromPolicy, 'delete-when-unused');
  const publicServices = request.services.filter((service) => service.public);
  // Behind the shared load balancer, or a load balancer of the environment's own.
  const loadBalancer = shared?.loadBalancer ? shared.names.loadBalancer : env.loadBalancer;

  // Network: the environment's own VPC, the project's shared one of the mode (with only the
  // environment's security groups its own), or only its security groups in a team's VPC (`vpc`).
  if (request.vpc !== undefined) {
    add(
      'AWS::EC2::VPC',
      request.vpc.id,
      {
        owner: 'yours: modeshift adds only the security groups below and never deletes it',
        publicSubnets: request.vpc.publicSubnets.join(', '),
        privateSubnets: request.vpc.privateSubnets.join(', '),
        natGateways: 'none (the private subnets need their own way out)',
      },
      [],
      'retain',
    );
  } else if (shared !== null) {
    const network = describeSharedNetwork(mode, shared, publicServices.length > 0);
    planVpc(request, policy, shared.names, { network }, addShared);
  } else planVpc(request, policy, env, { dnsSearchDomain: env.privateZone }, add);
  const albIngress = { ingress: ['80/tcp', '443/tcp'] };
  if (publicServices.length > 0) {
    if (shared?.loadBalancer) addShared('AWS::EC2::SecurityGroup', shared.names.albSecurityGroup, albIngress);
    else add('AWS::EC2::SecurityGroup', env.albSecurityGroup, albIngress);
  }
  add('AWS::EC2::SecurityGroup', env.serviceSecurityGroup, {
    ingress: 'from the load balancer and other services',
  });
  if (request.databases.length > 0)
    add('AWS::EC2::SecurityGroup', env.databaseSecurityGroup, { ingress: '5432/tcp from services' });

  // Builds
  for (const service of request.services.filter((s) => s.build)) {
    const names = serviceNames(project, environment, service.name);
    add('AWS::ECR::Repository', names.ecrRepository, { imageTagMutability: 'MUTABLE' });
    add(
      'AWS::CodeBuild::Project',
      names.codeBuildProject,
      {
        computeType: policy.buildComputeType,
        source: service.build?.context ?? '',
        dockerfile: service.build?.dockerfile ?? 'Dockerfile',
      },
      ['buildComputeType'],
    );
  }

  // Logs: kept on down where access logs are (production), expiring by their retention.
  const logsOnDown = policy.retainAccessLogsOnDown ? 'retain' : 'delete';
  for (const service of request.services) {
    add(
      'AWS::Logs::LogGroup',
      serviceNames(project, environment, service.name).logGroup,
      { retentionInDays: policy.logRetentionDays },
      ['logRetentionDays', 'retainAccessLogsOnDown'],
      logsOnDown,
    );
  }

  // Databases
  if (request.databases.length > 0) add('AWS::RDS::DBSubnetGroup', env.dbSubnetGroup, { subnets: 'private' });
  for (const database of request.databases) {
    add(
      'AWS::RDS::DBInstance',
      databaseNames(project, environment, database.name).instance,
      {
        engine: database.engine,
        engineVersion: database.version,
        dbInstanceClass: policy.dbInstanceClass,
        allocatedStorageGiB: database.storageGiB,
        storageEncrypted: policy.storageEncrypted,
        deletionProtection: policy.dbDeletionProtection,
        multiAz: policy.dbMultiAz,
        backupRetentionDays: policy.dbBackupRetentionDays,
        applyImmediately: policy.applyImmediately,
        manageMasterUserPassword: true,
        databaseName: database.databaseName,
        masterUsername: database.username,
        ...(database.snapshot !== undefined ? { restoreFrom: database.snapshot } : {}),
      },
      [
        'dbInstanceClass',
        'storageEncrypted',
        'dbDeletionProtection',
        'dbMultiAz',
        'dbBackupRetentionDays',
        'applyImmediately',
        'finalSnapshotOnDown',
      ],
      policy.finalSnapshotOnDown ? 'snapshot-then-delete' : 'delete',
    );
  }

  // Caches
  if (request.caches.length > 0) {
    add('AWS::ElastiCache::SubnetGroup', env.cacheSubnetGroup, { subnets: 'private' });
    add('AWS::EC2::SecurityGroup', env.cacheSecurityGroup, { ingress: '6379 from the services' });
  }
  for (const cache of request.caches) {
    const replicas = policy.cacheReplicas;
    add(
      'AWS::ElastiCache::ReplicationGroup',
      cacheNames(project, environment, cache.name).replicationGroup,
      {
        engine: cache.engine,
        engineVersion: cache.version ?? defaultCacheVersion(cache.engine),
        cacheNodeType: policy.cacheNodeType,
        replicas,
        automaticFailover: replicas > 0,
        multiAz: replicas > 0,
        atRestEncryption: policy.storageEncrypted,
        transitEncryption: policy.cacheTransitEncryption,
        applyImmediately: policy.applyImmediately,
        ...(cache.snapshot !== undefined ? { restoreFrom: cache.snapshot } : {}),
      },
      [
        'cacheNodeType',
        'cacheReplicas',
        'cacheTransitEncryption',
        'storageEncrypted',
        'applyImmediately',
        'finalSnapshotOnDown',
      ],
      policy.finalSnapshotOnDown ? 'snapshot-then-delete' : 'delete',
    );
  }

  // Load balancer: the environment's own, with its access logs; or its place on the shared one (no
  // access logs there): its target groups, its certificate served by SNI and its host rules.
  const hostnames = publicHostnames(request, production);
  const zones = [...new Set(hostnames.flatMap((h) => (h.zone ? [h.zone] : [])))];
  if (publicServices.length > 0) {
    const onShared = shared?.loadBalancer === true;
    if (!onShared) {
      add(
        'AWS::S3::Bucket',
        `${env.prefix}-lb-logs-<account-hash>`,
        { purpose: 'load balancer access logs' },
        ['retainAccessLogsOnDown'],
        policy.retainAccessLogsOnDown ? 'retain' : 'delete',
      );
    }
    (onShared ? addShared : add)(
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      loadBalancer,
      { scheme: 'internet-facing', deletionProtection: policy.lbDeletionProtection, accessLogs: !onShared },
      ['lbDeletionProtection'],
    );
    if (policy.waf) {
      add(
        'AWS::WAFv2::WebACL',
        env.webAcl,
        {
          scope: 'REGIONAL',
          defaultAction: 'allow',
          rules: MANAGED_RULE_GROUP_NAMES.join(', '),
          associatedWith: loadBalancer,
        },
        ['waf'],
      );
    }
    for (const service of publicServices) {
      add(
        'AWS::ElasticLoadBalancingV2::TargetGroup',
        serviceNames(project, environment, service.name).targetGroup,
        {
          port: firstTcpPort(service),
          targetType: 'ip',
          healthCheckPath: service.loadBalancerCheck?.path ?? '/',
          ...(service.loadBalancerCheck?.port !== undefined &&
          service.loadBalancerCheck.port !== firstTcpPort(service)
            ? { healthCheckPort: service.loadBalancerCheck.port }
            : {}),
        },
      );
    }
    if (policy.deploymentAlarms !== 'off') {
      const givenTopic = request.notify?.find((recipient) => SNS_TOPIC_ARN.test(recipient));
      const emails = (request.notify ?? []).filter((recipient) => !SNS_TOPIC_ARN.test(recipient));
      if (givenTopic === undefined) {
        add(
          'AWS::SNS::Topic',
          env.alarmTopic,
          { purpose: 'deployment alarms', emailSubscriptions: emails.length },
          ['deploymentAlarms'],
        );
      }
      const notifies = givenTopic ?? env.alarmTopic;
      const rollback = policy.deploymentAlarms === 'rollback';
      for (const service of publicServices) {
        const alarms = serviceAlarmNames(env.alarmPrefix, service.name);
        const common = { period: '60 s, 2 of 3 breaching', notifies, rollback };
        add(
          'AWS::CloudWatch::Alarm',
          alarms.errors5xx,
          { metric: 'HTTPCode_Target_5XX_Count (Sum)', threshold: policy.alarm5xxPerMinute, ...common },
          ['deploymentAlarms', 'alarm5xxPerMinute'],
        );
        add(
          'AWS::CloudWatch::Alarm',
          alarms.latencyP95,
          { metric: 'TargetResponseTime (p95)', threshold: policy.alarmP95LatencySeconds, ...common },
          ['deploymentAlarms', 'alarmP95LatencySeconds'],
        );
      }
    }
    if (zones.length > 0) {
      add('AWS::CertificateManager::Certificate', env.prefix, {
        domains: zones.flatMap((zone) => [zone, `*.${zone}`]),
        validation: 'DNS',
      });
      (onShared ? addShared : add)(
        'AWS::ElasticLoadBalancingV2::Listener',
        `${loadBalancer}:80`,
        { protocol: 'HTTP', action: 'redirect to HTTPS', statusCode: policy.httpRedirectCode },
        ['httpRedirectCode'],
      );
      if (onShared) {
        addShared('AWS::ElasticLoadBalancingV2::Listener', `${loadBalancer}:443`, {
          protocol: 'HTTPS',
          defaultAction: '404',
          certificates: "each environment's, by SNI",
        });
        add('AWS::ElasticLoadBalancingV2::ListenerCertificate', `${loadBalancer}:443 ${env.prefix}`, {
          certificate: env.prefix,
          servedBy: 'SNI',
        });
        for (const host of hostnames) {
          if (host.hostname === undefined) continue;
          add('AWS::ElasticLoadBalancingV2::ListenerRule', `${loadBalancer}:443 ${host.hostname}`, {
            host: host.hostname,
            forwardTo: serviceNames(project, environment, host.service).targetGroup,
            priority: 'the lowest free',
          });
        }
      } else {
        add('AWS::ElasticLoadBalancingV2::Listener', `${loadBalancer}:443`, {
          protocol: 'HTTPS',
          routing: hostnames.map((h) => `${h.hostname ?? '*'} → ${h.service}`),
        });
      }
    } else {
      add('AWS::ElasticLoadBalancingV2::Listener', `${loadBalancer}:80`, {
        protocol: 'HTTP',
        action: `forward to ${publicServices[0]?.name}`,
        note: 'no domain: HTTP only, no certificate and no redirect',
      });
    }
  }

  // Containers
  const isRunOnce = (service: { readonly run?: 'once' | undefined }) => service.run === 'once';
  const withoutRunOnce = (service: (typeof request.services)[number]) => ({
    name: service.name,
    dependsOn: service.dependsOn.filter(
      (name) => !request.services.some((other) => other.name === name && isRunOnce(other)),
    ),
  });
  const waves = deploymentWaves(request.services.filter(isLongRunning).map(withoutRunOnce));
  const jobs = request.services.flatMap((service) =>
    service.schedule === undefined ? [] : [{ name: service.name, schedule: service.schedule }],
  );
  const runOnce = deploymentWaves(request.services.filter(isRunOnce)).flat();
  const waveOf = new Map(waves.flatMap((names, i) => names.map((name) => [name, i] as const)));
  const networking = taskNetworking(policy);
  add(
    'AWS::ECS::Cluster',
    env.cluster,
    { capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProvider: policy.capacityProvider },
    ['capacityProvider'],
  );
  for (const service of request.services) {
    const names = serviceNames(project, environment, service.name);
    const wiring = wireService(service, request.databases, request.caches, policy.cacheTransitEncryption);
    add('AWS::ECS::TaskDefinition', names.taskFamily, {
      cpu: service.cpu,
      memory: service.memory,
      image: service.image ?? `<ecr>/${names.ecrRepository}:${request.deploymentId}`,
      logGroup: names.logGroup,
      environmentVariables: Object.keys(wiring.environment).length,
      secrets: wiring.secrets.map(({ name, from }) =>
        'config' in from
          ? `${name}←${env.secretsPath}${from.config}`
          : `${name}←${from.database} password (RDS-managed secret)`,
      ),
      executionRole: `${names.executionRole} (reads only these secrets)`,
      taskRole: taskRoleOf(service, names.taskRole, policy.executeCommand),
    });
    if (isRunOnce(service)) {
      add('AWS::ECS::Task', `${names.taskFamily} (run once)`, {
        runs: `before the rollout, step ${runOnce.indexOf(service.name) + 1} of ${runOnce.length}`,
        capacityProvider: 'FARGATE',
        failure: 'stops the deploy before any service changes',
        subnets: networking.subnets,
        assignPublicIp: networking.assignPublicIp,
      });
      continue;
    }
    if (service.schedule !== undefined) {
      add('AWS::Scheduler::Schedule', `${env.scheduleGroup}/${service.name}`, {
        schedule: `${service.schedule} UTC`,
        state: request.pauseSchedules ? 'DISABLED' : 'ENABLED',
        runs: `one task of ${names.taskFamily}`,
        capacityProvider: 'FARGATE',
        subnets: networking.subnets,
        assignPublicIp: networking.assignPublicIp,
      });
      continue;
    }
    add(
      'AWS::ECS::Service',
      names.ecsService,
      {
        desiredCount: service.replicas,
        capacityProvider: policy.capacityProvider,
        deploymentStrategy: policy.deploymentStrategy,
        minimumHealthyPercent: policy.minimumHealthyPercent,
        maximumPercent: policy.maximumPercent,
        circuitBreaker: true,
        circuitBreakerRollback: policy.circuitBreakerRollback,
        executeCommand: policy.executeCommand,
        wave: waveOf.get(service.name) ?? 0,
        subnets: networking.subnets,
        assignPublicIp: networking.assignPublicIp,
      },
      [
        'capacityProvider',
        'deploymentStrategy',
        'minimumHealthyPercent',
        'maximumPercent',
        'circuitBreakerRollback',
        'executeCommand',
        'natGateways',
      ],
    );
    const scaling = serviceScaling(service, policy);
    if (scaling !== undefined) {
      add(
        'AWS::ApplicationAutoScaling::ScalableTarget',
        `service/${env.cluster}/${service.name}`,
        {
          minCapacity: scaling.min,
          maxCapacity: scaling.max,
          targetCpuPercent: scaling.cpuPercent,
          bounds: service.scaling === undefined ? 'the mode' : 'x-modeshift.scaling',
        },
        ['autoscaling', 'autoscalingCpuPercent', 'autoscalingMaxFactor'],
      );
    }
  }

  // DNS
  const recordSettings = { ttl: policy.dnsTtlSeconds, writeMode: policy.dnsWriteMode };
  const dnsPolicy: (keyof Policy)[] = ['dnsTtlSeconds', 'dnsWriteMode'];
  for (const zone of zones) {
    add(
      'AWS::Route53::HostedZone',
      zone,
      { visibility: 'public', destroyOnDown: policy.destroyZoneOnDown },
      ['destroyZoneOnDown'],
      policy.destroyZoneOnDown ? 'delete' : 'retain',
    );
    add(
      'AWS::Route53::RecordSet',
      `_validation.${zone}`,
      { type: 'CNAME', purpose: 'certificate validation', ...recordSettings },
      dnsPolicy,
    );
  }
  for (const host of hostnames) {
    if (!host.hostname) continue;
    if (host.alias) {
      add(
        'AWS::Route53::RecordSet',
        host.hostname,
        { type: 'A', alias: loadBalancer, writeMode: policy.dnsWriteMode },
        ['dnsWriteMode'],
      );
    } else {
      add(
        'AWS::Route53::RecordSet',
        host.hostname,
        { type: 'CNAME', target: loadBalancer, ...recordSettings },
        dnsPolicy,
      );
    }
  }
  add('AWS::ServiceDiscovery::PrivateDnsNamespace', env.privateZone, {
    visibility: 'private',
    vpc: shared === null ? env.vpc : shared.names.vpc,
  });
  for (const service of request.services) {
    add(
      'AWS::ServiceDiscovery::Service',
      `${service.name}.${env.privateZone}`,
      { type: 'A', ttl: policy.serviceDiscoveryTtlSeconds },
      ['serviceDiscoveryTtlSeconds'],
    );
  }
  for (const database of request.databases) {
    add(
      'AWS::Route53::RecordSet',
      `${database.name}.${env.privateZone}`,
      {
        type: 'CNAME',
        target: `${databaseNames(project, environment, database.name).instance} endpoint`,
        ...recordSettings,
      },
      dnsPolicy,
    );
  }

  if (jobs.length > 0)
    add('AWS::Scheduler::ScheduleGroup', env.scheduleGroup, { schedules: jobs.length, tagged: true });

  // Expiry
  if (request.ttl !== undefined) {
    add('AWS::Scheduler::Schedule', env.expirySchedule, {
      after: request.ttl,
      action: 'Down Requested',
      oneTime: true,
    });
  }

  return {
    executionName: executionName(project, environment, request.deploymentId),
    waves,
    runOnce,
    jobs,
    resources,
  };
}

/** The app's credentials, as the plan shows them (functions/aws/iam/task-role.ts). */
function taskRoleOf(service: Service, created: string, executeCommand: boolean): string {
  if (service.role !== undefined) return `${service.role} (pre-created)`;
  const policies = service.policies ?? [];
  if (policies.length > 0)
    return `${created} (${policies.join(', ')}${executeCommand ? ', ECS Exec channel' : ''}; app boundary)`;
  return executeCommand ? `${created} (ECS Exec channel only; app boundary)` : 'none';
}

function firstTcpPort(service: Service): number {
  return service.ports.find((port) => port.protocol === 'tcp')?.target ?? 80;
}
