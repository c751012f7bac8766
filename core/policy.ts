/**
 * The mode policy: docs/design.md §1 as code. Every setting of every mode, the mode
 * aliases, per-deployment overrides and the guard on mode changes.
 *
 * A deployment's settings are a recipe: the mode's defaults plus validated
 * overrides. The resolved settings travel in the workflow's execution input.
 */
import * as z from 'zod/mini';
import { InputError, type Problem } from './errors.ts';
import './zod-locale.ts';

export const MODES = ['development', 'staging', 'production'] as const;
export type Mode = (typeof MODES)[number];

/** Accepted spellings of each mode (matched case-insensitively). */
export const MODE_ALIASES: Readonly<Record<string, Mode>> = {
  development: 'development',
  dev: 'development',
  affordable: 'development',
  staging: 'staging',
  balanced: 'staging',
  production: 'production',
  prod: 'production',
  ha: 'production',
  high_availability: 'production',
};

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** CodeBuild compute types for Linux container builds. */
export const BUILD_COMPUTE_TYPES = [
  'BUILD_GENERAL1_SMALL',
  'BUILD_GENERAL1_MEDIUM',
  'BUILD_GENERAL1_LARGE',
  'BUILD_GENERAL1_XLARGE',
  'BUILD_GENERAL1_2XLARGE',
] as const;

const settingShapes = {
  buildComputeType: z.enum(BUILD_COMPUTE_TYPES),
  capacityProvider: z.enum(['FARGATE', 'FARGATE_SPOT']),
  dbInstanceClass: z
    .string()
    .check(
      z.regex(
        /^db\.[a-z0-9-]+\.[a-z0-9]+$/,
        'expected an RDS instance class such as db.t4g.micro or db.m7g.large',
      ),
    ),
  deploymentStrategy: z.enum(['replace', 'rolling']),
  minimumHealthyPercent: z.number().check(z.int(), z.minimum(0), z.maximum(100)),
  maximumPercent: z.number().check(z.int(), z.minimum(100), z.maximum(200)),
  circuitBreakerRollback: z.boolean(),
  logRetentionDays: z.number().check(
    z.int(),
    z.refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `expected one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
  ),
  natGateways: z.enum(['none', 'single', 'per-az']),
  network: z.enum(['shared', 'dedicated']),
  httpRedirectCode: z.enum(['HTTP_301', 'HTTP_302']),
  lbDeletionProtection: z.boolean(),
  retainAccessLogsOnDown: z.boolean(),
  dnsTtlSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(2_147_483_647)),
  dnsWriteMode: z.enum(['recreate', 'upsert']),
  destroyZoneOnDown: z.boolean(),
  applyImmediately: z.boolean(),
  storageEncrypted: z.boolean(),
  dbDeletionProtection: z.boolean(),
  finalSnapshotOnDown: z.boolean(),
  dbMultiAz: z.boolean(),
  dbBackupRetentionDays: z
    .number()
    .check(
      z.int(),
      z.minimum(0, 'expected 0 to 35 days (RDS keeps automated backups up to 35 days; 0 turns them off)'),
      z.maximum(35, 'expected 0 to 35 days (RDS keeps automated backups up to 35 days; 0 turns them off)'),
    ),
  cacheNodeType: z
    .string()
    .check(
      z.regex(
        /^cache\.[a-z0-9-]+\.[a-z0-9]+$/,
        'expected an ElastiCache node type such as cache.t4g.micro or cache.m7g.large',
      ),
    ),
  cacheReplicas: z
    .number()
    .check(
      z.int(),
      z.minimum(0, 'expected 0 to 5 replicas (ElastiCache allows up to 5 per shard)'),
      z.maximum(5, 'expected 0 to 5 replicas (ElastiCache allows up to 5 per shard)'),
    ),
  cacheTransitEncryption: z.boolean(),
  snapshotBeforeRunOnce: z.boolean(),
  executeCommand: z.boolean(),
  autoscaling: z.enum(['off', 'cpu']),
  autoscalingCpuPercent: z
    .number()
    .check(
      z.int(),
      z.minimum(10, 'expected 10 to 90 (% average CPU the scaling keeps the service at)'),
      z.maximum(90, 'expected 10 to 90 (% average CPU the scaling keeps the service at)'),
    ),
  autoscalingMaxFactor: z
    .number()
    .check(
      z.int(),
      z.minimum(1, 'expected 1 to 10 (the most tasks, as a multiple of the replicas)'),
      z.maximum(10, 'expected 1 to 10 (the most tasks, as a multiple of the replicas)'),
    ),
  serviceDiscoveryTtlSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(2_147_483_647)),
  waf: z.boolean(),
  deploymentAlarms: z.enum(['off', 'alarms', 'rollback']),
  alarm5xxPerMinute: z
    .number()
    .check(
      z.int(),
      z.minimum(1, 'expected 1 or more 5xx responses a minute'),
      z.maximum(100_000, 'expected at most 100000 5xx responses a minute'),
    ),
  alarmP95LatencySeconds: z
    .number()
    .check(
      z.minimum(0.01, 'expected 0.01 to 60 seconds'),
      z.maximum(60, 'expected 0.01 to 60 seconds (the load balancer times requests out at 60 by default)'),
    ),
};

export type SettingName = keyof typeof settingShapes;
export const SETTING_NAMES = Object.keys(settingShapes) as SettingName[];

/** Production overrides that weaken data protection: each needs `confirm` naming the environment. */
export const PRODUCTION_PROTECTIONS = [
  'finalSnapshotOnDown',
  'snapshotBeforeRunOnce',
  'dbDeletionProtection',
  'lbDeletionProtection',
  'retainAccessLogsOnDown',
] as const satisfies readonly SettingName[];

/**
 * Whether an override weakens the protection of production data, and so needs `confirm`: a
 * protection turned off, or automated backups turned off (RDS deletes the instance's automated
 * backups, and with them point-in-time restore).
 */
export function weakensProductionData(setting: string, value: unknown): boolean {
  if (setting === 'dbBackupRetentionDays') return value === 0;
  return (PRODUCTION_PROTECTIONS as readonly string[]).includes(setting) && value === false;
}

/** The message for an override that names no setting. */
export const UNKNOWN_SETTING = `unknown setting (known settings: ${SETTING_NAMES.join(', ')})`;

/** The resolved settings of one deployment. */
export type Policy = { [K in SettingName]: z.infer<(typeof settingShapes)[K]> };

/** Partial settings a deployment may override; unknown names are refused. */
export type Overrides = Partial<Policy>;

/** What each setting means, for people (the modes table, plan output). */
export const SETTING_LABELS: Readonly<Record<SettingName, string>> = {
  buildComputeType: 'CodeBuild compute type',
  capacityProvider: 'ECS capacity provider',
  dbInstanceClass: 'Database instance class (small database)',
  deploymentStrategy: 'Deployment strategy',
  minimumHealthyPercent: 'ECS minimum healthy percent',
  maximumPercent: 'ECS maximum percent',
  circuitBreakerRollback: 'ECS circuit breaker with rollback',
  logRetentionDays: 'CloudWatch log retention (days)',
  natGateways: 'NAT gateways',
  network: 'Network (VPC, load balancer)',
  httpRedirectCode: 'HTTP → HTTPS redirect',
  lbDeletionProtection: 'Load balancer deletion protection',
  retainAccessLogsOnDown: 'Load balancer access logs kept on down',
  dnsTtlSeconds: 'DNS record TTL (seconds)',
  dnsWriteMode: 'DNS record writes',
  destroyZoneOnDown: 'Hosted zone destroyed on down',
  applyImmediately: 'Storage changes applied immediately',
  storageEncrypted: 'Database encryption at rest',
  dbDeletionProtection: 'Database deletion protection',
  finalSnapshotOnDown: 'Final database snapshot on down',
  dbMultiAz: 'Database standby in a second zone (Multi-AZ)',
  dbBackupRetentionDays: 'Database automated backups (days)',
  cacheNodeType: 'Managed cache (Redis) node type',
  cacheReplicas: 'Cache replicas (failover and Multi-AZ when 1 or more)',
  cacheTransitEncryption: 'Cache in-transit encryption (TLS, rediss://)',
  snapshotBeforeRunOnce: 'Database snapshot before run-once tasks (migrations)',
  executeCommand: 'ECS Exec (a shell in a running container)',
  autoscaling: 'Service autoscaling',
  autoscalingCpuPercent: 'Autoscaling CPU target (%)',
  autoscalingMaxFactor: 'Autoscaling maximum (× replicas)',
  serviceDiscoveryTtlSeconds: 'Cloud Map TTL (seconds)',
  waf: 'AWS WAF on the load balancer',
  deploymentAlarms: 'Deploy alarms: 5xx, p95 latency',
  alarm5xxPerMinute: 'Alarm: 5xx a minute above',
  alarmP95LatencySeconds: 'Alarm: p95 latency above (s)',
};

/** Deployment configuration implied by each strategy (docs/design.md §1). */
export const STRATEGY_PERCENTS = {
  replace: { minimumHealthyPercent: 0, maximumPercent: 100 },
  rolling: { minimumHealthyPercent: 100, maximumPercent: 200 },
} as const satisfies Record<
  Policy['deploymentStrategy'],
  Pick<Policy, 'minimumHealthyPercent' | 'maximumPercent'>
>;

/** docs/design.md §1, exactly. */
export const MODE_POLICIES: Readonly<Record<Mode, Readonly<Policy>>> = {
  development: {
    buildComputeType: 'BUILD_GENERAL1_SMALL',
    capacityProvider: 'FARGATE_SPOT',
    dbInstanceClass: 'db.t4g.micro',
    deploymentStrategy: 'replace',
    ...STRATEGY_PERCENTS.replace,
    circuitBreakerRollback: true,
    logRetentionDays: 1,
    natGateways: 'none',
    network: 'shared',
    httpRedirectCode: 'HTTP_302',
    lbDeletionProtection: false,
    retainAccessLogsOnDown: false,
    dnsTtlSeconds: 60,
    dnsWriteMode: 'recreate',
    destroyZoneOnDown: true,
    applyImmediately: true,
    storageEncrypted: true,
    dbDeletionProtection: false,
    finalSnapshotOnDown: false,
    dbMultiAz: false,
    dbBackupRetentionDays: 1,
    cacheNodeType: 'cache.t4g.micro',
    cacheReplicas: 0,
    cacheTransitEncryption: false,
    snapshotBeforeRunOnce: false,
    executeCommand: true,
    autoscaling: 'off',
    autoscalingCpuPercent: 70,
    autoscalingMaxFactor: 2,
    serviceDiscoveryTtlSeconds: 10,
    waf: false,
    deploymentAlarms: 'off',
    alarm5xxPerMinute: 10,
    alarmP95LatencySeconds: 2,
  },
  staging: {
    buildComputeType: 'BUILD_GENERAL1_SMALL',
    capacityProvider: 'FARGATE_SPOT',
    dbInstanceClass: 'db.m7g.large',
    deploymentStrategy: 'rolling',
    ...STRATEGY_PERCENTS.rolling,
    circuitBreakerRollback: true,
    logRetentionDays: 7,
    natGateways: 'single',
    network: 'shared',
    httpRedirectCode: 'HTTP_301',
    lbDeletionProtection: false,
    retainAccessLogsOnDown: false,
    dnsTtlSeconds: 300,
    dnsWriteMode: 'upsert',
    destroyZoneOnDown: false,
    applyImmediately: true,
    storageEncrypted: true,
    dbDeletionProtection: false,
    finalSnapshotOnDown: false,
    dbMultiAz: false,
    dbBackupRetentionDays: 7,
    cacheNodeType: 'cache.m7g.large',
    cacheReplicas: 1,
    cacheTransitEncryption: false,
    snapshotBeforeRunOnce: false,
    executeCommand: true,
    autoscaling: 'cpu',
    autoscalingCpuPercent: 70,
    autoscalingMaxFactor: 2,
    serviceDiscoveryTtlSeconds: 10,
    waf: false,
    deploymentAlarms: 'alarms',
    alarm5xxPerMinute: 10,
    alarmP95LatencySeconds: 2,
  },
  production: {
    buildComputeType: 'BUILD_GENERAL1_MEDIUM',
    capacityProvider: 'FARGATE',
    dbInstanceClass: 'db.m7g.large',
    deploymentStrategy: 'rolling',
    ...STRATEGY_PERCENTS.rolling,
    circuitBreakerRollback: true,
    logRetentionDays: 30,
    natGateways: 'per-az',
    network: 'dedicated',
    httpRedirectCode: 'HTTP_301',
    lbDeletionProtection: true,
    retainAccessLogsOnDown: true,
    dnsTtlSeconds: 3600,
    dnsWriteMode: 'upsert',
    destroyZoneOnDown: false,
    applyImmediately: false,
    storageEncrypted: true,
    dbDeletionProtection: true,
    finalSnapshotOnDown: true,
    dbMultiAz: true,
    dbBackupRetentionDays: 30,
    cacheNodeType: 'cache.m7g.large',
    cacheReplicas: 1,
    cacheTransitEncryption: false,
    snapshotBeforeRunOnce: true,
    executeCommand: false,
    autoscaling: 'cpu',
    autoscalingCpuPercent: 60,
    autoscalingMaxFactor: 4,
    serviceDiscoveryTtlSeconds: 10,
    waf: true,
    deploymentAlarms: 'rollback',
    alarm5xxPerMinute: 5,
    alarmP95LatencySeconds: 1,
  },
};

/** A mode that is unknown, an override that is invalid, or a refused mode change. */
export class PolicyError extends InputError {
  override name = 'PolicyError';
}

/** A mode change the guard refuses (production → development without force). */
export class ModeChangeRefusedError extends PolicyError {
  override name = 'ModeChangeRefusedError';
}

/** Parses a mode or one of its aliases, case-insensitively; undefined when unknown. */
export function parseMode(input: string): Mode | undefined {
  return MODE_ALIASES[input.trim().toLowerCase()];
}

export function modeHint(): string {
  return `expected one of ${MODES.join(', ')} (aliases: ${Object.keys(MODE_ALIASES)
    .filter((alias) => !(MODES as readonly string[]).includes(alias))
    .join(', ')})`;
}

/** Parses a mode or alias; throws a PolicyError naming `field` when it is unknown. */
export function resolveMode(input: string, field = 'mode'): Mode {
  const mode = parseMode(input);
  if (mode === undefined) {
    throw new PolicyError([
      { path: field, message: `${JSON.stringify(input)} is not a mode (${modeHint()})` },
    ]);
  }
  return mode;
}

/** Zod schema of one deployment's overrides: known settings only, each valid. */
export const OverridesSchema = z.partial(z.strictObject(settingShapes));

/**
 * Rules that tie settings together; each problem names the setting to change.
 * `replace` stops every old task before new ones start, so it needs 0 % / 100 %;
 * `rolling` keeps old tasks serving, so it needs some healthy floor and room above it.
 */
export function checkPolicyConsistency(policy: Policy, path = 'overrides'): Problem[] {
  const problems: Problem[] = [];
  const { deploymentStrategy, minimumHealthyPercent, maximumPercent } = policy;
  if (deploymentStrategy === 'replace') {
    if (minimumHealthyPercent !== 0) {
      problems.push({
        path: `${path}.minimumHealthyPercent`,
        message: `${minimumHealthyPercent} contradicts deploymentStrategy "replace", which stops every old task first (expected 0)`,
      });
    }
    if (maximumPercent !== 100) {
      problems.push({
        path: `${path}.maximumPercent`,
        message: `${maximumPercent} contradicts deploymentStrategy "replace", which starts no task before the old ones stop (expected 100)`,
      });
    }
  } else {
    if (minimumHealthyPercent === 0) {
      problems.push({
        path: `${path}.minimumHealthyPercent`,
        message: `0 contradicts deploymentStrategy "rolling", which keeps old tasks serving (expected 1 to 100)`,
      });
    }
    if (maximumPercent <= minimumHealthyPercent) {
      problems.push({
        path: `${path}.maximumPercent`,
        message: `${maximumPercent} leaves no room to start new tasks above minimumHealthyPercent ${minimumHealthyPercent} (expected more than ${minimumHealthyPercent})`,
      });
    }
  }
  if (policy.network === 'shared') {
    for (const setting of ['waf', 'lbDeletionProtection'] as const) {
      if (policy[setting]) {
        problems.push({
          path: `${path}.${setting}`,
          message: `true contradicts network "shared": the load balancer is the project's, not this environment's (expected false, or network "dedicated")`,
        });
      }
    }
  }
  return problems;
}

/** A mode's defaults with overrides applied: what a deployment actually gets. */
export interface ResolvedPolicy {
  readonly mode: Mode;
  readonly policy: Policy;
  /** The settings that differ from the mode's defaults because of an override. */
  readonly overridden: readonly SettingName[];
}

/**
 * Applies validated overrides to a mode's defaults. Overriding only
 * `deploymentStrategy` brings the strategy's percentages along; explicit
 * percentages win. Throws a PolicyError naming each inconsistent setting.
 */
export function resolvePolicy(
  mode: Mode,
  overrides: Readonly<Partial<Record<SettingName, unknown>>> = {},
  path = 'overrides',
): ResolvedPolicy {
  const parsed = OverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    throw new PolicyError(
      parsed.error.issues.flatMap((issue) => describeOverrideIssue(issue, path)),
      { cause: parsed.error },
    );
  }
  const clean = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => value !== undefined),
  ) as Overrides;
  const strategyPercents = clean.deploymentStrategy ? STRATEGY_PERCENTS[clean.deploymentStrategy] : {};
  const policy: Policy = { ...MODE_POLICIES[mode], ...strategyPercents, ...clean };
  const problems = checkPolicyConsistency(policy, path);
  if (problems.length > 0) throw new PolicyError(problems);
  const overridden = SETTING_NAMES.filter((name) => policy[name] !== MODE_POLICIES[mode][name]);
  return { mode, policy, overridden };
}

function describeOverrideIssue(issue: z.core.$ZodIssue, path: string): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: `${path}.${key}`,
      message: UNKNOWN_SETTING,
    }));
  }
  const field = [path, ...issue.path.map(String)].join('.');
  return [{ path: field, message: issue.message }];
}

/**
 * Parses `key=value` pairs from the command line into overrides, converting
 * each value to its setting's type. Validation happens in resolvePolicy.
 */
export function parseOverrideAssignments(assignments: readonly string[]): Overrides {
  const overrides: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: '--set', message: `${JSON.stringify(assignment)} is not key=value` });
      continue;
    }
    const key = assignment.slice(0, eq).trim();
    const raw = assignment.slice(eq + 1).trim();
    const sample = MODE_POLICIES.development[key as SettingName];
    if (typeof sample === 'boolean') {
      if (raw === 'true' || raw === 'false') overrides[key] = raw === 'true';
      else
        problems.push({
          path: `overrides.${key}`,
          message: `${JSON.stringify(raw)} is not a boolean (expected true or false)`,
        });
    } else if (typeof sample === 'number') {
      const value = Number(raw);
      if (raw !== '' && Number.isFinite(value)) overrides[key] = value;
      else problems.push({ path: `overrides.${key}`, message: `${JSON.stringify(raw)} is not a number` });
    } else {
      overrides[key] = raw;
    }
  }
  if (problems.length > 0) throw new PolicyError(problems);
  return overrides as Overrides;
}

const MODE_RANK: Readonly<Record<Mode, number>> = { development: 0, staging: 1, production: 2 };

/** How a deployment changes an environment's mode. */
export interface ModeChange {
  readonly kind: 'initial' | 'unchanged' | 'upgrade' | 'downgrade';
  readonly from: Mode | undefined;
  readonly to: Mode;
  /** Set on downgrades: recorded in the environment's history. */
  readonly warning?: string;
}

/**
 * The mode-change guard. production → development is refused unless forced;
 * other downgrades proceed with a warning. Upgrades re-apply every setting.
 */
export function checkModeChange(
  from: Mode | undefined,
  to: Mode,
  options: { force?: boolean; confirm?: string; environment?: string } = {},
): ModeChange {
  if (from === undefined) return { kind: 'initial', from, to };
  if (from === to) return { kind: 'unchanged', from, to };
  if (MODE_RANK[to] > MODE_RANK[from]) return { kind: 'upgrade', from, to };
  const where = options.environment ? ` of environment "${options.environment}"` : '';
  const confirmed = options.confirm !== undefined && options.confirm === options.environment;
  if (from === 'production' && to === 'development' && !(options.force && confirmed)) {
    const confirm = options.environment ?? '<environment>';
    throw new ModeChangeRefusedError([
      {
        path: 'mode',
        message: `changing the mode${where} from production to development is refused: it drops deletion protection, the final database snapshot and on-demand capacity; repeat with force: true and confirm: "${confirm}" (--force --confirm ${confirm}) to proceed`,
      },
    ]);
  }
  return {
    kind: 'downgrade',
    from,
    to,
    warning: `mode downgraded${where} from ${from} to ${to}${options.force ? ' (forced)' : ''}: resilience settings are relaxed to ${to}'s`,
  };
}
