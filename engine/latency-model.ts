/**
 * A latency model of AWS: how long an API call takes, and how long after
 * the call that creates (or deletes) a resource it is ready, per operation.
 * The local engine's runs take no time at all without it; with it, a run can
 * be made to take as long as on AWS, scaled down by a factor so that a
 * ten-minute deploy takes seconds (`modeshift`'s benchmark, bench/, runs the
 * workflows on it; `withCallLatency` puts the per-call part in front of any
 * client factory, such as one pointed at a local emulator).
 *
 * The defaults are typical figures for us-east-1, not measurements of any
 * one account: AWS's own documentation and common experience put RDS
 * instance creation at several minutes, a NAT gateway and a load balancer at
 * a few, a small CodeBuild build at one to two, an ECS service at about two
 * to become stable, and Route 53 changes at about a minute to propagate.
 */
import { readFileSync } from 'node:fs';
import { EngineError } from './errors.ts';

/**
 * Seconds from an operation's call until what it started is done, by
 * `<service>:<Operation>` (the SDK's service id and operation name).
 */
export const DEFAULT_READY_SECONDS = {
  /** VPC, subnets, gateway, route tables and security groups, all usable right after their calls. */
  'ec2:CreateVpc': 10,
  /** A NAT gateway from `pending` to `available`. */
  'ec2:CreateNatGateway': 150,
  'ec2:DeleteNatGateway': 60,
  /** The VPC and what is left in it, once the NAT gateways are gone. */
  'ec2:DeleteVpc': 20,
  /** A PostgreSQL instance from `creating` to `available`. */
  'rds:CreateDBInstance': 480,
  'rds:DeleteDBInstance': 240,
  /** The final snapshot a production down takes before the instance is deleted. */
  'rds:CreateDBSnapshot': 180,
  /** A Redis OSS or Valkey replication group from `creating` to `available`. */
  'elasticache:CreateReplicationGroup': 600,
  'elasticache:DeleteReplicationGroup': 300,
  /** The final snapshot a production down takes before the replication group is deleted. */
  'elasticache:CreateSnapshot': 120,
  /** An application load balancer from `provisioning` to `active`. */
  'elasticloadbalancingv2:CreateLoadBalancer': 180,
  'elasticloadbalancingv2:DeleteLoadBalancer': 30,
  /** One image build (BUILD_GENERAL1_SMALL or MEDIUM), queueing and provisioning included. */
  'codebuild:StartBuild': 90,
  /** A new ECS service's deployment from start to COMPLETED (tasks running and healthy). */
  'ecs:CreateService': 120,
  /** An updated service's new deployment from start to COMPLETED. */
  'ecs:UpdateService': 120,
  /** Replace deploys: the old tasks stopping before the new ones start (ECS at 0 % / 100 %). */
  'ecs:StopTasks': 30,
  /** A service scaled to zero and deleted, from the call to INACTIVE. */
  'ecs:DeleteService': 60,
  /** A Route 53 change from PENDING to INSYNC (propagated to every name server). */
  'route53:ChangeResourceRecordSets': 60,
  /** ACM's DNS validation, counted from the validation record being in sync. */
  'acm:RequestCertificate': 90,
  /** A Cloud Map private DNS namespace (and its private hosted zone). */
  'servicediscovery:CreatePrivateDnsNamespace': 60,
  'servicediscovery:DeleteNamespace': 45,
} as const;

export type Operation = keyof typeof DEFAULT_READY_SECONDS;

export interface LatencyModel {
  /** Seconds until an operation's result is ready, by operation. */
  readonly readySeconds: Readonly<Record<Operation, number>>;
  /** Seconds one AWS API call takes, round trip. @default 0.1 */
  readonly callSeconds: number;
  /** Seconds Step Functions takes to invoke a warm Lambda function. @default 0.05 */
  readonly invokeSeconds: number;
  /**
   * How much each ready time varies, as a fraction either way (0.2: ±20 %),
   * drawn per resource from a seeded generator, so that no wait in a run
   * is exactly the default. @default 0.2
   */
  readonly jitter: number;
  /** Seed of the jitter's generator. @default 1 */
  readonly seed: number;
  /** Wall-clock seconds per modeled second (1/200: a ten-minute deploy runs in three seconds). @default 1 */
  readonly scale: number;
}

export const DEFAULT_LATENCY_MODEL: LatencyModel = {
  readySeconds: DEFAULT_READY_SECONDS,
  callSeconds: 0.1,
  invokeSeconds: 0.05,
  jitter: 0.2,
  seed: 1,
  scale: 1,
};

/** What may override the defaults: any field, and any subset of the operations. */
export interface LatencyOverrides {
  readonly readySeconds?: Readonly<Partial<Record<string, number>>>;
  readonly callSeconds?: number;
  readonly invokeSeconds?: number;
  readonly jitter?: number;
  readonly seed?: number;
  readonly scale?: number;
}

/** The settings a latency model file may hold. */
const OVERRIDE_KEYS: readonly string[] = [
  'readySeconds',
  'callSeconds',
  'invokeSeconds',
  'jitter',
  'seed',
  'scale',
];

function isOperation(name: string): name is Operation {
  return Object.hasOwn(DEFAULT_READY_SECONDS, name);
}

function nonNegative(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EngineError(
      `latency model: ${where} must be a number of at least 0, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The defaults with `overrides` applied; every value checked, unknown operations refused by name. */
export function latencyModel(overrides: LatencyOverrides = {}, base = DEFAULT_LATENCY_MODEL): LatencyModel {
  const readySeconds: Record<Operation, number> = { ...base.readySeconds };
  for (const [name, seconds] of Object.entries(overrides.readySeconds ?? {})) {
    if (!isOperation(name)) {
      throw new EngineError(
        `latency model: readySeconds.${name} is not a modeled operation (known: ${Object.keys(DEFAULT_READY_SECONDS).join(', ')})`,
      );
    }
    readySeconds[name] = nonNegative(seconds, `readySeconds.${name}`);
  }
  const scale = nonNegative(overrides.scale ?? base.scale, 'scale');
  if (scale === 0) throw new EngineError('latency model: scale must be above 0');
  const jitter = nonNegative(overrides.jitter ?? base.jitter, 'jitter');
  if (jitter >= 1) throw new EngineError(`latency model: jitter must be below 1, got ${jitter}`);
  return {
    readySeconds,
    callSeconds: nonNegative(overrides.callSeconds ?? base.callSeconds, 'callSeconds'),
    invokeSeconds: nonNegative(overrides.invokeSeconds ?? base.invokeSeconds, 'invokeSeconds'),
    jitter,
    seed: nonNegative(overrides.seed ?? base.seed, 'seed'),
    scale,
  };
}

/** A model read from a JSON file of overrides (`{"readySeconds": {"rds:CreateDBInstance": 600}, "scale": 0.01}`). */
export function loadLatencyModel(path: string, base = DEFAULT_LATENCY_MODEL): LatencyModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EngineError(`latency model: cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EngineError(`latency model: ${path} must hold a JSON object`);
  }
  const unknown = Object.keys(parsed).find((key) => !OVERRIDE_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new EngineError(
      `latency model: ${path}: ${JSON.stringify(unknown)} is not a setting (known: ${OVERRIDE_KEYS.join(', ')})`,
    );
  }
  const { readySeconds } = parsed as { readySeconds?: unknown };
  if (
    readySeconds !== undefined &&
    (typeof readySeconds !== 'object' || readySeconds === null || Array.isArray(readySeconds))
  ) {
    throw new EngineError(`latency model: ${path}: readySeconds must be an object of seconds by operation`);
  }
  return latencyModel(parsed as LatencyOverrides, base);
}

/** The same model with every latency zero: what a run costs the engine itself. */
export function zeroLatency(model: LatencyModel): LatencyModel {
  const readySeconds = Object.fromEntries(Object.keys(model.readySeconds).map((name) => [name, 0]));
  return {
    ...model,
    readySeconds: readySeconds as Record<Operation, number>,
    callSeconds: 0,
    invokeSeconds: 0,
  };
}

/**
 * Draws each resource's ready time: the operation's seconds times a factor
 * in [1 - jitter, 1 + jitter], from a small seeded generator (mulberry32),
 * so two runs with the same seed draw the same times.
 */
export function readyTimes(model: LatencyModel): (operation: Operation) => number {
  let state = Math.floor(model.seed * 0x9e3779b9) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return (operation) => model.readySeconds[operation] * (1 + model.jitter * (2 * next() - 1));
}
