/**
 * The live plan: what a deploy of a request would do to the environment as
 * it is deployed now, per resource — create, update (naming each setting that
 * changes), remove or keep. Pure: the live state is read elsewhere
 * (cli/live-state.ts) into the plain shapes below, so the comparison is
 * tested with hand-made states.
 *
 * It compares what the deploy's steps set and nothing more: the ECS service
 * (functions/aws/ecs/service.ts), its task definition
 * (functions/aws/ecs/task-definition.ts), the RDS instance
 * (functions/aws/rds/database-instance.ts), the log groups' retention
 * (functions/steps/ensure-log-groups.ts), the target groups' health check
 * (functions/steps/ensure-load-balancer.ts) and the load balancer's
 * attributes (the deploy workflow's ConfigureLoadBalancer state).
 */

import { type ContainerSecret, type ServiceWiring, wireContainer } from './app-wiring.ts';
import { scaledCount, serviceScaling } from './autoscaling.ts';
import type { DatabaseSpec, DeployInput, ServiceSpec, TargetGroupSpec } from './execution-input.ts';
import { serviceNames } from './names.ts';
import type { Policy } from './policy.ts';

/** The resources the live plan covers. */
export type LiveResourceKind =
  | 'load-balancer'
  | 'target-group'
  | 'database'
  | 'cache'
  | 'log-group'
  | 'service';

export type LiveAction = 'create' | 'update' | 'remove' | 'keep';

/** A setting's value as the plan shows it; `null` where the resource has none. */
export type LiveValue = string | number | boolean | readonly string[] | null;

/** One setting a deploy changes. */
export interface LiveChange {
  readonly setting: string;
  readonly from: LiveValue;
  readonly to: LiveValue;
  /**
   * true when the API reports no value for the setting (the local emulator
   * keeps no ECS capacity or deployment configuration), so `from` is the value
   * the last deploy set, as the environment record holds it.
   */
  readonly fromRecord?: true;
}

/** What a deploy does with one resource. */
export interface LivePlanEntry {
  readonly kind: LiveResourceKind;
  /** The resource's AWS name: service name, RDS instance, log group, target group or load balancer. */
  readonly name: string;
  readonly action: LiveAction;
  /** The settings that change: empty unless the action is `update`. */
  readonly changes: readonly LiveChange[];
  /** What a person should know beyond the changes (a deferred change, a database left in place). */
  readonly note?: string;
  /**
   * A built service's image: `build` when a deploy starts a build for it, `reuse` when its
   * digest's tag is in its repository already (core/build-digest.ts).
   */
  readonly image?: 'build' | 'reuse';
}

/** What a deploy does with the services' images and ECS deployments. */
export interface LiveServicePlan {
  /** Built services whose image a deploy builds. */
  readonly build: readonly string[];
  /** Built services whose image is in their repository already: not built again. */
  readonly reuse: readonly string[];
  /** Services a deploy creates or updates: each gets an ECS deployment. */
  readonly roll: readonly string[];
  /** Services a deploy leaves as they are: no new task definition, no ECS deployment. */
  readonly unchanged: readonly string[];
}

/** The environment as the live plan found it. */
export interface LivePlan {
  /** Whether anything of the environment is deployed: its record (not down) or any of its resources. */
  readonly exists: boolean;
  /** The mode the environment is deployed in, from its record (none once it is down). */
  readonly deployedMode?: string;
  readonly requestedMode: string;
  readonly resources: readonly LivePlanEntry[];
  readonly services: LiveServicePlan;
}

// ── The live state, as read from AWS ────────────────────────────────────────

/** Where a container secret's value comes from, as its `valueFrom` says. */
export type LiveSecretSource =
  /** A config value: the SecureString `<environment's path><name>` in Parameter Store. */
  | { readonly config: string }
  /** A managed database's password: the `password` key of an RDS-managed secret. */
  | { readonly database: true }
  /** Anything else, as `valueFrom` gives it. */
  | { readonly other: string };

export interface LiveTaskDefinition {
  readonly cpu?: number;
  readonly memory?: number;
  readonly image?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly from: LiveSecretSource }>;
  /** `8080/tcp`, … */
  readonly ports: readonly string[];
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  /** The container health check, as {@link healthCheckText} writes it. */
  readonly healthCheck?: string;
}

export interface LiveService {
  readonly name: string;
  /** ACTIVE or DRAINING (INACTIVE services are deleted and not listed). */
  readonly status: string;
  readonly desiredCount?: number;
  /** The capacity provider strategy (`FARGATE`, or `FARGATE:1+FARGATE_SPOT:1`), or `launch type X`. */
  readonly capacityProvider?: string;
  readonly minimumHealthyPercent?: number;
  readonly maximumPercent?: number;
  /** ECS Exec (`enableExecuteCommand`). */
  readonly executeCommand?: boolean;
  readonly assignPublicIp?: 'ENABLED' | 'DISABLED';
  /** Whether the service is attached to a target group. */
  readonly public?: boolean;
  readonly taskDefinition?: LiveTaskDefinition;
}

export interface LiveDatabase {
  readonly instance: string;
  readonly status?: string;
  readonly instanceClass?: string;
  /** A class change RDS holds for the maintenance window. */
  readonly pendingInstanceClass?: string;
  readonly deletionProtection?: boolean;
  readonly storageEncrypted?: boolean;
  /** Multi-AZ, a pending change counting. */
  readonly multiAz?: boolean;
  /** Automated backup retention in days, a pending change counting. */
  readonly backupRetentionDays?: number;
}

export interface LiveCache {
  readonly replicationGroup: string;
  readonly status?: string;
  readonly nodeType?: string;
  /** Replicas of the primary. */
  readonly replicas: number;
  readonly transitEncryption?: boolean;
  readonly atRestEncryption?: boolean;
  /** The primary endpoint's address, once there is one. */
  readonly endpoint?: string;
}

export interface LiveLogGroup {
  readonly name: string;
  /** Absent: the group never expires its events. */
  readonly retentionInDays?: number;
}

export interface LiveTargetGroup {
  readonly name: string;
  readonly port?: number;
  readonly healthCheckPath?: string;
  readonly healthCheckPort?: string;
}

export interface LiveLoadBalancer {
  readonly name: string;
  readonly deletionProtection?: boolean;
  readonly accessLogs?: boolean;
}

/** The environment's record, as far as the live plan reads it. */
export interface LiveRecord {
  readonly status: string;
  readonly mode?: string;
  /** The policy of the last successful deploy. */
  readonly policy?: Partial<Policy>;
}

/** Everything of one environment the live plan compares, tagged for the environment. */
export interface LiveState {
  readonly record?: LiveRecord;
  readonly services: readonly LiveService[];
  readonly databases: readonly LiveDatabase[];
  /** The environment's replication groups. @default [] */
  readonly caches?: readonly LiveCache[];
  readonly logGroups: readonly LiveLogGroup[];
  readonly targetGroups: readonly LiveTargetGroup[];
  readonly loadBalancer?: LiveLoadBalancer;
  /** `repository:tag` of the request's content-addressed images found in their repositories. */
  readonly images?: readonly string[];
}

/** Notes on resources a deploy leaves in place although the request no longer has them. */
export const LEFT_IN_PLACE = {
  database: 'no longer in the compose file; only down deletes it',
  cache: 'no longer in the compose file; a deploy leaves it, down deletes it',
  logGroup: 'its service is no longer in the compose file; a deploy leaves its log group',
  loadBalancer: 'no public service left; a deploy leaves the load balancer, down deletes it',
  targetGroup: 'no public service left; a deploy leaves the target groups, down deletes them',
} as const;

/** A container health check in one line, the same from the request and from a task definition. */
export function healthCheckText(check: {
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}): string {
  return `${check.command.join(' ')} (every ${check.intervalSeconds}s, timeout ${check.timeoutSeconds}s, ${check.retries} retries, start period ${check.startPeriodSeconds}s)`;
}

/** `8080/tcp`: a port as the plan compares it. */
export function portText(port: { readonly target: number; readonly protocol: string }): string {
  return `${port.target}/${port.protocol}`;
}

/** Compares the request's deploy input with the environment's live state. */
export function livePlan(input: DeployInput, live: LiveState): LivePlan {
  const services = input.waves.flatMap((wave) => wave.services);
  const resources: LivePlanEntry[] = [
    ...loadBalancerEntries(input, live),
    ...targetGroupEntries(input, live),
    ...databaseEntries(input, live),
    ...cacheEntries(input, live),
    ...logGroupEntries(input, services, live),
    ...serviceEntries(input, services, live),
  ];
  const found =
    live.services.length +
      live.databases.length +
      (live.caches ?? []).length +
      live.logGroups.length +
      live.targetGroups.length >
      0 || live.loadBalancer !== undefined;
  const up = live.record !== undefined && live.record.status !== 'down';
  return {
    exists: found || up,
    ...(up && live.record?.mode !== undefined ? { deployedMode: live.record.mode } : {}),
    requestedMode: input.mode,
    resources,
    services: servicePlan(resources),
  };
}

function servicePlan(resources: readonly LivePlanEntry[]): LiveServicePlan {
  const wanted = resources.filter((item) => item.kind === 'service' && item.action !== 'remove');
  const names = (keep: (item: LivePlanEntry) => boolean) => wanted.filter(keep).map((item) => item.name);
  return {
    build: names((item) => item.image === 'build'),
    reuse: names((item) => item.image === 'reuse'),
    roll: names((item) => item.action === 'create' || item.action === 'update'),
    unchanged: names((item) => item.action === 'keep'),
  };
}

/** Builds an entry: `update` when anything changes, else `keep`. */
function compared(
  kind: LiveResourceKind,
  name: string,
  changes: readonly LiveChange[],
  note?: string,
): LivePlanEntry {
  return {
    kind,
    name,
    action: changes.length > 0 ? 'update' : 'keep',
    changes,
    ...(note !== undefined ? { note } : {}),
  };
}

function entry(kind: LiveResourceKind, name: string, action: LiveAction, note?: string): LivePlanEntry {
  return { kind, name, action, changes: [], ...(note !== undefined ? { note } : {}) };
}

/** The change of one setting, or nothing when the live value is unknown or equal. */
function change(
  setting: string,
  from: LiveValue | undefined,
  to: LiveValue,
  recorded?: LiveValue,
): LiveChange[] {
  if (from === undefined) {
    if (recorded === undefined || same(recorded, to)) return [];
    return [{ setting, from: recorded, to, fromRecord: true }];
  }
  return same(from, to) ? [] : [{ setting, from, to }];
}

function same(a: LiveValue, b: LiveValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function byName<T>(items: readonly T[], name: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [name(item), item]));
}

// ── Load balancer and target groups ────────────────────────────────────────

function loadBalancerEntries(input: DeployInput, live: LiveState): LivePlanEntry[] {
  const name = input.names.loadBalancer;
  const current = live.loadBalancer;
  if (!input.hasPublicServices) {
    return current === undefined
      ? []
      : [entry('load-balancer', current.name, 'keep', LEFT_IN_PLACE.loadBalancer)];
  }
  if (current === undefined) return [entry('load-balancer', name, 'create')];
  return [
    compared('load-balancer', name, [
      ...change('deletionProtection', current.deletionProtection, input.policy.lbDeletionProtection),
      ...change('accessLogs', current.accessLogs, true),
    ]),
  ];
}

function targetGroupEntries(input: DeployInput, live: LiveState): LivePlanEntry[] {
  const current = byName(live.targetGroups, (group) => group.name);
  const wanted = new Set(input.targetGroups.map((group) => group.name));
  const entries = input.targetGroups.map((group) => {
    const found = current.get(group.name);
    if (found === undefined) return entry('target-group', group.name, 'create');
    return compared('target-group', group.name, targetGroupChanges(group, found));
  });
  for (const group of live.targetGroups) {
    if (wanted.has(group.name)) continue;
    // EnsureLoadBalancer deletes the groups no service wants, but runs only while some service is public.
    entries.push(
      input.hasPublicServices
        ? entry(
            'target-group',
            group.name,
            'remove',
            'its service is no longer public or in the compose file',
          )
        : entry('target-group', group.name, 'keep', LEFT_IN_PLACE.targetGroup),
    );
  }
  return entries;
}

function targetGroupChanges(wanted: TargetGroupSpec, found: LiveTargetGroup): LiveChange[] {
  return [
    ...change('port', found.port, wanted.port),
    ...change('healthCheckPath', found.healthCheckPath, wanted.healthCheckPath ?? '/'),
    ...change('healthCheckPort', found.healthCheckPort, wanted.healthCheckPort ?? 'traffic-port'),
  ];
}

/** The note of a store created from a snapshot. */
function restoredFrom(snapshot: string | undefined): string | undefined {
  return snapshot === undefined ? undefined : `created from snapshot ${snapshot}`;
}

// ── Caches ───────────────────────────────────────────────────────────────────

function cacheEntries(input: DeployInput, live: LiveState): LivePlanEntry[] {
  const current = byName(live.caches ?? [], (cache) => cache.replicationGroup);
  const wanted = new Set(input.caches.map((cache) => cache.replicationGroup));
  const entries = input.caches.map((cache) => {
    const found = current.get(cache.replicationGroup);
    if (found === undefined)
      return entry('cache', cache.replicationGroup, 'create', restoredFrom(cache.snapshot));
    return cacheEntry(cache.replicationGroup, found, input.policy, input.force);
  });
  for (const cache of live.caches ?? []) {
    if (!wanted.has(cache.replicationGroup))
      entries.push(entry('cache', cache.replicationGroup, 'keep', LEFT_IN_PLACE.cache));
  }
  return entries;
}

/** As EnsureCache brings a replication group to the policy; what it cannot change in place is a note. */
function cacheEntry(name: string, found: LiveCache, policy: Policy, force: boolean): LivePlanEntry {
  const changes = [
    ...change('nodeType', found.nodeType, policy.cacheNodeType),
    ...change('replicas', found.replicas, policy.cacheReplicas),
    ...change('automaticFailover', found.replicas > 0, policy.cacheReplicas > 0),
  ];
  const notes: string[] = [];
  if (changes.some((item) => item.setting === 'nodeType') && !policy.applyImmediately)
    notes.push('the node type changes in the next maintenance window');
  if (found.transitEncryption !== undefined && found.transitEncryption !== policy.cacheTransitEncryption)
    notes.push(
      `in-transit encryption is ${found.transitEncryption ? 'on' : 'off'} and cannot change in place: ${force ? 'kept as it is (forced)' : 'the deploy is refused unless forced'}`,
    );
  if (found.atRestEncryption !== undefined && found.atRestEncryption !== policy.storageEncrypted)
    notes.push(
      `encryption at rest is ${found.atRestEncryption ? 'on' : 'off'} and cannot change in place; the deploy warns`,
    );
  return compared('cache', name, changes, notes.length > 0 ? notes.join('; ') : undefined);
}

// ── Databases ────────────────────────────────────────────────────────────────

function databaseEntries(input: DeployInput, live: LiveState): LivePlanEntry[] {
  const current = byName(live.databases, (database) => database.instance);
  const wanted = new Set(input.databases.map((database) => database.instance));
  const entries = input.databases.map((database) => {
    const found = current.get(database.instance);
    if (found === undefined)
      return entry('database', database.instance, 'create', restoredFrom(database.snapshot));
    return databaseEntry(database, found, input.policy);
  });
  for (const database of live.databases) {
    if (!wanted.has(database.instance))
      entries.push(entry('database', database.instance, 'keep', LEFT_IN_PLACE.database));
  }
  return entries;
}

/** As EnsureDatabase brings an instance to the policy: its class (a pending one counts), deletion protection, Multi-AZ and backups. */
function databaseEntry(database: DatabaseSpec, found: LiveDatabase, policy: Policy): LivePlanEntry {
  const effectiveClass = found.pendingInstanceClass ?? found.instanceClass;
  const changes = [
    ...change('instanceClass', effectiveClass, policy.dbInstanceClass),
    ...change('deletionProtection', found.deletionProtection, policy.dbDeletionProtection),
    ...change('multiAz', found.multiAz, policy.dbMultiAz),
    ...change('backupRetentionDays', found.backupRetentionDays, policy.dbBackupRetentionDays),
  ];
  const notes: string[] = [];
  if (changes.some((item) => item.setting === 'instanceClass') && !policy.applyImmediately)
    notes.push('the class changes in the next maintenance window');
  else if (found.pendingInstanceClass !== undefined && found.pendingInstanceClass !== found.instanceClass)
    notes.push(
      `runs as ${found.instanceClass ?? '?'} until the maintenance window applies ${found.pendingInstanceClass}`,
    );
  if (found.storageEncrypted !== undefined && found.storageEncrypted !== policy.storageEncrypted)
    notes.push(
      `storage encryption is ${found.storageEncrypted ? 'on' : 'off'} and cannot change in place; the deploy warns`,
    );
  return compared('database', database.instance, changes, notes.length > 0 ? notes.join('; ') : undefined);
}

// ── Log groups ───────────────────────────────────────────────────────────────

function logGroupEntries(
  input: DeployInput,
  services: readonly ServiceSpec[],
  live: LiveState,
): LivePlanEntry[] {
  const current = byName(live.logGroups, (group) => group.name);
  const names = services.map(
    (service) => serviceNames(input.project, input.environment, service.name).logGroup,
  );
  const wanted = new Set(names);
  const entries = names.map((name) => {
    const found = current.get(name);
    if (found === undefined) return entry('log-group', name, 'create');
    return compared(
      'log-group',
      name,
      change('retentionInDays', found.retentionInDays ?? null, input.policy.logRetentionDays),
    );
  });
  for (const group of live.logGroups) {
    if (!wanted.has(group.name)) entries.push(entry('log-group', group.name, 'keep', LEFT_IN_PLACE.logGroup));
  }
  return entries;
}

// ── Services ─────────────────────────────────────────────────────────────────

function serviceEntries(
  input: DeployInput,
  services: readonly ServiceSpec[],
  live: LiveState,
): LivePlanEntry[] {
  const current = byName(live.services, (service) => service.name);
  const wanted = new Set(services.map((service) => service.name));
  const entries = services.map((service): LivePlanEntry => {
    const image = imagePlan(input, service, live);
    const withImage = (item: LivePlanEntry) => (image === undefined ? item : { ...item, image });
    const found = current.get(service.name);
    if (found === undefined) return withImage(entry('service', service.name, 'create'));
    if (found.status === 'DRAINING')
      return withImage(
        entry(
          'service',
          service.name,
          'create',
          'an earlier service of this name is still being deleted (DRAINING): the deploy fails until it is gone',
        ),
      );
    const changes = serviceChanges(input, service, found, live.record?.policy, live.caches ?? []);
    return withImage(compared('service', service.name, changes));
  });
  for (const service of live.services) {
    if (wanted.has(service.name) || service.status === 'DRAINING') continue;
    entries.push(entry('service', service.name, 'remove', 'no longer in the compose file'));
  }
  return entries;
}

/** As RolloutServices brings a service to the request and the policy (ECS service and task definition). */
function serviceChanges(
  input: DeployInput,
  wanted: ServiceSpec,
  found: LiveService,
  recorded: Partial<Policy> | undefined,
  liveCaches: readonly LiveCache[],
): LiveChange[] {
  const { policy } = input;
  const definition = found.taskDefinition;
  // A scaled service keeps the count it runs, within its bounds (core/autoscaling.ts).
  const scaling = serviceScaling(wanted, policy);
  const count = scaling === undefined ? wanted.replicas : scaledCount(scaling, found.desiredCount);
  const changes = [
    ...change('replicas', found.desiredCount, count),
    ...change(
      'capacityProvider',
      found.capacityProvider,
      policy.capacityProvider,
      recorded?.capacityProvider,
    ),
    ...change(
      'minimumHealthyPercent',
      found.minimumHealthyPercent,
      policy.minimumHealthyPercent,
      recorded?.minimumHealthyPercent,
    ),
    ...change('maximumPercent', found.maximumPercent, policy.maximumPercent, recorded?.maximumPercent),
    ...change('executeCommand', found.executeCommand, policy.executeCommand, recorded?.executeCommand),
    ...change('assignPublicIp', found.assignPublicIp, input.taskNetwork.assignPublicIp),
    ...change('public', found.public, wanted.public),
  ];
  if (definition === undefined) return changes;
  const cache = input.caches.find((candidate) => candidate.name === wanted.cache);
  const tls = input.policy.cacheTransitEncryption;
  const endpoint = liveCaches.find(
    (candidate) => candidate.replicationGroup === cache?.replicationGroup,
  )?.endpoint;
  const container = wireContainer(
    wanted,
    input.databases.find((database) => database.name === wanted.database),
    cache === undefined
      ? undefined
      : { name: cache.name, host: tls ? (endpoint ?? '<primary endpoint>') : cache.name, tls },
  );
  return [
    ...changes,
    ...change('cpu', definition.cpu, wanted.cpu),
    ...change('memory', definition.memory, wanted.memory),
    ...imageChange(input, wanted, definition),
    ...change('ports', definition.ports, [...wanted.ports.map(portText)].sort()),
    ...environmentChanges(definition.environment, container.environment),
    ...secretChanges(definition.secrets, container),
    ...change('command', definition.command ?? null, wanted.command ?? null),
    ...change('entrypoint', definition.entrypoint ?? null, wanted.entrypoint ?? null),
    ...change(
      'healthCheck',
      definition.healthCheck ?? null,
      wanted.healthCheck === undefined ? null : healthCheckText(wanted.healthCheck),
    ),
  ];
}

/** Whether a deploy builds a built service's image or finds it in its repository, as StartBuilds decides. */
function imagePlan(input: DeployInput, service: ServiceSpec, live: LiveState): 'build' | 'reuse' | undefined {
  if (!service.build) return undefined;
  if (service.imageTag === undefined) return 'build';
  const repository = serviceNames(input.project, input.environment, service.name).ecrRepository;
  return live.images?.includes(`${repository}:${service.imageTag}`) ? 'reuse' : 'build';
}

/**
 * An image service runs its image. A built service runs its digest's tag
 * from its own ECR repository: it changes when its sources do. A build with
 * no digest (a context in S3, whose content is unknown) is tagged with the
 * deployment id, so every deploy builds and rolls it.
 */
function imageChange(input: DeployInput, wanted: ServiceSpec, definition: LiveTaskDefinition): LiveChange[] {
  const image = definition.image;
  if (image === undefined) return [];
  if (!wanted.build) return change('image', image, wanted.image ?? null);
  const repository = serviceNames(input.project, input.environment, wanted.name).ecrRepository;
  if (!image.includes(`/${repository}:`))
    return [{ setting: 'image', from: image, to: `${repository}:${wanted.imageTag ?? input.deploymentId}` }];
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return change('image', tag, wanted.imageTag ?? input.deploymentId);
}

/** One change per variable added, removed or given another value. */
function environmentChanges(
  found: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): LiveChange[] {
  const names = [...new Set([...Object.keys(found), ...Object.keys(wanted)])].sort();
  return names.flatMap((name) => change(`environment.${name}`, found[name] ?? null, wanted[name] ?? null));
}

/** A secret's source as the plan shows it: `config NAME`, `database password` or the raw reference. */
function sourceText(from: LiveSecretSource | ContainerSecret['from']): string {
  if ('config' in from) return `config ${from.config}`;
  if ('database' in from) return 'database password';
  return from.other;
}

/** One change per secret added, removed or read from elsewhere; never a value. */
function secretChanges(found: LiveTaskDefinition['secrets'], wanted: ServiceWiring): LiveChange[] {
  const current = new Map(found.map((secret) => [secret.name, sourceText(secret.from)]));
  const desired = new Map(wanted.secrets.map((secret) => [secret.name, sourceText(secret.from)]));
  const names = [...new Set([...current.keys(), ...desired.keys()])].sort();
  return names.flatMap((name) =>
    change(`secrets.${name}`, current.get(name) ?? null, desired.get(name) ?? null),
  );
}

/** How many entries take each action. */
export function actionCounts(plan: LivePlan): Record<LiveAction, number> {
  const counts: Record<LiveAction, number> = { create: 0, update: 0, remove: 0, keep: 0 };
  for (const item of plan.resources) counts[item.action] += 1;
  return counts;
}
