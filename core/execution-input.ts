/**
 * The execution input of the deploy and down workflows: the validated request
 * and the resolved policy, expanded into what the workflow's states read —
 * names, tags, per-service settings, the deployment waves and the flags its
 * Choice states branch on. It is what a person sees in the Step Functions
 * console; it never holds a secret value (secrets travel as names only).
 */

import { wiredCache, wiredDatabase } from './app-wiring.ts';
import type { ScalingBounds } from './autoscaling.ts';
import { type CacheEngine, defaultCacheVersion } from './cache-engines.ts';
import { parseDuration } from './duration.ts';
import { LOCK_TTL_MS } from './environment-lock.ts';
import { InputError } from './errors.ts';
import { cacheNames, databaseNames, environmentNames, publicZoneName, serviceNames } from './names.ts';
import { natGatewayCount, publicHostnames, sharedNetworkOf, taskNetworking } from './plan.ts';
import { type Mode, type Policy, type ResolvedPolicy, weakensProductionData } from './policy.ts';
import {
  type DeployRequest,
  type DownRequest,
  isLongRunning,
  type Service,
  type TeamVpc,
} from './request.ts';
import type { SharedNetworkSpec } from './shared-network.ts';
import { deploymentWaves } from './waves.ts';

/** Step Functions' limit on an execution's input and on every state's input and output: 256 KiB of UTF-8 JSON. */
export const STEP_FUNCTIONS_MAX_BYTES = 262_144;

/**
 * What the deploy workflow's states carry beyond its input (the foundations'
 * results, the failure report): `npm run bench` measures the largest state at
 * 15–21 KiB over the input, whatever the project's size. Kept free, so a run
 * that started never fails on the limit half-way.
 */
export const STATE_GROWTH_BYTES = 32_768;

/** The largest workflow input modeshift starts a workflow with: 224 KiB. */
export const MAX_EXECUTION_INPUT_BYTES = STEP_FUNCTIONS_MAX_BYTES - STATE_GROWTH_BYTES;

/** A request whose workflow input would be larger than Step Functions accepts. */
export class ExecutionInputTooLargeError extends InputError {
  override name = 'ExecutionInputTooLargeError';
}

/**
 * Refuses a workflow input whose states could outgrow Step Functions' 256 KiB
 * limit up front, before any lock is taken or anything is provisioned, rather
 * than at StartExecution or, worse, half-way through the run.
 */
export function assertInputFits(input: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes <= MAX_EXECUTION_INPUT_BYTES) return;
  throw new ExecutionInputTooLargeError([
    {
      path: 'services',
      message: `the workflow input would be ${bytes} bytes, over modeshift's limit of ${MAX_EXECUTION_INPUT_BYTES} bytes (224 KiB: Step Functions allows 256 KiB per state, and the workflow's states add up to 32 KiB to its input): deploy fewer services per environment or use smaller environment values`,
    },
  ]);
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface ServiceSpec {
  readonly name: string;
  /** The image to run; absent when the service is built (the build's image is used). */
  readonly image?: string;
  readonly build: boolean;
  /** A built service's image tag: its build's digest (core/build-digest.ts). @default the deployment id */
  readonly imageTag?: string;
  readonly cpu: number;
  readonly memory: number;
  readonly replicas: number;
  readonly ports: ReadonlyArray<{ readonly target: number; readonly protocol: 'tcp' | 'udp' }>;
  readonly public: boolean;
  readonly healthCheck?: Service['healthCheck'];
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Variables compose gave no value: read at task start, as a config value or the password of
   * `database` (core/app-wiring.ts `wireContainer` says which). Kept as names, as the request has
   * them, so the input stays small for large projects.
   */
  readonly secrets: readonly string[];
  /** The managed database the service is wired to: its connection settings and password. */
  readonly database?: string;
  /** The managed cache the service is wired to: its URL, host and port. */
  readonly cache?: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  /** The services (not databases) this one depends on: it is deployed once they are stable. */
  readonly dependsOn: readonly string[];
  /** Public services: the target group and the hostname the load balancer routes to it. */
  readonly targetGroup?: string;
  readonly hostname?: string;
  /** A scheduled job's EventBridge Scheduler expression (`cron(…)`, `rate(…)`). */
  readonly schedule?: string;
  /** A pre-created task role (`x-modeshift.role`), under `/modeshift-app/`. */
  readonly role?: string;
  /** Managed policies for the task role modeshift creates (`x-modeshift.policies`). */
  readonly policies?: readonly string[];
  /** The service's own autoscaling bounds (`x-modeshift.scaling`; core/autoscaling.ts). */
  readonly scaling?: ScalingBounds;
}

/**
 * A service's build, as the execution input carries it: the names of its
 * CodeBuild project and ECR repository are derived from the service's name
 * (core/names.ts serviceNames) where they are needed, so the input does not
 * grow by them for every built service.
 */
export interface BuildSpec {
  readonly service: string;
  /** `bucket/key` of the uploaded context, as CodeBuild's S3 source takes it. */
  readonly sourceLocation: string;
  readonly dockerfile: string;
  readonly target: string;
  /** `KEY=value` lines, passed to docker build one --build-arg each. */
  readonly buildArgs: string;
  /** Build args whose values CodeBuild reads from the environment's config values (Parameter Store), by name. */
  readonly configArgs: readonly string[];
  /**
   * The image's tag: the digest of what decides it; an image of that tag in the repository is not
   * built again. @default the deployment id (a context whose content modeshift did not see)
   */
  readonly imageTag?: string;
}

export interface DatabaseSpec {
  readonly name: string;
  readonly instance: string;
  readonly engine: 'postgres';
  readonly version: string;
  readonly storageGiB: number;
  readonly databaseName: string;
  readonly username: string;
  /** The snapshot to create the instance from when it does not exist. */
  readonly snapshot?: string;
}

export interface CacheSpec {
  readonly name: string;
  /** The ElastiCache replication group id (core/names.ts cacheNames). */
  readonly replicationGroup: string;
  readonly engine: CacheEngine;
  /** `major.minor`, as ElastiCache takes it. */
  readonly version: string;
  /** The snapshot to create the group from when it does not exist. */
  readonly snapshot?: string;
}

/** A public service's target group: where the load balancer sends traffic, and how it checks health. */
export interface TargetGroupSpec {
  readonly service: string;
  readonly name: string;
  /** The container port traffic goes to. */
  readonly port: number;
  /** Where the load balancer checks health. @default "/" */
  readonly healthCheckPath?: string;
  /** The container port checked, as ELBv2 takes it. @default "traffic-port" */
  readonly healthCheckPort?: string;
}

export interface ZoneSpec {
  /** The hosted zone's name: the domain itself in production, `<environment>.<domain>` elsewhere. */
  readonly name: string;
  readonly domain: string;
}

export interface DeployInput {
  readonly action: 'deploy';
  readonly deploymentId: string;
  readonly project: string;
  readonly environment: string;
  readonly mode: Mode;
  readonly force: boolean;
  /** The request's `confirm`: the environment's name to confirm a forced production → development change; empty when not given. */
  readonly confirm: string;
  readonly policy: Policy;
  readonly overridden: readonly string[];
  /**
   * The overridden settings as the history records them: `name=value`, comma-separated, with
   * `(confirmed)` after a production protection turned off by `confirm`; empty without overrides.
   */
  readonly overrides: string;
  readonly requestedAt: string;
  readonly requestedAtEpoch: number;
  readonly lockExpiresAt: string;
  readonly tags: readonly Tag[];
  readonly tagMap: Readonly<Record<string, string>>;
  readonly names: ReturnType<typeof environmentNames>;
  readonly expiry: {
    readonly enabled: boolean;
    readonly ttl: string;
    /** `yyyy-mm-ddThh:mm:ss` in UTC, as EventBridge Scheduler's at() takes it. */
    readonly at: string;
    readonly epoch: number;
  };
  readonly natGatewayCount: 0 | 1 | 2;
  readonly taskNetwork: {
    readonly subnets: 'public' | 'private';
    readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  };
  readonly hasBuilds: boolean;
  readonly hasDatabases: boolean;
  readonly hasPublicServices: boolean;
  readonly hasDomain: boolean;
  readonly builds: readonly BuildSpec[];
  readonly databases: readonly DatabaseSpec[];
  readonly hasCaches: boolean;
  readonly caches: readonly CacheSpec[];
  readonly zones: readonly ZoneSpec[];
  /**
   * Zones modeshift did not create that the request adopts (`adoptZones`), lower case without the
   * final dot: the only foreign zones a deploy writes into, and then only its own marked records.
   */
  readonly adoptZones: readonly string[];
  /** Whether the apex of an adopted zone may be written (`adoptApex`). */
  readonly adoptApex: boolean;
  readonly targetGroups: readonly TargetGroupSpec[];
  /** Public services and the hostname each answers on (absent without a domain). */
  readonly publicServices: ReadonlyArray<{
    readonly service: string;
    readonly hostname?: string;
    readonly zone?: string;
    readonly alias: boolean;
  }>;
  /** The long-running services, each wave after the one it depends on. */
  readonly waves: ReadonlyArray<{ readonly index: number; readonly services: readonly ServiceSpec[] }>;
  /** Whether any service runs once before the rollout (`run: once`). */
  readonly hasRunOnce: boolean;
  /** The run-once services, each after the run-once services it depends on. */
  readonly runOnce: readonly ServiceSpec[];
  /** Every service's name, long-running, run-once or scheduled: what has a log group, an execution role, a build. */
  readonly containers: readonly string[];
  /** The scheduled jobs (`schedule`): each an EventBridge Scheduler schedule that runs one task of it. */
  readonly jobs: readonly ServiceSpec[];
  /** The services whose task role modeshift creates (`policies`, or the Exec channel where `executeCommand` is on). */
  readonly taskRoles: readonly string[];
  /** The state the jobs' schedules are given: `DISABLED` when a development deploy pauses them (`pauseSchedules`). */
  readonly scheduleState: 'ENABLED' | 'DISABLED';
  /** Who the deployment alarms tell (`notify`): email addresses, or one SNS topic ARN. */
  readonly notify: readonly string[];
  /** The range a new VPC gets (`vpcCidr`); null: a free /16 of 10.0.0.0/8 (core/vpc-cidr.ts). */
  readonly vpcCidr: string | null;
  /** Whether the environment runs in a team's own VPC (`vpc`): no NAT gateway, gateway or route of modeshift's. */
  readonly inTeamVpc: boolean;
  /** A team's own VPC and subnets to deploy into (`vpc`); null: the environment's own VPC. */
  readonly vpc: TeamVpc | null;
  /**
   * The project's shared network of the mode (`network: shared`, core/shared-network.ts); null: a
   * network of the environment's own, or a team's VPC (`vpc`).
   */
  readonly sharedNetwork: SharedNetworkSpec | null;
  /** The Down Requested detail the expiry schedule sends. */
  readonly downRequest: { readonly project: string; readonly environment: string; readonly reason: string };
}

/** `finalSnapshotOnDown=false (confirmed), logRetentionDays=30`: what the history records of a deploy's overrides. */
export function describeOverrides(resolved: ResolvedPolicy): string {
  return resolved.overridden
    .map((name) => {
      const value = resolved.policy[name];
      const confirmed = resolved.mode === 'production' && weakensProductionData(name, value);
      return `${name}=${String(value)}${confirmed ? ' (confirmed)' : ''}`;
    })
    .join(', ');
}

export interface DownInput {
  readonly action: 'down';
  readonly project: string;
  readonly environment: string;
  readonly deploymentId: string;
  /** Must equal `environment` for a production environment; empty when not given. */
  readonly confirm: string;
  readonly requestedAt: string;
  readonly requestedAtEpoch: number;
  readonly lockExpiresAt: string;
  /** `YYYYMMDDhhmmss` of the request, for the final snapshot identifiers. */
  readonly stamp: string;
  readonly names: ReturnType<typeof environmentNames>;
  /** Tags every resource of the environment carries, whatever its mode or deployment: how down finds them. */
  readonly environmentTags: readonly Tag[];
}

export function modeshiftTags(project: string, environment: string, mode: Mode, deploymentId: string): Tag[] {
  return [
    { Key: 'modeshift:project', Value: project },
    { Key: 'modeshift:environment', Value: environment },
    { Key: 'modeshift:mode', Value: mode },
    { Key: 'modeshift:deployment', Value: deploymentId },
  ];
}

/** `2026-11-26T07:00:00` — the form EventBridge Scheduler's at() expression takes (UTC). */
function schedulerTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '');
}

/** The deploy workflow's input; throws ExecutionInputTooLargeError when it would not fit Step Functions. */
export function buildDeployInput(request: DeployRequest, resolved: ResolvedPolicy, now: Date): DeployInput {
  const { project, environment, deploymentId } = request;
  const { mode, policy } = resolved;
  const production = mode === 'production';
  const names = environmentNames(project, environment);
  const tags = modeshiftTags(project, environment, mode, deploymentId);
  const hostnames = new Map(publicHostnames(request, production).map((h) => [h.service, h]));
  const ttlMs = request.ttl === undefined ? 0 : (parseDuration(request.ttl) ?? 0);
  const expiresAt = new Date(now.getTime() + ttlMs);

  const byName = new Map(request.services.map((service) => [service.name, service]));
  const spec = (service: Service): ServiceSpec => {
    const derived = serviceNames(project, environment, service.name);
    const hostname = hostnames.get(service.name)?.hostname;
    const database = wiredDatabase(service, request.databases);
    const cache = wiredCache(service, request.caches);
    return {
      name: service.name,
      ...(service.image !== undefined ? { image: service.image } : {}),
      build: service.build !== undefined,
      ...(service.build?.imageTag !== undefined ? { imageTag: service.build.imageTag } : {}),
      cpu: service.cpu,
      memory: service.memory,
      replicas: service.replicas,
      ports: service.ports,
      public: service.public,
      ...(service.healthCheck !== undefined ? { healthCheck: service.healthCheck } : {}),
      environment: service.environment,
      secrets: service.secrets,
      ...(database !== undefined ? { database: database.name } : {}),
      ...(cache !== undefined ? { cache: cache.name } : {}),
      ...(service.command !== undefined ? { command: service.command } : {}),
      ...(service.entrypoint !== undefined ? { entrypoint: service.entrypoint } : {}),
      // A run-once service has run before any long-running one rolls out: only its own kind is
      // waited for. A scheduled job waits for nothing: it runs on its schedule.
      dependsOn:
        service.schedule !== undefined
          ? []
          : service.dependsOn.filter(
              (name) => byName.has(name) && (byName.get(name)?.run === 'once') === (service.run === 'once'),
            ),
      ...(service.public ? { targetGroup: derived.targetGroup } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
      ...(service.schedule !== undefined ? { schedule: service.schedule } : {}),
      ...(service.role !== undefined ? { role: service.role } : {}),
      ...(service.policies !== undefined && service.policies.length > 0
        ? { policies: service.policies }
        : {}),
      ...(service.scaling !== undefined ? { scaling: service.scaling } : {}),
    };
  };
  const longRunning = request.services.filter(isLongRunning).map(spec);
  const jobs = request.services.filter((service) => service.schedule !== undefined).map(spec);
  const runOnce = request.services.filter((service) => service.run === 'once').map(spec);
  const waves = deploymentWaves(longRunning).map((wave, index) => ({
    index,
    services: wave.map((name) => longRunning.find((service) => service.name === name) as ServiceSpec),
  }));
  const runOnceOrder = deploymentWaves(runOnce).flat();

  const builds = request.services.flatMap((service): BuildSpec[] => {
    if (!service.build) return [];
    return [
      {
        service: service.name,
        sourceLocation: service.build.context.replace(/^s3:\/\//, ''),
        dockerfile: service.build.dockerfile,
        target: service.build.target ?? '',
        buildArgs: Object.entries(service.build.args ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join('\n'),
        configArgs: service.build.configArgs ?? [],
        ...(service.build.imageTag !== undefined ? { imageTag: service.build.imageTag } : {}),
      },
    ];
  });

  const zones = [
    ...new Map(
      request.services
        .filter((service) => service.public)
        .flatMap((service) => {
          const domain = service.domainname ?? request.domain;
          return domain
            ? [[domain, { name: publicZoneName(domain, environment, production), domain }] as const]
            : [];
        }),
    ).values(),
  ];

  const input: DeployInput = {
    action: 'deploy',
    deploymentId,
    project,
    environment,
    mode,
    force: request.force,
    confirm: request.confirm ?? '',
    policy,
    overridden: resolved.overridden,
    overrides: describeOverrides(resolved),
    requestedAt: now.toISOString(),
    requestedAtEpoch: Math.floor(now.getTime() / 1000),
    lockExpiresAt: new Date(now.getTime() + LOCK_TTL_MS).toISOString(),
    tags,
    tagMap: Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])),
    names,
    expiry: {
      enabled: request.ttl !== undefined,
      ttl: request.ttl ?? '',
      at: schedulerTime(expiresAt),
      epoch: request.ttl === undefined ? 0 : Math.floor(expiresAt.getTime() / 1000),
    },
    // In a team's own VPC the private subnets have their own way out: modeshift adds no NAT gateway.
    natGatewayCount: request.vpc ? 0 : (natGatewayCount(policy) as 0 | 1 | 2),
    taskNetwork: {
      subnets: taskNetworking(policy).subnets,
      assignPublicIp: taskNetworking(policy).assignPublicIp ? 'ENABLED' : 'DISABLED',
    },
    hasBuilds: builds.length > 0,
    hasDatabases: request.databases.length > 0,
    hasPublicServices: request.services.some((service) => service.public),
    hasDomain: zones.length > 0,
    builds,
    databases: request.databases.map((database) => {
      const derived = databaseNames(project, environment, database.name);
      return {
        name: database.name,
        instance: derived.instance,
        engine: database.engine,
        version: database.version,
        storageGiB: database.storageGiB,
        databaseName: database.databaseName,
        username: database.username,
        ...(database.snapshot !== undefined ? { snapshot: database.snapshot } : {}),
      };
    }),
    hasCaches: request.caches.length > 0,
    caches: request.caches.map((cache) => ({
      name: cache.name,
      replicationGroup: cacheNames(project, environment, cache.name).replicationGroup,
      engine: cache.engine,
      version: cache.version ?? defaultCacheVersion(cache.engine),
      ...(cache.snapshot !== undefined ? { snapshot: cache.snapshot } : {}),
    })),
    zones,
    adoptZones: request.adoptZones,
    adoptApex: request.adoptApex,
    targetGroups: request.services
      .filter((service) => service.public)
      .map((service) => ({
        service: service.name,
        name: serviceNames(project, environment, service.name).targetGroup,
        port: trafficPort(service),
        ...healthCheckOf(service),
      })),
    publicServices: publicHostnames(request, production).map((h) => ({
      service: h.service,
      ...(h.hostname !== undefined ? { hostname: h.hostname } : {}),
      ...(h.zone !== undefined ? { zone: h.zone } : {}),
      alias: h.alias,
    })),
    waves,
    hasRunOnce: runOnce.length > 0,
    runOnce: runOnceOrder.map((name) => runOnce.find((service) => service.name === name) as ServiceSpec),
    containers: request.services.map((service) => service.name),
    jobs,
    taskRoles: request.services
      .filter(
        (service) =>
          service.role === undefined && ((service.policies ?? []).length > 0 || policy.executeCommand),
      )
      .map((service) => service.name),
    scheduleState: request.pauseSchedules ? 'DISABLED' : 'ENABLED',
    notify: request.notify ?? [],
    vpcCidr: request.vpcCidr ?? null,
    vpc: request.vpc ?? null,
    inTeamVpc: request.vpc !== undefined,
    sharedNetwork: sharedNetworkOf(request, resolved),
    downRequest: { project, environment, reason: 'expired' },
  };
  assertInputFits(input);
  return input;
}

/** The port the load balancer sends a public service's traffic to: its first tcp port. */
export function trafficPort(service: Pick<Service, 'ports'>): number {
  return service.ports.find((port) => port.protocol === 'tcp')?.target ?? 80;
}

/**
 * The load balancer's health check of a public service: `x-modeshift.healthcheck` when set,
 * else `/` on the traffic port (compose translates an http healthcheck into the former).
 */
function healthCheckOf(service: Service): Pick<TargetGroupSpec, 'healthCheckPath' | 'healthCheckPort'> {
  const check = service.loadBalancerCheck;
  const port = check?.port;
  // Only what differs from the defaults, so the input stays small for large projects.
  return {
    ...(check !== undefined && check.path !== '/' ? { healthCheckPath: check.path } : {}),
    ...(port !== undefined && port !== trafficPort(service) ? { healthCheckPort: String(port) } : {}),
  };
}

export function buildDownInput(request: DownRequest, now: Date, deploymentId?: string): DownInput {
  return {
    action: 'down',
    project: request.project,
    environment: request.environment,
    deploymentId:
      request.deploymentId ?? deploymentId ?? `down-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`,
    confirm: request.confirm ?? '',
    requestedAt: now.toISOString(),
    requestedAtEpoch: Math.floor(now.getTime() / 1000),
    lockExpiresAt: new Date(now.getTime() + LOCK_TTL_MS).toISOString(),
    stamp: now.toISOString().replace(/\D/g, '').slice(0, 14),
    names: environmentNames(request.project, request.environment),
    environmentTags: modeshiftTags(request.project, request.environment, 'development', '').slice(0, 2),
  };
}
