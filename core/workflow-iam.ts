/**
 * Least-privilege IAM for a workflow's Step Functions role, derived from its
 * ASL rather than kept by hand: every Task state becomes the IAM actions its
 * integration needs, on the resources modeshift names (core/names.ts), with
 * the `modeshift:project` tag as a condition where the service evaluates it.
 *
 * What is written down here is only what IAM itself requires knowing and the
 * code cannot tell: the IAM prefix of each service, the ARN shape of the
 * resources modeshift names, which actions take no resource, which condition
 * keys a service honours, and the extra actions AWS checks behind some calls
 * (tag on create, a passed role, RDS's managed secret). core/step-iam.ts
 * derives the Lambda steps' policies from the same tables.
 *
 * Per service, for the workflows' own aws-sdk Tasks:
 *
 * | service id | IAM prefix | resources | condition |
 * |-|-|-|-|
 * | `scheduler` | scheduler | `schedule/default/<project>-<env>-expiry` | none: schedules carry no tags |
 * | `rds` | rds | `db:<instance>`, `subgrp:<prefix>`, `snapshot:<instance>-final-*` | ResourceTag; RequestTag on a tagged create; none on the final snapshot (it does not exist yet) |
 * | `ecr` | ecr | `repository/<project>/<env>/<service>` | RequestTag on create, ResourceTag otherwise |
 * | `ecs` | ecs | `cluster/<prefix>` (cluster actions only) | RequestTag on create, ResourceTag otherwise |
 * | `cloudwatchlogs` | logs | `log-group:/modeshift/…`; `Describe*`: `log-group:*` | ResourceTag, but none on create (Logs documents no request-tag conditions for tagging a log group) and none on `Describe*` (not supported) |
 * | `elasticloadbalancingv2` | elasticloadbalancing | `loadbalancer/app/<prefix>/*` (load-balancer actions); `Describe*`: `*` | RequestTag on create, ResourceTag otherwise |
 * | `codebuild` | codebuild | `project/<prefix>-<service>`; `List*`: `*` | none |
 * | `s3` | s3 | the access-log bucket (`<prefix>-lb-logs-<hash of account/region>`) and its objects | none |
 * | `dynamodb` | dynamodb | the environments table (and its indexes for Query/Scan) | none |
 * | `eventbridge` | events | `PutEvents`: the bus | none |
 * | `ec2`, `route53`, `servicediscovery`, `acm` | as named | `*`: their resources have AWS-assigned ids modeshift cannot know in advance, and their `Describe*`/`List*` actions take no resource | none |
 * | `iam`, `sfn` | iam, states | none defined: a workflow calling them is an error until someone decides a scope | — |
 *
 * Beyond the called action: on a create whose Parameters carry tags, the
 * service's tag action (`ecr:TagResource`, `ecs:TagResource`,
 * `logs:TagResource`, `rds:AddTagsToResource`, …), which AWS checks as
 * "tag on create"; `iam:PassRole` for a `${…RoleArn}` placeholder; for
 * `codebuild:startBuild.sync`, what Step Functions needs to wait for the build.
 *
 * Wherever a scope is narrow, a mistake fails closed (AccessDenied), never open.
 */
import * as acm from '@aws-sdk/client-acm';
import * as cloudwatchlogs from '@aws-sdk/client-cloudwatch-logs';
import * as codebuild from '@aws-sdk/client-codebuild';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecr from '@aws-sdk/client-ecr';
import * as ecs from '@aws-sdk/client-ecs';
import * as elasticloadbalancingv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as eventbridge from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as rds from '@aws-sdk/client-rds';
import * as route53 from '@aws-sdk/client-route-53';
import * as s3 from '@aws-sdk/client-s3';
import * as scheduler from '@aws-sdk/client-scheduler';
import * as servicediscovery from '@aws-sdk/client-servicediscovery';
import * as sfn from '@aws-sdk/client-sfn';
import { accessLogBucketName, databaseNames, environmentNames, serviceNames } from './names.ts';

/** An IAM policy condition block: operator → condition key → value(s). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One statement of an identity policy, as IAM's JSON spells it. */
export interface PolicyStatement {
  /** Alphanumeric, unique within the policy. */
  Sid: string;
  Effect: 'Allow';
  /** `prefix:Action`, never a wildcard. */
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

/** Where the policy applies: the ARNs it names are built from these. */
export interface AccountContext {
  readonly account: string;
  readonly region: string;
  /** ARN partition. @default 'aws' */
  readonly partition?: string;
}

/** What {@link workflowPolicy} needs besides the ASL: the ARNs its placeholders stand for. */
export interface WorkflowIamContext extends AccountContext {
  /** The environments table (`${EnvironmentsTable}`). */
  readonly tableArn: string;
  /** The modeshift event bus (`${EventBusName}`, `${EventBusArn}`). */
  readonly busArn: string;
  /** Step name → function ARN, for the `${<Name>FunctionArn}` tokens. */
  readonly lambdaFunctionArns: Readonly<Record<string, string>>;
  /** Placeholder name (`SchedulerRoleArn`) → role ARN, for roles the ASL hands to a service. */
  readonly passRoles: Readonly<Record<string, string>>;
}

/** One action on some resources, under an optional condition: what statements are merged from. */
export interface Grant {
  readonly action: string;
  readonly resources: readonly string[];
  readonly condition?: PolicyCondition;
}

/** A workflow definition modeshift cannot derive a policy for; the message names the state. */
export class WorkflowIamError extends Error {
  override name = 'WorkflowIamError';
}

// ---------------------------------------------------------------------------
// The AWS services: Step Functions id, SDK package, IAM prefix.

/** An AWS service as the three vocabularies involved name it. */
export interface AwsService {
  /** The `<service>` of `arn:aws:states:::aws-sdk:<service>:<action>`. */
  readonly serviceId: string;
  /** The JS SDK v3 package, e.g. `@aws-sdk/client-elastic-load-balancing-v2`. */
  readonly sdkPackage: string;
  /** The service prefix of its IAM actions, e.g. `elasticloadbalancing`. */
  readonly iamPrefix: string;
  /** The package's exports: its `<Operation>Command` classes are the source of truth for operation names. */
  readonly sdk: Readonly<Record<string, unknown>>;
  /**
   * The action AWS also checks when a create call carries tags ("tag on
   * create"), where the service has one. Schedules and CodeBuild projects
   * need none; Route 53 and S3 take no tags on create.
   */
  readonly tagAction?: string;
}

export const AWS_SERVICES: readonly AwsService[] = [
  {
    serviceId: 'acm',
    sdkPackage: '@aws-sdk/client-acm',
    iamPrefix: 'acm',
    sdk: acm,
    tagAction: 'AddTagsToCertificate',
  },
  {
    serviceId: 'cloudwatchlogs',
    sdkPackage: '@aws-sdk/client-cloudwatch-logs',
    iamPrefix: 'logs',
    sdk: cloudwatchlogs,
    tagAction: 'TagResource',
  },
  { serviceId: 'codebuild', sdkPackage: '@aws-sdk/client-codebuild', iamPrefix: 'codebuild', sdk: codebuild },
  {
    serviceId: 'dynamodb',
    sdkPackage: '@aws-sdk/client-dynamodb',
    iamPrefix: 'dynamodb',
    sdk: dynamodb,
    tagAction: 'TagResource',
  },
  {
    serviceId: 'ec2',
    sdkPackage: '@aws-sdk/client-ec2',
    iamPrefix: 'ec2',
    sdk: ec2,
    tagAction: 'CreateTags',
  },
  {
    serviceId: 'ecr',
    sdkPackage: '@aws-sdk/client-ecr',
    iamPrefix: 'ecr',
    sdk: ecr,
    tagAction: 'TagResource',
  },
  {
    serviceId: 'ecs',
    sdkPackage: '@aws-sdk/client-ecs',
    iamPrefix: 'ecs',
    sdk: ecs,
    tagAction: 'TagResource',
  },
  {
    serviceId: 'elasticloadbalancingv2',
    sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
    iamPrefix: 'elasticloadbalancing',
    sdk: elasticloadbalancingv2,
    tagAction: 'AddTags',
  },
  {
    serviceId: 'eventbridge',
    sdkPackage: '@aws-sdk/client-eventbridge',
    iamPrefix: 'events',
    sdk: eventbridge,
  },
  { serviceId: 'iam', sdkPackage: '@aws-sdk/client-iam', iamPrefix: 'iam', sdk: iam },
  {
    serviceId: 'rds',
    sdkPackage: '@aws-sdk/client-rds',
    iamPrefix: 'rds',
    sdk: rds,
    tagAction: 'AddTagsToResource',
  },
  { serviceId: 'route53', sdkPackage: '@aws-sdk/client-route-53', iamPrefix: 'route53', sdk: route53 },
  { serviceId: 's3', sdkPackage: '@aws-sdk/client-s3', iamPrefix: 's3', sdk: s3 },
  { serviceId: 'scheduler', sdkPackage: '@aws-sdk/client-scheduler', iamPrefix: 'scheduler', sdk: scheduler },
  {
    serviceId: 'servicediscovery',
    sdkPackage: '@aws-sdk/client-servicediscovery',
    iamPrefix: 'servicediscovery',
    sdk: servicediscovery,
    tagAction: 'TagResource',
  },
  { serviceId: 'sfn', sdkPackage: '@aws-sdk/client-sfn', iamPrefix: 'states', sdk: sfn },
];

/** The service behind a Step Functions service id, if modeshift knows it. */
export function awsServiceById(serviceId: string): AwsService | undefined {
  return AWS_SERVICES.find((service) => service.serviceId === serviceId);
}

/** The service behind an SDK package name, if modeshift knows it. */
export function awsServiceByPackage(sdkPackage: string): AwsService | undefined {
  return AWS_SERVICES.find((service) => service.sdkPackage === sdkPackage);
}

/**
 * The operation name as the SDK spells it (`createDBSubnetGroup` →
 * `CreateDBSubnetGroup`), found by its `<Operation>Command` export; IAM
 * spells its actions the same way. Undefined when the SDK has no such command.
 */
export function sdkOperation(service: AwsService, action: string): string | undefined {
  const wanted = `${action}Command`.toLowerCase();
  const found = Object.keys(service.sdk).find(
    (name) => name.toLowerCase() === wanted && typeof service.sdk[name] === 'function',
  );
  return found?.slice(0, -'Command'.length);
}

type S3Level = 'bucket' | 'object' | 'account';

/**
 * S3 is the one service whose IAM actions are not its API operations. Each
 * operation modeshift may call, with the IAM actions it needs and whether they
 * apply to the bucket, its objects, or the account. An operation missing here
 * is an error rather than a guess, because a guessed S3 action may not exist.
 * `DeleteObject(s)` also need `DeleteObjectVersion`: the access-log bucket is
 * emptied version by version.
 */
const S3_ACTIONS: Readonly<Record<string, ReadonlyArray<readonly [string, S3Level]>>> = {
  CreateBucket: [['s3:CreateBucket', 'bucket']],
  DeleteBucket: [['s3:DeleteBucket', 'bucket']],
  HeadBucket: [['s3:ListBucket', 'bucket']],
  ListObjects: [['s3:ListBucket', 'bucket']],
  ListObjectsV2: [['s3:ListBucket', 'bucket']],
  ListObjectVersions: [['s3:ListBucketVersions', 'bucket']],
  GetBucketLocation: [['s3:GetBucketLocation', 'bucket']],
  GetBucketTagging: [['s3:GetBucketTagging', 'bucket']],
  PutBucketTagging: [['s3:PutBucketTagging', 'bucket']],
  DeleteBucketTagging: [['s3:PutBucketTagging', 'bucket']],
  GetBucketPolicy: [['s3:GetBucketPolicy', 'bucket']],
  PutBucketPolicy: [['s3:PutBucketPolicy', 'bucket']],
  DeleteBucketPolicy: [['s3:DeleteBucketPolicy', 'bucket']],
  GetPublicAccessBlock: [['s3:GetBucketPublicAccessBlock', 'bucket']],
  PutPublicAccessBlock: [['s3:PutBucketPublicAccessBlock', 'bucket']],
  DeletePublicAccessBlock: [['s3:PutBucketPublicAccessBlock', 'bucket']],
  GetBucketEncryption: [['s3:GetEncryptionConfiguration', 'bucket']],
  PutBucketEncryption: [['s3:PutEncryptionConfiguration', 'bucket']],
  GetBucketVersioning: [['s3:GetBucketVersioning', 'bucket']],
  PutBucketVersioning: [['s3:PutBucketVersioning', 'bucket']],
  GetBucketLifecycleConfiguration: [['s3:GetLifecycleConfiguration', 'bucket']],
  PutBucketLifecycleConfiguration: [['s3:PutLifecycleConfiguration', 'bucket']],
  PutBucketOwnershipControls: [['s3:PutBucketOwnershipControls', 'bucket']],
  GetObject: [['s3:GetObject', 'object']],
  HeadObject: [['s3:GetObject', 'object']],
  PutObject: [['s3:PutObject', 'object']],
  DeleteObject: [
    ['s3:DeleteObject', 'object'],
    ['s3:DeleteObjectVersion', 'object'],
  ],
  DeleteObjects: [
    ['s3:DeleteObject', 'object'],
    ['s3:DeleteObjectVersion', 'object'],
  ],
  ListBuckets: [['s3:ListAllMyBuckets', 'account']],
};

/** An IAM action an operation needs, and for S3 what it applies to. */
export interface IamAction {
  readonly action: string;
  readonly s3Level?: S3Level;
}

/**
 * The IAM actions an SDK operation needs: `<prefix>:<Operation>`, except for
 * S3 (see the table above). Undefined for an S3 operation not in the table.
 */
export function iamActionsOf(service: AwsService, operation: string): readonly IamAction[] | undefined {
  if (service.serviceId !== 's3') return [{ action: `${service.iamPrefix}:${operation}` }];
  return S3_ACTIONS[operation]?.map(([action, s3Level]) => ({ action, s3Level }));
}

/** Whether an operation creates a resource, so that tags in it are checked as a tag-on-create. */
export function isCreateOperation(operation: string): boolean {
  return /^(Create|Register|Request|Allocate|Run)[A-Z]/.test(operation) && operation !== 'CreateTags';
}

/**
 * Actions that pass a role, and the service principal the role is passed to
 * (the value of `iam:PassedToService`).
 */
export const ROLE_TAKING_ACTIONS: Readonly<Record<string, string>> = {
  'codebuild:CreateProject': 'codebuild.amazonaws.com',
  'codebuild:UpdateProject': 'codebuild.amazonaws.com',
  'codebuild:StartBuild': 'codebuild.amazonaws.com',
  'ecs:RegisterTaskDefinition': 'ecs-tasks.amazonaws.com',
  'events:PutTargets': 'events.amazonaws.com',
  'scheduler:CreateSchedule': 'scheduler.amazonaws.com',
  'scheduler:UpdateSchedule': 'scheduler.amazonaws.com',
};

// ---------------------------------------------------------------------------
// The resources modeshift names, as IAM resource patterns.

const ANY = '*';
const PROJECT_TAG = 'modeshift:project';

/** Resource carries the modeshift project tag (it was created by modeshift). */
export const TAGGED: PolicyCondition = { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' } };
/** The create call carries the modeshift project tag. */
export const TAGGING: PolicyCondition = { Null: { [`aws:RequestTag/${PROJECT_TAG}`]: 'false' } };

/**
 * ARN patterns of everything modeshift names, built by calling core/names.ts
 * with `*` for project, environment, service and database, so they follow
 * the naming rules as they change.
 */
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
    /** `Describe*` on log groups is authorised against the account's whole log-group space. */
    allLogGroups: arn('logs', 'log-group:*'),
    ecrRepositories: arn('ecr', `repository/${service.ecrRepository}`),
    ecsClusters: arn('ecs', `cluster/${environment.cluster}`),
    dbInstances: arn('rds', `db:${database.instance}`),
    dbSubnetGroups: arn('rds', `subgrp:${environment.dbSubnetGroup}`),
    finalSnapshots: arn('rds', `snapshot:${database.finalSnapshotPrefix}-*`),
    /** The secret RDS creates for a managed master password is named `rds!db-<id>`. */
    rdsSecrets: arn('secretsmanager', 'secret:rds!*'),
    kmsKeys: arn('kms', 'key/*'),
    loadBalancers: arn('elasticloadbalancing', `loadbalancer/app/${environment.loadBalancer}/*`),
    expirySchedules: arn('scheduler', `schedule/default/${environment.expirySchedule}`),
    codeBuildProjects: arn('codebuild', `project/${service.codeBuildProject}`),
    codeBuildSyncRule: arn('events', 'rule/StepFunctionsGetEventForCodeBuildStartBuildRule'),
    executions: arn('states', 'execution:*'),
    accessLogBuckets: bucket,
    accessLogObjects: `${bucket}/*`,
    /** The service-linked roles of one service (`ecs.amazonaws.com`): `role/aws-service-role/<service>/*`. */
    serviceLinkedRoles: (linkedService: string) =>
      `arn:${partition}:iam::${context.account}:role/aws-service-role/${linkedService}/*`,
  };
}

export type ModeshiftArns = ReturnType<typeof modeshiftArns>;

/** The resources of an S3 action, by what it applies to. */
export function s3Resources(level: S3Level, arns: ModeshiftArns): string[] {
  if (level === 'account') return [ANY];
  return [level === 'bucket' ? arns.accessLogBuckets : arns.accessLogObjects];
}

/**
 * Actions AWS checks behind another one, beyond tag on create: RDS creating a
 * database whose master password it manages in Secrets Manager (modeshift
 * always lets it: DESIGN §2) needs `secretsmanager:CreateSecret`,
 * `secretsmanager:TagResource` and `kms:DescribeKey` (RDS User Guide,
 * "Permissions required for Secrets Manager integration").
 */
export function dependentGrants(action: string, arns: ModeshiftArns): Grant[] {
  const grants: Grant[] = [];
  const linkedService = SERVICE_LINKED_ROLES[action];
  if (linkedService !== undefined) {
    // The first cluster, load balancer or database in an account makes AWS create the service's
    // service-linked role, on the caller's permission: granted for that one service's role only.
    grants.push({
      action: 'iam:CreateServiceLinkedRole',
      resources: [arns.serviceLinkedRoles(linkedService)],
      condition: { StringEquals: { 'iam:AWSServiceName': linkedService } },
    });
  }
  if (action === 'rds:CreateDBInstance') {
    grants.push(
      { action: 'secretsmanager:CreateSecret', resources: [arns.rdsSecrets] },
      { action: 'secretsmanager:TagResource', resources: [arns.rdsSecrets] },
      { action: 'kms:DescribeKey', resources: [arns.kmsKeys] },
    );
  }
  return grants;
}

/**
 * Actions that create a service's service-linked role when the account has
 * none yet (a fresh account's first ECS cluster or service, load balancer,
 * database), and the service it is created for.
 */
const SERVICE_LINKED_ROLES: Readonly<Record<string, string>> = {
  'ecs:CreateCluster': 'ecs.amazonaws.com',
  'ecs:CreateService': 'ecs.amazonaws.com',
  'elasticloadbalancing:CreateLoadBalancer': 'elasticloadbalancing.amazonaws.com',
  'rds:CreateDBInstance': 'rds.amazonaws.com',
};

// ---------------------------------------------------------------------------
// Merging grants into statements.

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** A readable Sid: the services, and what the condition asks. */
function sidBase(actions: readonly string[], condition: PolicyCondition | undefined): string {
  const prefixes = [...new Set(actions.map((action) => action.split(':')[0] ?? ''))];
  let suffix = '';
  const keys = Object.values(condition ?? {}).flatMap((block) => Object.keys(block));
  if (keys.some((key) => key.startsWith('aws:ResourceTag/'))) suffix = 'Tagged';
  else if (keys.some((key) => key.startsWith('aws:RequestTag/'))) suffix = 'TagOnCreate';
  else if (keys.includes('iam:PassedToService')) {
    const to = [condition?.StringEquals?.['iam:PassedToService'] ?? []].flat();
    suffix = `To${to.map((principal) => pascal(principal.replace(/\.amazonaws\.com$/, ''))).join('')}`;
  }
  return `${prefixes.map(pascal).join('')}${suffix}`;
}

/**
 * Merges grants into statements: actions with identical resources and
 * condition share one statement, then statements with identical actions and
 * condition share their resources (one statement invokes every Lambda step),
 * which keeps the policy well inside IAM's size limit. Actions and resources are sorted and
 * de-duplicated, statements sorted, Sids unique. A wildcard action is an error.
 */
export function statementsOf(grants: readonly Grant[]): PolicyStatement[] {
  const groups = new Map<
    string,
    { actions: Set<string>; resources: string[]; condition?: PolicyCondition }
  >();
  for (const grant of grants) {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(grant.action)) {
      throw new WorkflowIamError(`"${grant.action}" is not a single IAM action (no wildcards)`);
    }
    const resources = [...new Set(grant.resources)].sort(compare);
    if (resources.length === 0) throw new WorkflowIamError(`${grant.action} is granted on no resource`);
    const key = `${resources.join('\n')}\n${canonical(grant.condition ?? null)}`;
    const group = groups.get(key) ?? {
      actions: new Set<string>(),
      resources,
      ...(grant.condition ? { condition: grant.condition } : {}),
    };
    group.actions.add(grant.action);
    groups.set(key, group);
  }
  // Then statements with the same actions and condition share one list of resources.
  const byActions = new Map<
    string,
    { actions: string[]; resources: string[]; condition?: PolicyCondition }
  >();
  for (const group of groups.values()) {
    const actions = [...group.actions].sort(compare);
    const key = `${actions.join(',')}\n${canonical(group.condition ?? null)}`;
    const merged = byActions.get(key);
    if (merged === undefined) byActions.set(key, { ...group, actions });
    else merged.resources = [...new Set([...merged.resources, ...group.resources])].sort(compare);
  }
  const statements = [...byActions.values()].sort(
    (a, b) =>
      compare(a.actions.join(','), b.actions.join(',')) ||
      compare(a.resources.join(','), b.resources.join(',')) ||
      compare(canonical(a.condition ?? null), canonical(b.condition ?? null)),
  );
  const used = new Map<string, number>();
  return statements.map((group) => {
    const base = sidBase(group.actions, group.condition);
    const count = (used.get(base) ?? 0) + 1;
    used.set(base, count);
    return {
      Sid: count === 1 ? base : `${base}${count}`,
      Effect: 'Allow' as const,
      Action: group.actions,
      Resource: group.resources,
      ...(group.condition ? { Condition: group.condition } : {}),
    };
  });
}

// ---------------------------------------------------------------------------
// Walking the ASL.

interface TaskState {
  /** The state's name, with the names of the Parallel and Map states around it: `Foundations/RunBuilds/RunBuild`. */
  readonly path: string;
  readonly state: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statesOf(container: unknown, where: string): Readonly<Record<string, unknown>> {
  const states = isRecord(container) ? container.States : undefined;
  if (!isRecord(states)) throw new WorkflowIamError(`${where} has no "States" object`);
  return states;
}

/** Every Task state, including those inside Map (ItemProcessor or Iterator) and Parallel branches. */
function taskStates(states: Readonly<Record<string, unknown>>, prefix: string): TaskState[] {
  const tasks: TaskState[] = [];
  for (const [name, state] of Object.entries(states)) {
    const path = `${prefix}${name}`;
    if (!isRecord(state)) throw new WorkflowIamError(`state "${path}" is not an object`);
    if (state.Type === 'Task') tasks.push({ path, state });
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      tasks.push(...taskStates(statesOf(processor, `Map state "${path}"`), `${path}/`));
    }
    if (state.Type === 'Parallel') {
      if (!Array.isArray(state.Branches))
        throw new WorkflowIamError(`Parallel state "${path}" has no Branches`);
      state.Branches.forEach((branch, index) => {
        tasks.push(
          ...taskStates(statesOf(branch, `branch ${index} of Parallel state "${path}"`), `${path}/`),
        );
      });
    }
  }
  return tasks;
}

const PLACEHOLDER_ROLE = /^\$\{([A-Za-z0-9]*RoleArn)\}$/;
const LAMBDA_PLACEHOLDER = /^\$\{([A-Za-z0-9]+)FunctionArn\}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const STATES_ARN = /^arn:aws[a-z-]*:states:::(.+)$/;
const TAG_KEYS = new Set(['Tags', 'Tags.$', 'TagSpecifications', 'TagSpecifications.$', 'tags', 'tags.$']);

/** The `${...RoleArn}` placeholders anywhere in a state's Parameters. */
function rolePlaceholders(value: unknown): string[] {
  if (typeof value === 'string') {
    const match = PLACEHOLDER_ROLE.exec(value);
    return match?.[1] === undefined ? [] : [match[1]];
  }
  if (Array.isArray(value)) return value.flatMap(rolePlaceholders);
  if (isRecord(value)) return Object.values(value).flatMap(rolePlaceholders);
  return [];
}

function hasTags(parameters: unknown): boolean {
  return isRecord(parameters) && Object.keys(parameters).some((key) => TAG_KEYS.has(key));
}

/** What a scope rule knows about the call. */
interface TaskCall {
  readonly operation: string;
  /** The Parameters carry tags (so a create is checked against aws:RequestTag). */
  readonly tagged: boolean;
}

interface Scope {
  readonly resources: readonly string[];
  readonly condition?: PolicyCondition;
}

/** Resource-tag condition for an existing resource; request-tag for a tagged create; none for an untagged create. */
function tagCondition(call: TaskCall): PolicyCondition | undefined {
  if (!isCreateOperation(call.operation)) return TAGGED;
  return call.tagged ? TAGGING : undefined;
}

function scoped(resources: readonly string[], condition: PolicyCondition | undefined): Scope {
  return condition ? { resources, condition } : { resources };
}

type ScopeRule = (call: TaskCall, arns: ModeshiftArns, context: WorkflowIamContext) => Scope[] | undefined;

const EVERYWHERE: ScopeRule = () => [{ resources: [ANY] }];

/** Per Step Functions service id: the resources and condition of a workflow's aws-sdk call. See the table at the top. */
const WORKFLOW_SCOPES: Readonly<Record<string, ScopeRule>> = {
  ec2: EVERYWHERE,
  route53: EVERYWHERE,
  servicediscovery: EVERYWHERE,
  acm: EVERYWHERE,
  scheduler: ({ operation }, arns) =>
    /Schedule$/.test(operation) ? [{ resources: [arns.expirySchedules] }] : undefined,
  rds: (call, arns) => {
    if (/DBSubnetGroups?$/.test(call.operation)) return [scoped([arns.dbSubnetGroups], tagCondition(call))];
    if (!/DBInstances?$/.test(call.operation)) return undefined;
    const scopes = [scoped([arns.dbInstances], tagCondition(call))];
    if (call.operation === 'DeleteDBInstance') scopes.push({ resources: [arns.finalSnapshots] });
    return scopes;
  },
  ecr: (call, arns) => [scoped([arns.ecrRepositories], tagCondition(call))],
  ecs: (call, arns) =>
    /Cluster/.test(call.operation) ? [scoped([arns.ecsClusters], tagCondition(call))] : undefined,
  cloudwatchlogs: (call, arns) => {
    if (call.operation.startsWith('Describe')) return [{ resources: [arns.allLogGroups] }];
    return [scoped([arns.logGroups], isCreateOperation(call.operation) ? undefined : TAGGED)];
  },
  elasticloadbalancingv2: (call, arns) => {
    if (call.operation.startsWith('Describe')) return [{ resources: [ANY] }];
    return /LoadBalancers?(Attributes)?$/.test(call.operation)
      ? [scoped([arns.loadBalancers], tagCondition(call))]
      : undefined;
  },
  codebuild: ({ operation }, arns) => [
    { resources: [operation.startsWith('List') ? ANY : arns.codeBuildProjects] },
  ],
  s3: ({ operation }, arns) => {
    const levels = S3_ACTIONS[operation]?.map(([, level]) => level);
    return levels === undefined ? undefined : [{ resources: s3Resources(levels[0] ?? 'bucket', arns) }];
  },
  dynamodb: ({ operation }, _arns, context) => [
    {
      resources:
        operation === 'Query' || operation === 'Scan'
          ? [context.tableArn, `${context.tableArn}/index/*`]
          : [context.tableArn],
    },
  ],
  eventbridge: ({ operation }, _arns, context) =>
    operation === 'PutEvents' ? [{ resources: [context.busArn] }] : undefined,
};

/** The grants of an aws-sdk Task: its actions on their scopes, plus tag-on-create, dependent actions and passed roles. */
function awsSdkGrants(
  task: TaskState,
  serviceId: string,
  action: string,
  arns: ModeshiftArns,
  context: WorkflowIamContext,
): Grant[] {
  const at = `state "${task.path}"`;
  const service = awsServiceById(serviceId);
  if (service === undefined) {
    throw new WorkflowIamError(
      `${at}: Step Functions service id "${serviceId}" has no IAM mapping ` +
        `(known: ${AWS_SERVICES.map((known) => known.serviceId).join(', ')})`,
    );
  }
  const operation = sdkOperation(service, action);
  if (operation === undefined) {
    throw new WorkflowIamError(`${at}: ${service.sdkPackage} has no command for action "${action}"`);
  }
  const call: TaskCall = { operation, tagged: hasTags(task.state.Parameters) };
  const actions = iamActionsOf(service, operation);
  const scopes = WORKFLOW_SCOPES[serviceId]?.(call, arns, context);
  if (actions === undefined || scopes === undefined) {
    throw new WorkflowIamError(
      `${at}: no resource scope is defined for ${service.iamPrefix}:${operation}; add one in core/workflow-iam.ts`,
    );
  }
  const grants: Grant[] = [];
  for (const { action: iamAction, s3Level } of actions) {
    const actionScopes = s3Level === undefined ? scopes : [{ resources: s3Resources(s3Level, arns) }];
    for (const scope of actionScopes) grants.push({ action: iamAction, ...scope });
    grants.push(...dependentGrants(iamAction, arns));
  }
  if (service.tagAction !== undefined && call.tagged && isCreateOperation(operation)) {
    for (const scope of scopes)
      grants.push({ action: `${service.iamPrefix}:${service.tagAction}`, ...scope });
  }
  grants.push(...passRoleGrants(task, `${service.iamPrefix}:${operation}`, context));
  return grants;
}

/** `iam:PassRole` for each `${...RoleArn}` the Task hands to `action`'s service. */
function passRoleGrants(task: TaskState, action: string, context: WorkflowIamContext): Grant[] {
  return rolePlaceholders(task.state.Parameters).map((placeholder) => {
    const role = context.passRoles[placeholder];
    if (role === undefined) {
      throw new WorkflowIamError(
        `state "${task.path}": no role ARN given for \${${placeholder}} (passRoles)`,
      );
    }
    const service = ROLE_TAKING_ACTIONS[action];
    if (service === undefined) {
      throw new WorkflowIamError(
        `state "${task.path}": \${${placeholder}} is passed to ${action}, which modeshift does not know to take a role`,
      );
    }
    return {
      action: 'iam:PassRole',
      resources: [role],
      condition: { StringEquals: { 'iam:PassedToService': service } },
    };
  });
}

function lambdaGrant(task: TaskState, name: string, context: WorkflowIamContext): Grant {
  const arn = context.lambdaFunctionArns[name];
  if (arn === undefined) {
    throw new WorkflowIamError(
      `state "${task.path}": no function ARN given for \${${name}FunctionArn} (lambdaFunctionArns.${name})`,
    );
  }
  return { action: 'lambda:InvokeFunction', resources: [arn] };
}

/** The optimized integrations the workflows use (`arn:aws:states:::<service>:<action>[.sync]`). */
function optimizedGrants(
  task: TaskState,
  integration: string,
  arns: ModeshiftArns,
  context: WorkflowIamContext,
): Grant[] {
  const at = `state "${task.path}"`;
  const [service = '', rest = ''] = integration.split(':');
  const [action = '', pattern] = rest.split('.');
  if (service === 'dynamodb' && ['getItem', 'putItem', 'updateItem', 'deleteItem'].includes(action)) {
    const operation = sdkOperation(awsServiceById('dynamodb') as AwsService, action) as string;
    return [{ action: `dynamodb:${operation}`, resources: [context.tableArn] }];
  }
  if (service === 'events' && action === 'putEvents' && pattern === undefined) {
    return [{ action: 'events:PutEvents', resources: [context.busArn] }];
  }
  if (service === 'codebuild' && action === 'startBuild') {
    const grants: Grant[] = [{ action: 'codebuild:StartBuild', resources: [arns.codeBuildProjects] }];
    if (pattern === 'sync') {
      // What Step Functions needs to wait for the build (Step Functions Developer Guide, "IAM policies for AWS CodeBuild").
      grants.push(
        { action: 'codebuild:StopBuild', resources: [arns.codeBuildProjects] },
        { action: 'codebuild:BatchGetBuilds', resources: [arns.codeBuildProjects] },
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((eventAction) => ({
          action: eventAction,
          resources: [arns.codeBuildSyncRule],
        })),
      );
    }
    grants.push(...passRoleGrants(task, 'codebuild:StartBuild', context));
    return grants;
  }
  if (service === 'lambda' && action === 'invoke') {
    const name = isRecord(task.state.Parameters) ? task.state.Parameters.FunctionName : undefined;
    const match = typeof name === 'string' ? LAMBDA_PLACEHOLDER.exec(name) : null;
    if (match?.[1] === undefined) {
      throw new WorkflowIamError(`${at}: lambda:invoke needs FunctionName "\${<Name>FunctionArn}"`);
    }
    return [lambdaGrant(task, match[1], context)];
  }
  throw new WorkflowIamError(
    `${at}: integration "${integration}" has no IAM mapping in core/workflow-iam.ts`,
  );
}

function taskGrants(task: TaskState, arns: ModeshiftArns, context: WorkflowIamContext): Grant[] {
  const resource = task.state.Resource;
  if (typeof resource !== 'string') throw new WorkflowIamError(`state "${task.path}" has no Resource`);
  const lambda = LAMBDA_PLACEHOLDER.exec(resource);
  if (lambda?.[1] !== undefined) return [lambdaGrant(task, lambda[1], context)];
  if (LAMBDA_ARN.test(resource)) return [{ action: 'lambda:InvokeFunction', resources: [resource] }];
  const integration = STATES_ARN.exec(resource)?.[1];
  if (integration?.startsWith('aws-sdk:')) {
    const [, serviceId = '', action = ''] = integration.split(':');
    if (action.includes('.')) {
      throw new WorkflowIamError(`state "${task.path}": aws-sdk integrations have no "${action}" pattern`);
    }
    return awsSdkGrants(task, serviceId, action, arns, context);
  }
  if (integration !== undefined) return optimizedGrants(task, integration, arns, context);
  throw new WorkflowIamError(
    `state "${task.path}": Resource "${resource}" is not an integration modeshift knows`,
  );
}

/**
 * The policy of a workflow's Step Functions role: for every Task state of the
 * ASL (with its `${Placeholder}` tokens still in it), the IAM actions its
 * integration needs, scoped as the table at the top of this file says.
 *
 * A role placeholder in a Lambda step's Parameters is not the workflow's to
 * pass: the step passes it, with its own role (core/step-iam.ts,
 * {@link rolesPassedToSteps}).
 *
 * @throws WorkflowIamError naming the state, for an unknown service id or
 * integration, a missing function or role ARN, or an action without a scope.
 */
export function workflowPolicy(definition: object, context: WorkflowIamContext): PolicyStatement[] {
  const arns = modeshiftArns(context);
  const tasks = taskStates(statesOf(definition, 'the workflow definition'), '');
  return statementsOf(tasks.flatMap((task) => taskGrants(task, arns, context)));
}

/**
 * The role placeholders each Lambda step receives in its Parameters, by step
 * name: `{ EnsureBuildProject: ['CodeBuildRoleArn'] }`. The step passes those
 * roles to a service, so its own policy needs `iam:PassRole` on them
 * (core/step-iam.ts `passRoles`).
 */
export function rolesPassedToSteps(definition: object): Record<string, string[]> {
  const roles: Record<string, string[]> = {};
  for (const task of taskStates(statesOf(definition, 'the workflow definition'), '')) {
    const resource = task.state.Resource;
    const step = typeof resource === 'string' ? LAMBDA_PLACEHOLDER.exec(resource)?.[1] : undefined;
    const placeholders = rolePlaceholders(task.state.Parameters);
    if (step === undefined || placeholders.length === 0) continue;
    roles[step] = [...new Set([...(roles[step] ?? []), ...placeholders])].sort(compare);
  }
  return roles;
}
