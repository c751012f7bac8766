/**
 * The resources modeshift names, as IAM resource patterns, and the tag
 * conditions its statements carry. The patterns are built by calling
 * core/names.ts with `*` for project, environment, service and database, so
 * they follow the naming rules as they change. An action that takes no
 * resource is granted on `*` instead ({@link grantedResources}).
 */
import { accessLogBucketName, databaseNames, environmentNames, serviceNames } from '../names.ts';
import { APP_ROLE_PATH } from './app-boundary.ts';
import { actionReference } from './authorization-reference.ts';

/** Where the policy applies: the ARNs it names are built from these. */
export interface AccountContext {
  readonly account: string;
  readonly region: string;
  /** ARN partition. @default 'aws' */
  readonly partition?: string;
  /**
   * The projects this modeshift serves, as IAM `StringLike` patterns
   * (`shop`, `team-*`): the `modeshift:project` tag values its roles may
   * change (core/iam/tag-scope.ts). Set for a deployed modeshift with
   * `MODESHIFT_PROJECTS` (comma-separated) when it is deployed.
   * @default ['*'] (any resource that carries a modeshift:project tag)
   */
  readonly projects?: readonly string[];
}

const ANY = '*';

/** ARN patterns of everything modeshift names, in one account and region. */
export function modeshiftArns(context: AccountContext) {
  const partition = context.partition ?? 'aws';
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${context.region}:${context.account}:${resource}`;
  const environment = environmentNames(ANY, ANY);
  const service = serviceNames(ANY, ANY, ANY);
  const database = databaseNames(ANY, ANY, ANY);
  const bucket = `arn:${partition}:s3:::${accessLogBucketName(ANY, ANY, context.account, context.region)}`;
  return {
    arn,
    logGroups: arn('logs', `log-group:${service.logGroup}`),
    ecrRepositories: arn('ecr', `repository/${service.ecrRepository}`),
    ecsClusters: arn('ecs', `cluster/${environment.cluster}`),
    dbInstances: arn('rds', `db:${database.instance}`),
    dbSubnetGroups: arn('rds', `subgrp:${environment.dbSubnetGroup}`),
    finalSnapshots: arn('rds', `snapshot:${database.finalSnapshotPrefix}-*`),
    cacheSubnetGroups: arn('elasticache', `subnetgroup:${environment.cacheSubnetGroup}`),
    /** ElastiCache's default parameter groups (`default.redis7`), AWS's own, untagged. */
    defaultCacheParameterGroups: arn('elasticache', 'parametergroup:default.*'),
    /** RDS's default option groups (`default:postgres-16`), AWS's own, untagged. */
    defaultDbOptionGroups: arn('rds', 'og:default:*'),
    /** RDS's default parameter groups (`default.postgres16`), AWS's own, untagged. */
    defaultDbParameterGroups: arn('rds', 'pg:default.*'),
    /** A final snapshot a production down kept (`<instance>-final-<stamp>`), which a restore reads. */
    anyFinalSnapshot: arn('rds', 'snapshot:*-final-*'),
    /** The secret RDS creates for a managed master password is named `rds!db-<id>`. */
    rdsSecrets: arn('secretsmanager', 'secret:rds!*'),
    kmsKeys: arn('kms', 'key/*'),
    loadBalancers: arn('elasticloadbalancing', `loadbalancer/app/${environment.loadBalancer}/*`),
    /** The environments' deployment alarms (`<prefix>--<service>--5xx`, `--p95`). */
    deploymentAlarms: arn('cloudwatch', `alarm:${environment.alarmPrefix}--*`),
    /** The SNS topics the deployment alarms tell (`<prefix>-alarms`). */
    alarmTopics: arn('sns', environment.alarmTopic),
    /** The environments' WAF web ACLs (`regional/webacl/<name>/<id>`, the id AWS's). */
    webAcls: arn('wafv2', `regional/webacl/${environment.webAcl}/*`),
    expirySchedules: arn('scheduler', `schedule/default/${environment.expirySchedule}`),
    /** The scheduled jobs' groups (`<project>--<environment>`) and their schedules (named after the job). */
    jobScheduleGroups: arn('scheduler', `schedule-group/${environment.scheduleGroup}`),
    jobSchedules: arn('scheduler', `schedule/${environment.scheduleGroup}/*`),
    /** Every revision of the environments' task definitions (`<project>--<environment>--<service>:N`). */
    taskDefinitions: arn('ecs', `task-definition/${service.taskFamily}:*`),
    /** The tasks the environments' clusters run. */
    tasks: arn('ecs', `task/${environment.cluster}/*`),
    /** The environments' ECS services, as Application Auto Scaling updates them. */
    ecsServices: arn('ecs', `service/${environment.cluster}/*`),
    /** The alarms target tracking makes for the services' scaling (`TargetTracking-service/<cluster>/…`). */
    targetTrackingAlarms: arn('cloudwatch', `alarm:TargetTracking-service/${environment.cluster}/*`),
    codeBuildProjects: arn('codebuild', `project/${service.codeBuildProject}`),
    codeBuildSyncRule: arn('events', 'rule/StepFunctionsGetEventForCodeBuildStartBuildRule'),
    executions: arn('states', 'execution:*'),
    accessLogBuckets: bucket,
    accessLogObjects: `${bucket}/*`,
    /** The services' task execution roles (functions/aws/iam/execution-role.ts), under `/modeshift/`. */
    executionRoles: `arn:${partition}:iam::${context.account}:role/modeshift/*`,
    /** The apps' pre-created task roles (`x-modeshift.role`), which modeshift only passes to ECS. */
    appRoles: `arn:${partition}:iam::${context.account}:role${APP_ROLE_PATH}*`,
    /**
     * The same roles by name only: a role that does not exist yet has no path, so IAM authorises
     * a `GetRole` of it (which finds out that it does not) against `role/<name>`.
     */
    rolesByName: [
      `arn:${partition}:iam::${context.account}:role/${service.executionRole}`,
      `arn:${partition}:iam::${context.account}:role/${service.taskRole}`,
      `arn:${partition}:iam::${context.account}:role/${environment.codeBuildRole}`,
    ],
    /** The service-linked roles of one service (`ecs.amazonaws.com`): `role/aws-service-role/<service>/*`. */
    serviceLinkedRoles: (linkedService: string) =>
      `arn:${partition}:iam::${context.account}:role/aws-service-role/${linkedService}/*`,
  };
}

export type ModeshiftArns = ReturnType<typeof modeshiftArns>;

/**
 * What `action` is granted on, given the resources modeshift names for it:
 * those, or `*` when the Service Authorization Reference lists the action as
 * taking no resource (`logs:DescribeLogGroups`, `codebuild:ListProjects`),
 * which AWS authorises on `*` only, so a named resource would grant nothing.
 *
 * @throws IamDerivationError for an action the reference does not know.
 */
export function grantedResources(action: string, named: readonly string[]): string[] {
  return actionReference(action).resourceTypes.length === 0 ? ['*'] : [...named];
}
