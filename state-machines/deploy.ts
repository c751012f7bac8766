/**
 * The deploy workflow: provisions one environment of a compose project in
 * its mode (development, staging or production). Input: the execution
 * input built by core/execution-input.ts.
 *
 * Generated into deploy.asl.json (npm run workflows); read it top to bottom
 * as the run goes: take the lock, refuse a mode change that needs force,
 * arm the expiry, build the network, then every foundation at once, then
 * the listeners, the services and the DNS records the mode asks for, remove
 * the services the compose file no longer has (keeping its databases), and
 * record the outcome. Every failure ends in the failure path.
 */
import type { JsonObject, Machine } from '../core/asl.ts';
import { checkBuilds } from '../functions/steps/check-builds.ts';
import { checkExpirySchedule } from '../functions/steps/check-expiry-schedule.ts';
import { describeFailure } from '../functions/steps/describe-failure.ts';
import { ensureAlarms } from '../functions/steps/ensure-alarms.ts';
import { ensureCaches } from '../functions/steps/ensure-caches.ts';
import { ensureCertificate } from '../functions/steps/ensure-certificate.ts';
import { ensureCluster } from '../functions/steps/ensure-cluster.ts';
import { ensureDatabases } from '../functions/steps/ensure-databases.ts';
import { ensureListeners } from '../functions/steps/ensure-listeners.ts';
import { ensureLoadBalancer } from '../functions/steps/ensure-load-balancer.ts';
import { ensureLogGroups } from '../functions/steps/ensure-log-groups.ts';
import { ensureNatGateways } from '../functions/steps/ensure-nat-gateways.ts';
import { ensureNetwork } from '../functions/steps/ensure-network.ts';
import { ensurePrivateNamespace } from '../functions/steps/ensure-private-namespace.ts';
import { ensurePublicZones } from '../functions/steps/ensure-public-zones.ts';
import { ensureWebAclStep } from '../functions/steps/ensure-web-acl.ts';
import { finishPruning } from '../functions/steps/finish-pruning.ts';
import { pruneServices } from '../functions/steps/prune-services.ts';
import { rolloutServices } from '../functions/steps/rollout-services.ts';
import { runOnceTasks } from '../functions/steps/run-once-tasks.ts';
import { scheduleJobs } from '../functions/steps/schedule-jobs.ts';
import { snapshotDatabases } from '../functions/steps/snapshot-databases.ts';
import { startBuilds } from '../functions/steps/start-builds.ts';
import { writeDnsRecords } from '../functions/steps/write-dns-records.ts';
import {
  acquireLock,
  appendHistory,
  choice,
  deleteExpirySchedule,
  END,
  emitEvent,
  failurePath,
  type GuardedBranch,
  guardedParallel,
  lambdaTask,
  managedStoreBranch,
  pass,
  perSetting,
  placeholder,
  refuse,
  SUCCEED,
  sdkTask,
  updateRecord,
  whether,
} from './patterns.ts';

/** The expiry schedule of a request with a ttl: a one-time Down Requested on the bus, at the expiry. */
const EXPIRY_SCHEDULE: JsonObject = {
  'Name.$': '$.names.expirySchedule',
  'ScheduleExpression.$': "States.Format('at({})', $.expiry.at)",
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  Target: {
    Arn: placeholder('EventBusArn'),
    RoleArn: placeholder('SchedulerRoleArn'),
    EventBridgeParameters: { DetailType: 'Down Requested', Source: 'modeshift' },
    'Input.$': 'States.JsonToString($.downRequest)',
  },
};

const natGateways: GuardedBranch = {
  name: 'NatGateways',
  startAt: 'InTeamVpc',
  keep: { 'nat.$': '$[0].nat' },
  states: {
    InTeamVpc: whether('$.inTeamVpc', 'NoNatGateways', 'NatGatewayPolicy', {
      comment:
        "A team's own VPC (vpc) routes its private subnets itself: modeshift adds no NAT gateway there, in any mode.",
    }),
    NatGatewayPolicy: perSetting(
      '$.policy.natGateways',
      { none: 'NoNatGateways', single: 'SingleNatGateway', 'per-az': 'NatGatewayPerAz' },
      'UnknownNatPolicy',
      {
        comment:
          "The mode's NAT gateways: none (tasks get public IPs), one shared, or one per availability zone.",
      },
    ),
    UnknownNatPolicy: {
      Type: 'Fail',
      Error: 'Modeshift.InvalidPolicy',
      Cause: 'natGateways must be none, single or per-az',
    },
    NoNatGateways: pass({
      result: { count: 0 },
      resultPath: '$.natRequest',
      next: 'EnsureNatGateways',
    }),
    SingleNatGateway: pass({
      result: { count: 1 },
      resultPath: '$.natRequest',
      next: 'EnsureNatGateways',
    }),
    NatGatewayPerAz: pass({
      result: { count: 2 },
      resultPath: '$.natRequest',
      next: 'EnsureNatGateways',
    }),
    EnsureNatGateways: lambdaTask(ensureNatGateways, {
      comment:
        'Creates or removes NAT gateways until there are exactly count, and routes the private subnets through them.',
      parameters: {
        'count.$': '$.natRequest.count',
        'network.$': '$.network',
        'names.$': '$.names',
        'tags.$': '$.tags',
      },
      resultPath: '$.nat',
      poll: { intervalSeconds: 10, maxAttempts: 180 },
      onError: 'propagate',
      next: END,
    }),
  },
};

const databases = managedStoreBranch({
  name: 'Databases',
  key: 'databases',
  subnetGroup: {
    state: 'EnsureDbSubnetGroup',
    service: 'rds',
    action: 'createDBSubnetGroup',
    parameters: {
      'DbSubnetGroupName.$': '$.names.dbSubnetGroup',
      'DbSubnetGroupDescription.$': "States.Format('modeshift {} private subnets', $.names.prefix)",
      'SubnetIds.$': '$.network.privateSubnetIds',
      'Tags.$': '$.tags',
    },
    alreadyExists: 'Rds.DbSubnetGroupAlreadyExistsException',
  },
  ensure: {
    state: 'EnsureDatabases',
    progress: '$.databaseProgress',
    task: (next) =>
      lambdaTask(ensureDatabases, {
        comment:
          "Every managed Postgres at once: created with the mode's class, encryption, deletion protection and a password RDS manages, or brought to them; ready when all are available.",
        parameters: {
          'databases.$': '$.databases',
          'policy.$': '$.policy',
          'network.$': '$.network',
          'names.$': '$.names',
          'tags.$': '$.tags',
        },
        resultPath: '$.databaseProgress',
        poll: { intervalSeconds: 15, maxAttempts: 240 },
        onError: 'propagate',
        next,
      }),
  },
});

const caches = managedStoreBranch({
  name: 'Caches',
  key: 'caches',
  subnetGroup: {
    state: 'EnsureCacheSubnetGroup',
    service: 'elasticache',
    action: 'createCacheSubnetGroup',
    parameters: {
      'CacheSubnetGroupName.$': '$.names.cacheSubnetGroup',
      'CacheSubnetGroupDescription.$': "States.Format('modeshift {} private subnets', $.names.prefix)",
      'SubnetIds.$': '$.network.privateSubnetIds',
      'Tags.$': '$.tags',
    },
    alreadyExists: 'ElastiCache.CacheSubnetGroupAlreadyExistsException',
  },
  ensure: {
    state: 'EnsureCaches',
    progress: '$.cacheProgress',
    task: (next) =>
      lambdaTask(ensureCaches, {
        comment:
          "Every managed cache at once, an ElastiCache replication group each: created with the mode's node type, replicas (failover and Multi-AZ with one or more) and encryption, or brought to them; ready when all are available.",
        parameters: {
          'caches.$': '$.caches',
          'policy.$': '$.policy',
          'network.$': '$.network',
          'names.$': '$.names',
          'tags.$': '$.tags',
          'force.$': '$.force',
        },
        resultPath: '$.cacheProgress',
        poll: { intervalSeconds: 15, maxAttempts: 240 },
        onError: 'propagate',
        next,
      }),
  },
});

const loadBalancer: GuardedBranch = {
  name: 'LoadBalancer',
  startAt: 'HasPublicServices',
  keep: { 'loadBalancer.$': '$[0].loadBalancer' },
  states: {
    HasPublicServices: whether('$.hasPublicServices', 'EnsureLoadBalancer', 'NoLoadBalancer'),
    NoLoadBalancer: pass({ result: {}, resultPath: '$.loadBalancer', next: END }),
    EnsureLoadBalancer: lambdaTask(ensureLoadBalancer, {
      comment:
        'The access-log bucket, the internet-facing load balancer and a target group per public service.',
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'network.$': '$.network',
        'targetGroups.$': '$.targetGroups',
        'accessLogExpiryDays.$': '$.policy.logRetentionDays',
        accountId: placeholder('AccountId'),
        region: placeholder('Region'),
      },
      resultPath: '$.loadBalancer',
      onError: 'propagate',
      next: 'EnsureWebAcl',
    }),
    EnsureWebAcl: lambdaTask(ensureWebAclStep, {
      comment:
        "The WAF web ACL with AWS's managed rule groups on the load balancer where the mode has `waf` (production); removed where it does not.",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'waf.$': '$.policy.waf',
        'loadBalancer.$': '$.loadBalancer',
      },
      resultPath: '$.webAcl',
      poll: { intervalSeconds: 5, maxAttempts: 60 },
      onError: 'propagate',
      next: 'EnsureAlarms',
    }),
    EnsureAlarms: lambdaTask(ensureAlarms, {
      comment:
        "Where the mode has deploymentAlarms: each public service's CloudWatch alarms on its 5xx responses and p95 response time, telling the environment's SNS topic (or the one notify names); removed where it has not.",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'policy.$': '$.policy',
        'loadBalancer.$': '$.loadBalancer',
        'notify.$': '$.notify',
        accountId: placeholder('AccountId'),
        region: placeholder('Region'),
      },
      resultPath: '$.alarms',
      onError: 'propagate',
      next: END,
    }),
  },
};

const privateNamespace: GuardedBranch = {
  name: 'PrivateNamespace',
  startAt: 'EnsurePrivateNamespace',
  keep: { 'namespace.$': '$[0].namespace' },
  states: {
    EnsurePrivateNamespace: lambdaTask(ensurePrivateNamespace, {
      comment: 'The private DNS namespace in which services and databases are found by their compose names.',
      parameters: { 'names.$': '$.names', 'tags.$': '$.tags', 'network.$': '$.network' },
      resultPath: '$.namespace',
      poll: { intervalSeconds: 5, maxAttempts: 360 },
      onError: 'propagate',
      next: END,
    }),
  },
};

const builds: GuardedBranch = {
  name: 'Builds',
  startAt: 'HasBuilds',
  keep: { 'built.$': '$[0].built', 'images.$': '$[0].images' },
  states: {
    HasBuilds: whether('$.hasBuilds', 'StartBuilds', 'NoBuilds'),
    NoBuilds: pass({ result: { built: false, images: { built: [], reused: [] } }, next: END }),
    StartBuilds: lambdaTask(startBuilds, {
      comment:
        "The environment's CodeBuild role, and every service with a build section: its ECR repository, its CodeBuild project with the mode's compute type, and its build, started all at once.",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'builds.$': '$.builds',
        'computeType.$': '$.policy.buildComputeType',
        'imageTag.$': '$.deploymentId',
        'tags.$': '$.tags',
        accountId: placeholder('AccountId'),
        region: placeholder('Region'),
      },
      resultPath: '$.started',
      onError: 'propagate',
      next: 'CheckBuilds',
    }),
    CheckBuilds: lambdaTask(checkBuilds, {
      comment: 'One look at every build (BatchGetBuilds); a failed build fails the deploy.',
      parameters: { 'builds.$': '$.started.builds' },
      resultPath: '$.buildProgress',
      poll: { intervalSeconds: 5, maxAttempts: 720 },
      onError: 'propagate',
      next: 'ImagesBuilt',
    }),
    ImagesBuilt: pass({
      comment: 'Which images were built and which were in their repositories already, for the history.',
      parameters: { built: true, images: { 'built.$': '$.started.built', 'reused.$': '$.started.reused' } },
      next: END,
    }),
  },
};

const logGroups: GuardedBranch = {
  name: 'LogGroups',
  startAt: 'EnsureLogGroups',
  keep: { 'logGroups.$': '$[0].logGroupsEnsured' },
  states: {
    EnsureLogGroups: lambdaTask(ensureLogGroups, {
      comment:
        "A log group per service with the mode's retention (re-applied on every deploy), all in one step.",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'services.$': '$.serviceNames',
        'retentionInDays.$': '$.policy.logRetentionDays',
        'tags.$': '$.tagMap',
      },
      resultPath: '$.logGroupsEnsured',
      onError: 'propagate',
      next: END,
    }),
  },
};

const dnsAndCertificate: GuardedBranch = {
  name: 'DnsAndCertificate',
  startAt: 'HasDomain',
  keep: { 'dns.$': '$[0].dns' },
  states: {
    HasDomain: whether('$.hasDomain', 'EnsurePublicZones', 'NoDomain'),
    NoDomain: pass({ result: { zones: [], certificate: {} }, resultPath: '$.dns', next: END }),
    EnsurePublicZones: lambdaTask(ensurePublicZones, {
      comment:
        "The environment's public hosted zone per domain: its own, created if absent, or one the request adopts; delegated from its parent when the parent is the project's or adopted. A zone modeshift did not create and the request does not adopt stops the deploy (Modeshift.ZoneNotOwned).",
      parameters: {
        'zones.$': '$.zones',
        'adoptZones.$': '$.adoptZones',
        'adoptApex.$': '$.adoptApex',
        'publicServices.$': '$.publicServices',
        'tags.$': '$.tags',
        'mode.$': '$.mode',
        'project.$': '$.project',
        'environment.$': '$.environment',
        'ttl.$': '$.policy.dnsTtlSeconds',
      },
      resultPath: '$.publicZones',
      onError: 'propagate',
      next: 'EnsureCertificate',
    }),
    EnsureCertificate: lambdaTask(ensureCertificate, {
      comment: "An ACM certificate for the zones, validated by DNS records with the mode's TTL.",
      parameters: {
        'zones.$': '$.publicZones.zones',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'ttl.$': '$.policy.dnsTtlSeconds',
        'writeMode.$': '$.policy.dnsWriteMode',
      },
      resultPath: '$.certificate',
      poll: { intervalSeconds: 15, maxAttempts: 240 },
      onError: 'propagate',
      next: 'DnsReady',
    }),
    DnsReady: pass({
      parameters: { 'zones.$': '$.publicZones.zones', 'certificate.$': '$.certificate' },
      resultPath: '$.dns',
      next: END,
    }),
  },
};

const cluster: GuardedBranch = {
  name: 'Cluster',
  startAt: 'EnsureCluster',
  keep: { 'cluster.$': '$[0].cluster' },
  states: {
    EnsureCluster: lambdaTask(ensureCluster, {
      comment:
        "The cluster, with Fargate and Fargate Spot and the mode's default capacity provider (re-applied: it changes when the mode does); one of that name that is not the environment's is refused.",
      parameters: {
        'names.$': '$.names',
        'tags.$': '$.tags',
        'capacityProvider.$': '$.policy.capacityProvider',
      },
      resultPath: '$.cluster',
      onError: 'propagate',
      next: END,
    }),
  },
};

/** What a task definition of the app is made from (its wiring and network), and where its tasks run. */
const TASK_CONTEXT = {
  'project.$': '$.project',
  'environment.$': '$.environment',
  'deploymentId.$': '$.deploymentId',
  'policy.$': '$.policy',
  'names.$': '$.names',
  'tags.$': '$.tags',
  'taskNetwork.$': '$.taskNetwork',
  'network.$': '$.foundations.network',
  'databases.$': '$.foundations.databases',
  'caches.$': '$.foundations.caches',
  accountId: placeholder('AccountId'),
  region: placeholder('Region'),
} as const;

/**
 * What a task of the app is made from (its task definition, wiring and network): what
 * RunOnceTasks is given besides its tasks, and RolloutServices besides its services.
 */
const APP_TASKS = {
  'rollout.$': '$$.Execution.StartTime',
  ...TASK_CONTEXT,
} as const;

/** What RolloutServices is given besides its strategy, by either of the states that run it. */
const ROLLOUT = {
  'services.$': '$.waves[*].services[*]',
  ...APP_TASKS,
  'loadBalancer.$': '$.foundations.loadBalancer',
  'namespace.$': '$.foundations.namespace',
} as const;

const ROLLOUT_COMMENT =
  'Every service, each deployed as soon as the services it depends on are stable: its task definition (a new revision only when it changed) and its ECS service and Cloud Map entry, created or brought to every setting of the mode. Looks again every few seconds until all are stable (Modeshift.NotReady); a rollback by the circuit breaker fails the deploy.';

/** What WriteDnsRecords is given besides its write mode, by either of the states that run it. */
const DNS_RECORDS = {
  'project.$': '$.project',
  'environment.$': '$.environment',
  'ttl.$': '$.policy.dnsTtlSeconds',
  'names.$': '$.names',
  'zones.$': '$.foundations.dns.zones',
  'publicServices.$': '$.publicServices',
  'loadBalancer.$': '$.foundations.loadBalancer',
  'namespace.$': '$.foundations.namespace',
  'databases.$': '$.foundations.databases',
  'caches.$': '$.foundations.caches',
} as const;

/** Downgrades that need no force but go into the history as a warning. */
const DOWNGRADES = [
  ['production', 'staging'],
  ['production', 'development'],
  ['staging', 'development'],
] as const;

export const deployDefinition: Machine = {
  Comment:
    'modeshift deploy: provisions one environment of a compose project in its mode (development, staging or production). Input: the execution input built by core/execution-input.ts.',
  StartAt: 'DescribeDeployment',
  States: {
    DescribeDeployment: pass({
      comment: 'What the outcome events and the history say about this run.',
      parameters: {
        event: {
          'project.$': '$.project',
          'environment.$': '$.environment',
          'mode.$': '$.mode',
          'deploymentId.$': '$.deploymentId',
          'executionArn.$': '$$.Execution.Id',
          'policy.$': '$.policy',
        },
        warning: '',
      },
      resultPath: '$.run',
      next: 'AcquireLock',
    }),
    ...acquireLock({
      comment: 'One deployment per environment: takes the lock unless another live deployment holds it.',
      set: '#status = :deploying, #project = :project, #environment = :environment, #requestedMode = :mode, #requestedPolicy = :policy',
      add: '#modesDeployed :modes',
      values: {
        ':modes': { 'SS.$': 'States.Array($.mode)' },
        ':deploying': { S: 'deploying' },
        ':project': { 'S.$': '$.project' },
        ':environment': { 'S.$': '$.environment' },
        ':mode': { 'S.$': '$.mode' },
        ':policy': { 'S.$': 'States.JsonToString($.policy)' },
      },
      resultPath: '$.previous',
      next: 'EmitDeploymentStarted',
    }),
    EmitDeploymentStarted: emitEvent({
      detailType: 'Deployment Started',
      detail: 'States.JsonToString($.run.event)',
      next: 'HasPreviousMode',
    }),
    HasPreviousMode: choice({
      comment: 'A first deploy, or a deploy after down, has no mode to change from.',
      when: [{ rule: { Variable: '$.previous.Attributes.mode.S', IsPresent: true }, next: 'WasTornDown' }],
      otherwise: 'ArmExpiry',
    }),
    WasTornDown: choice({
      when: [
        { rule: { Variable: '$.previous.Attributes.status.S', StringEquals: 'down' }, next: 'ArmExpiry' },
      ],
      otherwise: 'CheckModeChange',
    }),
    CheckModeChange: choice({
      comment:
        'The mode-change guard: production to development needs force and confirm naming the environment; other downgrades are recorded.',
      when: [
        {
          rule: {
            And: [
              { Variable: '$.previous.Attributes.mode.S', StringEquals: 'production' },
              { Variable: '$.mode', StringEquals: 'development' },
              {
                Or: [
                  { Variable: '$.force', BooleanEquals: false },
                  { Not: { Variable: '$.confirm', StringEqualsPath: '$.environment' } },
                ],
              },
            ],
          },
          next: 'RefuseModeChange',
        },
        {
          rule: {
            Or: DOWNGRADES.map(([from, to]) => ({
              And: [
                { Variable: '$.previous.Attributes.mode.S', StringEquals: from },
                { Variable: '$.mode', StringEquals: to },
              ],
            })),
          },
          next: 'NoteDowngrade',
        },
      ],
      otherwise: 'ArmExpiry',
    }),
    RefuseModeChange: refuse(
      'Modeshift.ModeChangeRefused',
      "States.Format('environment {} is in production mode; changing it to development drops deletion protection, the final database snapshot and on-demand capacity, and needs force: true with confirm: \\'{}\\' (--force --confirm {})', $.environment, $.environment, $.environment)",
    ),
    NoteDowngrade: pass({
      comment: 'A downgrade proceeds; the warning goes into the history.',
      parameters: {
        'event.$': '$.run.event',
        'warning.$': "States.Format('mode downgraded from {} to {}', $.previous.Attributes.mode.S, $.mode)",
      },
      resultPath: '$.run',
      next: 'ArmExpiry',
    }),
    ArmExpiry: lambdaTask(checkExpirySchedule, {
      comment:
        "A request with a ttl arms a one-time schedule that requests Down at expiry, before anything is deployed. First: whether the schedule exists, and that it is this environment's (schedules carry no tags: its Down Requested input names the owner).",
      parameters: { 'project.$': '$.project', 'environment.$': '$.environment', 'names.$': '$.names' },
      resultPath: '$.expirySchedule',
      next: 'ExpiryAction',
    }),
    ExpiryAction: choice({
      when: [
        {
          rule: {
            And: [
              { Variable: '$.expiry.enabled', BooleanEquals: true },
              { Variable: '$.expirySchedule.exists', BooleanEquals: true },
            ],
          },
          next: 'UpdateExpirySchedule',
        },
        { rule: { Variable: '$.expiry.enabled', BooleanEquals: true }, next: 'CreateExpirySchedule' },
        { rule: { Variable: '$.expirySchedule.exists', BooleanEquals: true }, next: 'DeleteExpirySchedule' },
      ],
      otherwise: 'EnsureNetwork',
    }),
    CreateExpirySchedule: sdkTask('scheduler', 'createSchedule', {
      comment: 'A schedule that appeared since the check is checked again before it is updated.',
      parameters: EXPIRY_SCHEDULE,
      expect: [{ errors: ['Scheduler.ConflictException'], next: 'ArmExpiry' }],
      next: 'EnsureNetwork',
    }),
    UpdateExpirySchedule: sdkTask('scheduler', 'updateSchedule', {
      parameters: EXPIRY_SCHEDULE,
      next: 'EnsureNetwork',
    }),
    DeleteExpirySchedule: deleteExpirySchedule({
      comment: 'A deploy without a ttl removes an expiry an earlier deploy armed.',
      next: 'EnsureNetwork',
    }),
    EnsureNetwork: lambdaTask(ensureNetwork, {
      comment:
        "VPC, two public and two private subnets in two zones, internet gateway, routes and security groups; found by tag or created. In a shared network (development and staging) the project's VPC of the mode, under its lease, and the environment's own security groups in it. The one prerequisite every other foundation shares.",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'targetGroups.$': '$.targetGroups',
        'hasCaches.$': '$.hasCaches',
        'vpcCidr.$': '$.vpcCidr',
        'vpc.$': '$.vpc',
        'taskNetwork.$': '$.taskNetwork',
        'sharedNetwork.$': '$.sharedNetwork',
        lockTable: placeholder('EnvironmentsTable'),
      },
      resultPath: '$.network',
      next: 'Foundations',
    }),
    ...guardedParallel('Foundations', {
      comment:
        'Everything the services need, all at once once the network is there: NAT gateways, databases, caches, load balancer, private namespace, builds, log groups, DNS and certificate, cluster. Each branch returns only its result; a failed branch is held until every branch has ended.',
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'mode.$': '$.mode',
        'deploymentId.$': '$.deploymentId',
        'policy.$': '$.policy',
        'names.$': '$.names',
        'tags.$': '$.tags',
        'tagMap.$': '$.tagMap',
        'network.$': '$.network',
        'hasBuilds.$': '$.hasBuilds',
        'hasDatabases.$': '$.hasDatabases',
        'hasCaches.$': '$.hasCaches',
        'force.$': '$.force',
        'hasPublicServices.$': '$.hasPublicServices',
        'hasDomain.$': '$.hasDomain',
        'builds.$': '$.builds',
        'databases.$': '$.databases',
        'caches.$': '$.caches',
        'zones.$': '$.zones',
        'adoptZones.$': '$.adoptZones',
        'adoptApex.$': '$.adoptApex',
        'targetGroups.$': '$.targetGroups',
        'publicServices.$': '$.publicServices',
        'serviceNames.$': '$.containers',
        'notify.$': '$.notify',
        'inTeamVpc.$': '$.inTeamVpc',
      },
      resultPath: '$.foundations',
      branches: [
        natGateways,
        databases,
        loadBalancer,
        privateNamespace,
        builds,
        logGroups,
        dnsAndCertificate,
        cluster,
        caches,
      ],
      next: 'CollectFoundations',
    }),
    CollectFoundations: pass({
      parameters: {
        'network.$': '$.network',
        'nat.$': '$.foundations[0].nat',
        'databases.$': '$.foundations[1].databases',
        'loadBalancer.$': '$.foundations[2].loadBalancer',
        'namespace.$': '$.foundations[3].namespace',
        'images.$': '$.foundations[4].images',
        'dns.$': '$.foundations[6].dns',
        'cluster.$': '$.foundations[7].cluster',
        'caches.$': '$.foundations[8].caches',
      },
      resultPath: '$.foundations',
      next: 'HasRunOnceTasks',
    }),
    HasRunOnceTasks: whether('$.hasRunOnce', 'SnapshotBeforeRunOnce', 'HasLoadBalancer', {
      comment: 'Run-once services (migrations) run to completion before anything the app serves changes.',
    }),
    SnapshotBeforeRunOnce: whether('$.policy.snapshotBeforeRunOnce', 'SnapshotDatabases', 'RunOnceTasks', {
      comment:
        'Production snapshots the databases a migration changes first, so that a bad one can be rolled back.',
    }),
    SnapshotDatabases: lambdaTask(snapshotDatabases, {
      comment:
        "A manual snapshot <instance>-pre-<deployment> of each database a run-once service is wired to, with the environment's tags, kept; looks again until all are available.",
      parameters: {
        'tasks.$': '$.runOnce',
        'databases.$': '$.databases',
        'deploymentId.$': '$.deploymentId',
        'tags.$': '$.tags',
      },
      resultPath: '$.runOnceSnapshots',
      poll: { intervalSeconds: 15, maxAttempts: 240 },
      next: 'RunOnceTasks',
    }),
    RunOnceTasks: lambdaTask(runOnceTasks, {
      comment:
        'Each run-once service as one ECS task with the new image and its settings, after the run-once services it depends on; looks again until every task has stopped (Modeshift.NotReady). A task that exits non-zero fails the deploy before any service or listener changes.',
      parameters: { 'tasks.$': '$.runOnce', ...APP_TASKS },
      resultPath: '$.ranOnce',
      poll: { intervalSeconds: 10, maxAttempts: 360 },
      next: 'HasLoadBalancer',
    }),
    HasLoadBalancer: whether('$.hasPublicServices', 'LoadBalancerOwner', 'DeploymentStrategy'),
    LoadBalancerOwner: whether(
      '$.foundations.loadBalancer.shared',
      'ConfigureSharedLoadBalancer',
      'ConfigureLoadBalancer',
      {
        comment:
          "The project's shared load balancer (network shared) is the shared network's: no deletion protection and no access logs, which would mix the environments'.",
      },
    ),
    ConfigureSharedLoadBalancer: sdkTask('elasticloadbalancingv2', 'modifyLoadBalancerAttributes', {
      comment: 'Requests with invalid header fields are dropped; no access logs; no deletion protection.',
      parameters: {
        'LoadBalancerArn.$': '$.foundations.loadBalancer.arn',
        Attributes: [
          { Key: 'deletion_protection.enabled', Value: 'false' },
          { Key: 'access_logs.s3.enabled', Value: 'false' },
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        ],
      },
      next: 'ListenerPolicy',
    }),
    ConfigureLoadBalancer: sdkTask('elasticloadbalancingv2', 'modifyLoadBalancerAttributes', {
      comment:
        "The mode's deletion protection and access logs, re-applied on every deploy; requests with invalid header fields are dropped.",
      parameters: {
        'LoadBalancerArn.$': '$.foundations.loadBalancer.arn',
        Attributes: [
          {
            Key: 'deletion_protection.enabled',
            'Value.$': "States.Format('{}', $.policy.lbDeletionProtection)",
          },
          { Key: 'access_logs.s3.enabled', Value: 'true' },
          { Key: 'access_logs.s3.bucket', 'Value.$': '$.foundations.loadBalancer.accessLogBucket' },
          { Key: 'access_logs.s3.prefix', 'Value.$': '$.names.prefix' },
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        ],
      },
      next: 'ListenerPolicy',
    }),
    ListenerPolicy: whether('$.hasDomain', 'RedirectHttpToHttps', 'ServeHttpOnly', {
      comment:
        "With a domain, HTTP redirects to HTTPS with the mode's status code; without one there is no certificate and HTTP serves.",
    }),
    RedirectHttpToHttps: lambdaTask(ensureListeners, {
      parameters: {
        mode: 'redirect',
        'redirectCode.$': '$.policy.httpRedirectCode',
        'loadBalancer.$': '$.foundations.loadBalancer',
        'certificateArn.$': '$.foundations.dns.certificate.arn',
        'publicServices.$': '$.publicServices',
        'tags.$': '$.tags',
        'network.$': '$.foundations.network',
      },
      resultPath: '$.listeners',
      next: 'DeploymentStrategy',
    }),
    ServeHttpOnly: lambdaTask(ensureListeners, {
      parameters: {
        mode: 'http',
        'loadBalancer.$': '$.foundations.loadBalancer',
        'publicServices.$': '$.publicServices',
        'tags.$': '$.tags',
        'network.$': '$.foundations.network',
      },
      resultPath: '$.listeners',
      next: 'DeploymentStrategy',
    }),
    DeploymentStrategy: perSetting('$.policy.deploymentStrategy', { replace: 'ReplaceTasks' }, 'RollTasks', {
      comment:
        'replace stops the previous tasks before new ones start; rolling keeps them serving until the new ones are healthy.',
    }),
    ReplaceTasks: lambdaTask(rolloutServices, {
      comment: ROLLOUT_COMMENT,
      parameters: { strategy: 'replace', ...ROLLOUT },
      resultPath: '$.rollout',
      poll: { intervalSeconds: 5, maxAttempts: 1440 },
      next: 'DnsWriteMode',
    }),
    RollTasks: lambdaTask(rolloutServices, {
      comment: ROLLOUT_COMMENT,
      parameters: { strategy: 'rolling', ...ROLLOUT },
      resultPath: '$.rollout',
      poll: { intervalSeconds: 5, maxAttempts: 1440 },
      next: 'DnsWriteMode',
    }),
    DnsWriteMode: perSetting(
      '$.policy.dnsWriteMode',
      { recreate: 'RecreateDnsRecords' },
      'UpsertDnsRecords',
      {
        comment: 'recreate deletes and creates records (downtime allowed); upsert overwrites them in place.',
      },
    ),
    RecreateDnsRecords: lambdaTask(writeDnsRecords, {
      parameters: { writeMode: 'recreate', ...DNS_RECORDS },
      resultPath: '$.records',
      next: 'ScheduleJobs',
    }),
    UpsertDnsRecords: lambdaTask(writeDnsRecords, {
      parameters: { writeMode: 'upsert', ...DNS_RECORDS },
      resultPath: '$.records',
      next: 'ScheduleJobs',
    }),
    ScheduleJobs: lambdaTask(scheduleJobs, {
      comment:
        "Each scheduled job as an EventBridge Scheduler schedule in the environment's group, running one task of its new task definition on the cluster; the schedules of jobs the compose file no longer has are deleted, and the group once there are none.",
      parameters: {
        'jobs.$': '$.jobs',
        'state.$': '$.scheduleState',
        schedulerRoleArn: placeholder('SchedulerRoleArn'),
        ...TASK_CONTEXT,
      },
      resultPath: '$.scheduled',
      next: 'PruneServices',
    }),
    PruneServices: lambdaTask(pruneServices, {
      comment:
        "Removes every service the compose file no longer has: its DNS record and listener rules, its ECS service (scaled to 0, deleted), then its target group, Cloud Map service and task definitions. Log groups stay for the mode's retention. Looks again while a removed service drains (Modeshift.NotReady).",
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'services.$': '$.waves[*].services[*].name',
        'containers.$': '$.containers',
        'publicServices.$': '$.publicServices',
      },
      resultPath: '$.pruned',
      poll: { intervalSeconds: 10, maxAttempts: 180 },
      next: 'FinishPruning',
    }),
    FinishPruning: lambdaTask(finishPruning, {
      comment:
        'Once the removed services are retired: their execution roles and task roles (and a task role a service no longer has), CodeBuild projects and ECR repositories; and the databases the compose file no longer has, which are kept and reported.',
      parameters: {
        'project.$': '$.project',
        'environment.$': '$.environment',
        'names.$': '$.names',
        'services.$': '$.containers',
        'taskRoles.$': '$.taskRoles',
        'databases.$': '$.databases',
      },
      resultPath: '$.pruned',
      next: 'KeptDatabases',
    }),
    KeptDatabases: choice({
      comment:
        'A database the compose file no longer has is kept: the warning goes into the history, and the databases into the Deployment Succeeded event.',
      when: [
        {
          rule: {
            And: [
              { Variable: '$.pruned.keptDatabases[0]', IsPresent: true },
              { Variable: '$.run.warning', StringEquals: '' },
            ],
          },
          next: 'WarnKeptDatabases',
        },
        { rule: { Variable: '$.pruned.keptDatabases[0]', IsPresent: true }, next: 'AddKeptDatabasesWarning' },
      ],
      otherwise: 'MarkDeployed',
    }),
    WarnKeptDatabases: pass({
      parameters: { 'event.$': '$.run.event', 'warning.$': '$.pruned.warning' },
      resultPath: '$.run',
      next: 'ReportKeptDatabases',
    }),
    AddKeptDatabasesWarning: pass({
      parameters: {
        'event.$': '$.run.event',
        'warning.$': "States.Format('{}; {}', $.run.warning, $.pruned.warning)",
      },
      resultPath: '$.run',
      next: 'ReportKeptDatabases',
    }),
    ReportKeptDatabases: pass({
      inputPath: '$.pruned.keptDatabases',
      resultPath: '$.run.event.keptDatabases',
      next: 'MarkDeployed',
    }),
    MarkDeployed: updateRecord({
      comment:
        'Records the new mode and where the app answers, and releases the lock, unless another deployment took it over.',
      update:
        'SET #status = :deployed, #mode = :mode, #policy = :policy, #sweepMode = :mode, #lastDeploymentId = :lock, #lastActivityAt = :now, #expiresAt = :expiresAt, #deployedAt = :deployedAt, #publicServices = :publicServices, #loadBalancer = :loadBalancer, #teamVpc = :teamVpc, #sharedNetwork = :sharedNetwork REMOVE #lockId, #lockExpiresAt, #lockExecution',
      condition: '#lockId = :lock',
      values: {
        ':deployed': { S: 'deployed' },
        ':mode': { 'S.$': '$.mode' },
        ':policy': { 'S.$': 'States.JsonToString($.policy)' },
        ':lock': { 'S.$': '$.deploymentId' },
        ':now': { 'N.$': "States.Format('{}', $.requestedAtEpoch)" },
        ':expiresAt': { 'N.$': "States.Format('{}', $.expiry.epoch)" },
        ':deployedAt': { 'S.$': '$$.State.EnteredTime' },
        // Where the app answers, for status, ps and ls: the public services' hostnames and the load balancer.
        ':publicServices': { 'S.$': 'States.JsonToString($.publicServices)' },
        ':loadBalancer': { 'S.$': 'States.JsonToString($.foundations.loadBalancer)' },
        // The team's VPC it runs in (`vpc`, `null` for its own), which the compose file does not say: audit reads it.
        ':teamVpc': { 'S.$': 'States.JsonToString($.vpc)' },
        // The shared network it runs in (`null` for a network of its own, kept from before `network` existed), which audit reads.
        ':sharedNetwork': { 'S.$': 'States.JsonToString($.foundations.network.shared)' },
      },
      next: 'AppendHistory',
    }),
    AppendHistory: appendHistory({
      action: 'deploy',
      status: 'succeeded',
      fields: {
        mode: { 'S.$': '$.mode' },
        warning: { 'S.$': '$.run.warning' },
        overrides: { 'S.$': '$.overrides' },
        policy: { 'S.$': 'States.JsonToString($.policy)' },
        // What this deploy changed: images built and reused, services that got an ECS deployment.
        images: { 'S.$': 'States.JsonToString($.foundations.images)' },
        rolled: { 'S.$': 'States.JsonToString($.rollout.rolled)' },
      },
      next: 'EmitDeploymentSucceeded',
    }),
    EmitDeploymentSucceeded: emitEvent({
      detailType: 'Deployment Succeeded',
      detail: 'States.JsonToString($.run.event)',
      next: 'Deployed',
    }),
    Deployed: SUCCEED,
    ...failurePath(describeFailure, {
      action: 'deploy',
      comment: 'Which step failed and why, for the history and the failure event.',
      undescribed: {},
      history: {
        mode: { 'S.$': '$.mode' },
        warning: { 'S.$': '$.run.warning' },
        overrides: { 'S.$': '$.overrides' },
        policy: { 'S.$': 'States.JsonToString($.policy)' },
      },
      failedEvent: 'Deployment Failed',
    }),
  },
};
