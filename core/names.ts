/**
 * Every AWS name modeshift derives from a project, an environment and a
 * service, in one place, with the limit AWS puts on it. The request schema
 * checks all of them up front, so a request that validates never fails later
 * on a name.
 *
 * Names are unique per (project, environment, service): project,
 * environment and service names are DNS labels with single hyphens only
 * (core/request.ts), so `--` cannot occur inside any of them and joins them
 * unambiguously — `shop--wk-x` is project `shop`, environment `wk-x`, and
 * `shop-wk--x` is project `shop-wk`, environment `x`. Names joined with `/`
 * (ECR repositories, log groups, the Parameter Store path) or `.` (the
 * private zone) are unambiguous for the same reason. RDS identifiers may not
 * contain `--`: they join with single hyphens and end in a hash of the
 * parts, which tells the possible splits apart. Names shortened with
 * {@link fitName} keep a hash of the whole name. A name alone never decides
 * ownership: steps also check a resource's modeshift tags
 * (functions/aws/environment-tags.ts).
 */
import { createHash } from 'node:crypto';

/** A derived name and the rule AWS holds it to. */
export interface NameRule {
  /** What the name is for, as a person would say it. */
  readonly what: string;
  readonly value: string;
  readonly maxLength: number;
}

/** Length of the runtime suffix of a final snapshot identifier: `-final-YYYYMMDDhhmmss`. */
const FINAL_SNAPSHOT_SUFFIX_LENGTH = '-final-'.length + 14;
/** Length of the account/region hash in the access-log bucket name. */
const BUCKET_HASH_LENGTH = 8;
/** Length of the hash of project, environment and database that ends an RDS instance identifier. */
const DATABASE_HASH_LENGTH = 8;
/** Length of the hash of project, environment and service that ends a target group name. */
const TARGET_GROUP_HASH_LENGTH = 6;

export function shortHash(input: string, length: number): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/**
 * `base` when it fits in `maxLength`; otherwise its head and a hash of the
 * whole, so distinct inputs keep distinct, stable names.
 */
export function fitName(base: string, maxLength: number, hashLength = 6): string {
  if (base.length <= maxLength) return base;
  const head = base.slice(0, maxLength - hashLength - 1).replace(/-+$/, '');
  return `${head}-${shortHash(base, hashLength)}`;
}

/**
 * A name for AWS names that refuse `--` (RDS identifiers, ELB target
 * groups): the parts joined with single hyphens, which alone cannot tell
 * `shop-wk`/`x` from `shop`/`wk-x`, then a hash of the parts, which can. Its
 * head is cut so that the whole fits in `maxLength`.
 */
function hashedName(parts: readonly string[], maxLength: number, hashLength: number): string {
  const head = parts
    .join('-')
    .slice(0, maxLength - hashLength - 1)
    .replace(/-+$/, '');
  return `${head}-${shortHash(parts.join('/'), hashLength)}`;
}

/** Joins name parts that cannot contain `--` themselves (DNS labels with single hyphens) unambiguously. */
const SEPARATOR = '--';

/** The prefix of every name an environment's resources get: `<project>--<environment>`. */
function environmentPrefix(project: string, environment: string): string {
  return `${project}${SEPARATOR}${environment}`;
}

/** Names of the resources an environment has once. */
export type EnvironmentNames = ReturnType<typeof environmentNames>;

export function environmentNames(project: string, environment: string) {
  const prefix = environmentPrefix(project, environment);
  return {
    prefix,
    /** DynamoDB key of the environment record. */
    recordKey: `${project}#${environment}`,
    /** What every target group name of the environment starts with, before `-` (a candidate; its tags decide). */
    targetGroupPrefix: `${project}-${environment}`,
    vpc: prefix,
    cluster: prefix,
    loadBalancer: prefix,
    /** The WAF web ACL in front of the load balancer (`waf`), also its CloudWatch metric name. */
    webAcl: prefix,
    /** What the deployment alarms' names start with (`<prefix>--<service>--5xx`, `--p95`). */
    alarmPrefix: prefix,
    /** The SNS topic the deployment alarms tell, unless the request names one (`notify`). */
    alarmTopic: `${prefix}-alarms`,
    albSecurityGroup: `${prefix}-alb`,
    serviceSecurityGroup: `${prefix}-services`,
    databaseSecurityGroup: `${prefix}-db`,
    dbSubnetGroup: prefix,
    /** ElastiCache subnet group names are lowercase (≤ 255), as project and environment names are. */
    cacheSubnetGroup: prefix,
    cacheSecurityGroup: `${prefix}-cache`,
    expirySchedule: `${prefix}-expiry`,
    /** The EventBridge Scheduler group of the scheduled jobs (≤ 64); a schedule is named after its job. */
    scheduleGroup: prefix,
    /** Private zone for service discovery; also the VPC's DNS search domain. `.` cannot occur in either name. */
    privateZone: `${environment}.${project}.internal`,
    /** Parameter Store path holding the environment's secret values. `/` cannot occur in either name. */
    secretsPath: `/modeshift/${project}/${environment}/`,
    /**
     * The role CodeBuild builds the environment's images as (IAM, ≤ 64 characters, unique in the
     * account). `.` appears in no project, environment or service name, so it is never a service's
     * execution role name (`<prefix>--<service>`), not even of a service named `codebuild`.
     */
    codeBuildRole: fitName(`${prefix}.codebuild`, 64),
  };
}

/** The names of one service's deployment alarms. */
export interface ServiceAlarmNames {
  /** Goes off on the target group's 5xx responses. */
  readonly errors5xx: string;
  /** Goes off on the target group's p95 response time. */
  readonly latencyP95: string;
}

/** The names of a service's alarms: `<alarmPrefix>--<service>--5xx` and `--p95`. */
export function serviceAlarmNames(alarmPrefix: string, service: string): ServiceAlarmNames {
  return {
    errors5xx: `${alarmPrefix}${SEPARATOR}${service}${SEPARATOR}5xx`,
    latencyP95: `${alarmPrefix}${SEPARATOR}${service}${SEPARATOR}p95`,
  };
}

/** The access-log bucket: bucket names are global, so a hash of account and region keeps them apart. */
export function accessLogBucketName(
  project: string,
  environment: string,
  accountId: string,
  region: string,
): string {
  return `${environmentPrefix(project, environment)}-lb-logs-${shortHash(`${accountId}/${region}`, BUCKET_HASH_LENGTH)}`;
}

/** Names of the resources a service has. */
export function serviceNames(project: string, environment: string, service: string) {
  const full = `${environmentPrefix(project, environment)}${SEPARATOR}${service}`;
  return {
    /** Unique within the environment's own cluster. */
    ecsService: service,
    taskFamily: full,
    codeBuildProject: full,
    /** ECR allows no `--`; `/` cannot occur in any of the three names. */
    ecrRepository: `${project}/${environment}/${service}`,
    /** `/` cannot occur in any of the three names. */
    logGroup: `/modeshift/${project}/${environment}/${service}`,
    /**
     * ≤ 32 characters. ELB refuses `--` in target group names: `<project>-<environment>-<service>`
     * (cut to fit) and a hash of the three.
     */
    targetGroup: hashedName([project, environment, service], 32, TARGET_GROUP_HASH_LENGTH),
    /** The task execution role (IAM, ≤ 64 characters, unique in the account). */
    executionRole: fitName(full, 64),
    /** The task role modeshift creates for the app (`x-modeshift.policies`); `.` is in no name part. */
    taskRole: fitName(`${full}.task`, 64),
  };
}

/** Names of the resources a managed database has. */
export function databaseNames(project: string, environment: string, database: string) {
  // RDS refuses `--` in identifiers: the hash of the parts tells `shop-wk`/`x` from `shop`/`wk-x`.
  const instance = hashedName(
    [project, environment, database],
    Number.POSITIVE_INFINITY,
    DATABASE_HASH_LENGTH,
  );
  return {
    instance,
    /** Prefix of the final snapshot identifier; the timestamp is added at down. */
    finalSnapshotPrefix: `${instance}-final`,
  };
}

/** Length of the hash of project, environment and cache that ends a replication group id. */
const CACHE_HASH_LENGTH = 8;

/** Names of the resources a managed cache has. */
export function cacheNames(project: string, environment: string, cache: string) {
  // ElastiCache ids: ≤ 40 characters, lowercase, no `--`; the hash tells `shop-wk`/`x` from `shop`/`wk-x`.
  const replicationGroup = hashedName([project, environment, cache], 40, CACHE_HASH_LENGTH);
  return {
    replicationGroup,
    /** Prefix of the final snapshot name; the timestamp is added at down. */
    finalSnapshotPrefix: `${replicationGroup}-final`,
  };
}

/** Every name derived for one cache, with its limit. */
export function cacheNameRules(project: string, environment: string, cache: string): NameRule[] {
  const names = cacheNames(project, environment, cache);
  return [
    { what: 'ElastiCache replication group id', value: names.replicationGroup, maxLength: 40 },
    {
      what: 'ElastiCache final snapshot name',
      value: `${names.replicationGroup}${'x'.repeat(FINAL_SNAPSHOT_SUFFIX_LENGTH)}`,
      maxLength: 255,
    },
  ];
}

/** The hosted zone a domain gets: the domain itself in production, `<environment>.<domain>` elsewhere. */
export function publicZoneName(domain: string, environment: string, production: boolean): string {
  return production ? domain : `${environment}.${domain}`;
}

/** Step Functions execution name (≤ 80): duplicates of one request map to the same name. */
export function executionName(project: string, environment: string, deploymentId: string): string {
  // The deployment id may contain `--`, but it comes last: the first two `--` end project and environment.
  return fitName(`${environmentPrefix(project, environment)}${SEPARATOR}${deploymentId}`, 80, 10);
}

/** Every name derived from project and environment alone, with its limit. */
export function environmentNameRules(project: string, environment: string): NameRule[] {
  const names = environmentNames(project, environment);
  return [
    { what: 'load balancer name', value: names.loadBalancer, maxLength: 32 },
    { what: 'scheduler schedule name', value: names.expirySchedule, maxLength: 64 },
    { what: 'scheduler schedule group name', value: names.scheduleGroup, maxLength: 64 },
    {
      what: 'S3 access-log bucket name',
      value: `${names.prefix}-lb-logs-${'x'.repeat(BUCKET_HASH_LENGTH)}`,
      maxLength: 63,
    },
    // A target group name keeps `<project>-<environment>-` whole before its hash.
    {
      what: 'target group name prefix',
      value: `${names.targetGroupPrefix}-${'x'.repeat(TARGET_GROUP_HASH_LENGTH + 1)}`,
      maxLength: 32,
    },
    { what: 'ECS cluster name', value: names.cluster, maxLength: 255 },
    { what: 'RDS subnet group name', value: names.dbSubnetGroup, maxLength: 255 },
    { what: 'private hosted zone name', value: names.privateZone, maxLength: 253 },
    { what: 'CodeBuild role name', value: names.codeBuildRole, maxLength: 64 },
  ];
}

/** Every name derived for one service, with its limit. */
export function serviceNameRules(project: string, environment: string, service: string): NameRule[] {
  const names = serviceNames(project, environment, service);
  return [
    { what: 'CodeBuild project name', value: names.codeBuildProject, maxLength: 150 },
    { what: 'ECR repository name', value: names.ecrRepository, maxLength: 256 },
    { what: 'ECS task definition family', value: names.taskFamily, maxLength: 255 },
    { what: 'CloudWatch log group name', value: names.logGroup, maxLength: 512 },
    {
      what: 'private DNS name',
      value: `${service}.${environmentNames(project, environment).privateZone}`,
      maxLength: 253,
    },
  ];
}

/** Every name derived for one database, with its limit. */
export function databaseNameRules(project: string, environment: string, database: string): NameRule[] {
  const names = databaseNames(project, environment, database);
  return [
    { what: 'RDS instance identifier', value: names.instance, maxLength: 63 },
    {
      what: 'RDS final snapshot identifier',
      value: `${names.instance}${'x'.repeat(FINAL_SNAPSHOT_SUFFIX_LENGTH)}`,
      maxLength: 255,
    },
  ];
}

/** The first rule a name breaks, if any. */
export function firstTooLong(rules: readonly NameRule[]): NameRule | undefined {
  return rules.find((rule) => rule.value.length > rule.maxLength);
}
