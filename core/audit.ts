/**
 * An environment audited against what its record, its compose file and its
 * mode say it should be (`modeshift audit`, docs/cli.md). Pure: the reads are
 * in cli/audit-state.ts. Three kinds of finding:
 *
 * - orphan: a live resource of the environment that nothing accounts for: a
 *   service, database or other resource the compose file no longer names, a
 *   kind of resource modeshift never makes, or, after a down, anything beyond
 *   what the mode keeps;
 * - drift: a policy setting read back from AWS that differs from the mode and
 *   overrides the environment was deployed with;
 * - missing: what a deployed environment should have and does not.
 */
import { type ServiceScaling, scalingResourceId, serviceScaling } from './autoscaling.ts';
import type { DeployInput } from './execution-input.ts';
import { serviceNames } from './names.ts';
import { natGatewayCount } from './plan.ts';
import type { Policy, SettingName } from './policy.ts';
import { SNS_TOPIC_ARN } from './request.ts';

/** The kinds of resource an environment has, as the audit names them. */
export type ResourceType =
  | 'vpc'
  | 'subnet'
  | 'route-table'
  | 'internet-gateway'
  | 'security-group'
  | 'nat-gateway'
  | 'elastic-ip'
  | 'ecs-cluster'
  | 'ecs-service'
  /** A task of a service or of a run-once service: the audit counts their services and definitions instead. */
  | 'ecs-task'
  | 'task-definition'
  | 'load-balancer'
  | 'target-group'
  | 'log-group'
  | 'db-instance'
  | 'db-subnet-group'
  | 'cache'
  | 'cache-subnet-group'
  | 'final-snapshot'
  | 'automated-snapshot'
  | 'certificate'
  | 'access-log-bucket'
  | 'repository'
  | 'build-project'
  | 'namespace'
  | 'hosted-zone'
  | 'execution-role'
  /** A task role modeshift created for an app (`x-modeshift.policies`, or the ECS Exec channel). */
  | 'task-role'
  | 'build-role'
  | 'expiry-schedule'
  /** The scheduled jobs' EventBridge Scheduler group, and a job's schedule in it (named after the job). */
  | 'schedule-group'
  | 'job-schedule'
  /** A public service's deployment alarm (5xx or p95), and the SNS topic they tell. */
  | 'deployment-alarm'
  | 'alarm-topic'
  /** The WAF web ACL in front of the load balancer (`waf`). */
  | 'web-acl'
  /**
   * A service's Application Auto Scaling target. The tagging API names it by AWS's id, so the
   * resource checks skip it; the audit reads the targets by service instead (`scalingFindings`).
   */
  | 'scalable-target'
  | 'config-value'
  | 'other';

/** A live resource of the environment: its kind, its name (or id), and where it is known by ARN. */
export interface AuditResource {
  readonly type: ResourceType;
  readonly name: string;
  readonly arn?: string;
}

/** One setting read back from one resource. */
export interface ObservedSetting {
  readonly setting: SettingName;
  /** The resource it was read from, `type name`. */
  readonly resource: string;
  readonly value: string;
  /**
   * The value is a floor, not a match: a shared network's NAT gateways are the most any of its
   * environments asked for, so more than the mode wants is no drift.
   */
  readonly atLeast?: boolean;
}

/** A service's autoscaling as Application Auto Scaling has it registered. */
export interface ObservedScaling {
  readonly service: string;
  readonly min: number;
  readonly max: number;
  /** Its CPU policy's target; absent when it has none. */
  readonly cpuPercent?: number;
}

/** What the reads found: every live resource of the environment, and the settings AWS reports. */
export interface ObservedEnvironment {
  readonly resources: readonly AuditResource[];
  readonly settings: readonly ObservedSetting[];
  /** Each scalable target of the environment's services. @default not read: no finding about autoscaling */
  readonly scaling?: readonly ObservedScaling[];
}

/** What the environment should be: deployed from `input`, or taken down under `policy`. */
export type AuditExpectation =
  | { readonly state: 'deployed'; readonly input: DeployInput }
  | { readonly state: 'down'; readonly policy: Policy | undefined };

export type FindingKind = 'orphan' | 'drift' | 'missing';

export interface Finding {
  readonly kind: FindingKind;
  /** `type name` of the resource. */
  readonly resource: string;
  readonly setting?: SettingName;
  readonly expected?: string;
  readonly actual?: string;
  /** One line, as `audit` prints it after the kind. */
  readonly detail: string;
}

const label = (resource: Pick<AuditResource, 'type' | 'name'>) => `${resource.type} ${resource.name}`;

/** The resources of a deployed environment modeshift creates once per environment, when the input needs them. */
type Singleton = Extract<
  ResourceType,
  | 'vpc'
  | 'internet-gateway'
  | 'ecs-cluster'
  | 'load-balancer'
  | 'db-subnet-group'
  | 'cache-subnet-group'
  | 'access-log-bucket'
  | 'namespace'
  | 'build-role'
  | 'expiry-schedule'
  | 'schedule-group'
  | 'alarm-topic'
  | 'web-acl'
  | 'certificate'
>;

/** Resources inside the VPC, made with it; the audit counts them with it, not one by one. */
const NETWORK_PARTS: ReadonlySet<ResourceType> = new Set([
  'subnet',
  'route-table',
  'internet-gateway',
  'security-group',
  'elastic-ip',
]);

/** What a deployed environment is made of, named, from its deploy input. */
export interface ExpectedResources {
  /** Resources that must exist, by `type name`. */
  readonly required: ReadonlyMap<string, AuditResource>;
  /** Kinds of resource of which exactly the required ones are accounted for; any other is an orphan. */
  readonly named: ReadonlySet<ResourceType>;
  /** Singletons the input needs; one of these without the input needing it is an orphan. */
  readonly singletons: ReadonlySet<Singleton>;
}

export function expectedResources(input: DeployInput): ExpectedResources {
  const required = new Map<string, AuditResource>();
  const add = (type: ResourceType, name: string) => required.set(label({ type, name }), { type, name });
  const { project, environment, names } = input;
  const services = input.waves.flatMap((wave) => wave.services.map((service) => service.name));
  // In a team's own VPC (`vpc`) or the project's shared network the environment has only its security
  // groups: no VPC or gateway of its own; behind the shared load balancer, no load balancer of its own.
  const shared = input.sharedNetwork ?? null;
  const modeshiftVpc = (input.vpc ?? null) === null && shared === null;
  const ownLoadBalancer = input.hasPublicServices && shared?.loadBalancer !== true;
  if (modeshiftVpc) add('vpc', names.vpc);
  add('ecs-cluster', names.cluster);
  add('namespace', names.privateZone);
  for (const service of services) add('ecs-service', serviceNames(project, environment, service).ecsService);
  for (const job of input.jobs ?? []) add('job-schedule', job.name);
  for (const service of input.taskRoles ?? [])
    add('task-role', serviceNames(project, environment, service).taskRole);
  // A run-once service or a job has no ECS service, but a task definition, a log group and a role like the others.
  const tasks = [...(input.runOnce ?? []), ...(input.jobs ?? [])].map((task) => task.name);
  for (const service of [...services, ...tasks]) {
    const named = serviceNames(project, environment, service);
    add('task-definition', named.taskFamily);
    add('log-group', named.logGroup);
    add('execution-role', named.executionRole);
  }
  for (const build of input.builds) {
    const named = serviceNames(project, environment, build.service);
    add('repository', named.ecrRepository);
    add('build-project', named.codeBuildProject);
  }
  for (const group of input.targetGroups) add('target-group', group.name);
  for (const database of input.databases) add('db-instance', database.instance);
  for (const cache of input.caches ?? []) add('cache', cache.replicationGroup);
  for (const zone of input.zones) add('hosted-zone', zone.name);
  if (ownLoadBalancer) add('load-balancer', names.loadBalancer);
  const singletons = new Set<Singleton>(['ecs-cluster', 'namespace']);
  if (modeshiftVpc) {
    singletons.add('vpc');
    singletons.add('internet-gateway');
  }
  if (ownLoadBalancer) {
    singletons.add('load-balancer');
    singletons.add('access-log-bucket');
  }
  if (input.hasDatabases) singletons.add('db-subnet-group');
  if (input.hasCaches) singletons.add('cache-subnet-group');
  if (input.hasBuilds) singletons.add('build-role');
  if (input.expiry.enabled) singletons.add('expiry-schedule');
  if ((input.jobs ?? []).length > 0) singletons.add('schedule-group');
  if (input.zones.length > 0) singletons.add('certificate');
  // `policy` is absent from inputs built before these settings existed: such a deploy made none of them.
  const policy: Partial<Policy> = input.policy ?? {};
  if (input.hasPublicServices && policy.deploymentAlarms !== undefined && policy.deploymentAlarms !== 'off') {
    for (const group of input.targetGroups) {
      add('deployment-alarm', `${names.alarmPrefix}--${group.service}--5xx`);
      add('deployment-alarm', `${names.alarmPrefix}--${group.service}--p95`);
    }
    if (!(input.notify ?? []).some((recipient) => SNS_TOPIC_ARN.test(recipient)))
      singletons.add('alarm-topic');
  }
  if (input.hasPublicServices && policy.waf === true) singletons.add('web-acl');
  return {
    required,
    named: new Set([
      'ecs-service',
      'task-definition',
      'log-group',
      'execution-role',
      'task-role',
      'repository',
      'build-project',
      'target-group',
      'db-instance',
      'cache',
      'hosted-zone',
      'job-schedule',
      'deployment-alarm',
    ]),
    singletons,
  };
}

/** The database instance a snapshot was taken of, by its identifier's prefix. */
function snapshotOf(snapshot: string, instances: readonly string[]): string | undefined {
  return instances.find((instance) => snapshot.startsWith(`${instance}-`));
}

/** Whether a down under `policy` keeps this resource (docs/design.md §2: what survives a teardown). */
export function keptAfterDown(resource: AuditResource, policy: Policy | undefined): boolean {
  switch (resource.type) {
    case 'final-snapshot':
      return true;
    case 'automated-snapshot':
      // A final snapshot's down keeps the instance's automated backups too (DeleteAutomatedBackups: false).
      return policy?.finalSnapshotOnDown === true;
    case 'access-log-bucket':
    case 'log-group':
      return policy?.retainAccessLogsOnDown === true;
    case 'hosted-zone':
      return policy?.destroyZoneOnDown === false;
    case 'config-value':
      // The environment's config values are the team's (`modeshift config`), kept until removed with `config rm`.
      return true;
    default:
      return false;
  }
}

/** The findings of a deployed environment's resources against what its input needs. */
function deployedResourceFindings(input: DeployInput, observed: ObservedEnvironment): Finding[] {
  const expected = expectedResources(input);
  const findings: Finding[] = [];
  const present = new Set(observed.resources.map(label));
  const instances = input.databases.map((database) => database.instance);
  const singletonCounts = new Map<ResourceType, number>();
  for (const resource of observed.resources) {
    const key = label(resource);
    if (resource.type === 'config-value' || resource.type === 'final-snapshot') continue;
    if (resource.type === 'ecs-task' || resource.type === 'scalable-target') continue;
    if (resource.type === 'automated-snapshot') {
      if (snapshotOf(resource.name, instances) === undefined)
        findings.push(orphan(resource, 'an automated snapshot of a database the compose file does not name'));
      continue;
    }
    if (NETWORK_PARTS.has(resource.type) && resource.type !== 'internet-gateway') continue;
    if (resource.type === 'nat-gateway') continue; // counted as the natGateways setting
    if (expected.named.has(resource.type)) {
      if (!expected.required.has(key))
        findings.push(orphan(resource, 'not in the compose file: left by an earlier deploy or made by hand'));
      continue;
    }
    if (resource.type === 'other') {
      findings.push(orphan(resource, 'a kind of resource modeshift does not make'));
      continue;
    }
    const singleton = resource.type as Singleton;
    const count = (singletonCounts.get(singleton) ?? 0) + 1;
    singletonCounts.set(singleton, count);
    if (!expected.singletons.has(singleton))
      findings.push(orphan(resource, 'the environment as deployed does not need it'));
    else if (count > 1) findings.push(orphan(resource, `a second ${resource.type} of the environment`));
  }
  for (const [key, resource] of expected.required) {
    if (!present.has(key)) findings.push(missing(resource));
  }
  return findings;
}

const orphan = (resource: AuditResource, why: string): Finding => ({
  kind: 'orphan',
  resource: label(resource),
  detail: `${label(resource)}${resource.arn ? ` (${resource.arn})` : ''}: ${why}`,
});

const missing = (resource: AuditResource): Finding => ({
  kind: 'missing',
  resource: label(resource),
  detail: `${label(resource)}: the environment is deployed and it does not exist`,
});

/** What each setting should read back as, from the policy the environment was deployed with. */
export function expectedSettingValues(policy: Policy): Partial<Record<SettingName, string>> {
  return {
    buildComputeType: policy.buildComputeType,
    capacityProvider: policy.capacityProvider,
    dbInstanceClass: policy.dbInstanceClass,
    storageEncrypted: String(policy.storageEncrypted),
    dbDeletionProtection: String(policy.dbDeletionProtection),
    dbMultiAz: String(policy.dbMultiAz),
    dbBackupRetentionDays: String(policy.dbBackupRetentionDays),
    cacheNodeType: policy.cacheNodeType,
    cacheReplicas: String(policy.cacheReplicas),
    cacheTransitEncryption: String(policy.cacheTransitEncryption),
    logRetentionDays: String(policy.logRetentionDays),
    natGateways: String(natGatewayCount(policy)),
    httpRedirectCode: policy.httpRedirectCode,
    lbDeletionProtection: String(policy.lbDeletionProtection),
    dnsTtlSeconds: String(policy.dnsTtlSeconds),
    serviceDiscoveryTtlSeconds: String(policy.serviceDiscoveryTtlSeconds),
    minimumHealthyPercent: String(policy.minimumHealthyPercent),
    maximumPercent: String(policy.maximumPercent),
    circuitBreakerRollback: String(policy.circuitBreakerRollback),
    // A record written before the setting existed has none: its services are not judged on it.
    ...(typeof policy.executeCommand === 'boolean' ? { executeCommand: String(policy.executeCommand) } : {}),
  };
}

/** Each setting read back that differs from the policy an environment was deployed with in `mode`. */
export function settingDrift(policy: Policy, mode: string, settings: readonly ObservedSetting[]): Finding[] {
  const expected = expectedSettingValues(policy);
  return settings.flatMap((read): Finding[] => {
    const want = expected[read.setting];
    if (want === undefined || want === read.value) return [];
    if (read.atLeast && Number(read.value) >= Number(want)) return [];
    return [
      {
        kind: 'drift',
        resource: read.resource,
        setting: read.setting,
        expected: want,
        actual: read.value,
        detail: `${read.resource}: ${read.setting} is ${read.value}, ${mode} mode says ${want}`,
      },
    ];
  });
}

const showScaling = (scaling: Omit<ObservedScaling, 'service'>) =>
  `min ${scaling.min}, max ${scaling.max}, CPU target ${scaling.cpuPercent === undefined ? '(no policy)' : `${scaling.cpuPercent} %`}`;

/**
 * Each service's registered autoscaling against what its compose file and mode
 * say (core/autoscaling.ts): a target registered for a service that does not
 * scale is an orphan, a scaled service without one is missing, and bounds or a
 * CPU target that differ are drift (setting `autoscaling`).
 */
export function scalingFindings(input: DeployInput, observed: readonly ObservedScaling[]): Finding[] {
  // A record deployed before autoscaling existed made no targets and is not judged on them.
  if (input.policy?.autoscaling === undefined) return [];
  const wanted = new Map<string, ServiceScaling>();
  for (const service of input.waves.flatMap((wave) => wave.services)) {
    const scaling = serviceScaling(service, input.policy);
    if (scaling !== undefined) wanted.set(service.name, scaling);
  }
  const resource = (service: string) =>
    label({ type: 'scalable-target', name: scalingResourceId(input.names.cluster, service) });
  const findings: Finding[] = [];
  for (const target of observed) {
    const want = wanted.get(target.service);
    if (want === undefined) {
      findings.push({
        kind: 'orphan',
        resource: resource(target.service),
        detail: `${resource(target.service)}: ${target.service} does not autoscale as deployed (${showScaling(target)})`,
      });
      continue;
    }
    const expected = showScaling(want);
    const actual = showScaling(target);
    if (expected !== actual)
      findings.push({
        kind: 'drift',
        resource: resource(target.service),
        setting: 'autoscaling',
        expected,
        actual,
        detail: `${resource(target.service)}: registered with ${actual}, the compose file and ${input.mode} mode say ${expected}`,
      });
  }
  const registered = new Set(observed.map((target) => target.service));
  for (const service of wanted.keys()) {
    if (!registered.has(service))
      findings.push({
        kind: 'missing',
        resource: resource(service),
        detail: `${resource(service)}: ${service} autoscales as deployed and has no scalable target`,
      });
  }
  return findings;
}

/** Every finding, orphans first, then drift, then missing, each in a stable order. */
export function auditFindings(expectation: AuditExpectation, observed: ObservedEnvironment): Finding[] {
  const findings =
    expectation.state === 'deployed'
      ? [
          ...deployedResourceFindings(expectation.input, observed),
          ...settingDrift(expectation.input.policy, expectation.input.mode, observed.settings),
          ...(observed.scaling === undefined ? [] : scalingFindings(expectation.input, observed.scaling)),
        ]
      : observed.resources
          .filter((resource) => !keptAfterDown(resource, expectation.policy))
          .map((resource) => orphan(resource, 'left after the environment was taken down'));
  const order: Record<FindingKind, number> = { orphan: 0, drift: 1, missing: 2 };
  return findings.sort((a, b) => order[a.kind] - order[b.kind] || a.detail.localeCompare(b.detail));
}
