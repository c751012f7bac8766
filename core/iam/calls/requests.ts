/**
 * From logged calls (core/iam/calls/logged-call.ts) to the requests IAM
 * evaluates for them on AWS: for each call, each IAM action it needs, on
 * each resource that action is authorised against, with the condition keys
 * AWS would send (the resource's tags, the request's tags, the service a role
 * is passed to), plus the actions AWS checks behind the call (tag on create,
 * `iam:PassRole`, a service-linked role, RDS's managed secret).
 *
 * Which resources an action is authorised against comes from the Service
 * Authorization Reference (its resource types and their ARN patterns); the
 * ARNs are taken from the request (and, for a create, its response), and a
 * resource's tags from replaying every call made to the same local AWS in
 * order: what created or tagged it, and what responses said of its tags.
 * What cannot be known (the id of something a failed create would have made)
 * stays `*` in the ARN, and the request is counted as partly resolved.
 */
import { AWS_SERVICES, awsServiceById } from '../../aws-services.ts';
import { iamActionsOf, isCreateOperation } from '../actions.ts';
import {
  type ActionReference,
  type ActionResourceType,
  actionReference,
  isMutating,
  isTagging,
} from '../authorization-reference.ts';
import { IamDerivationError } from '../policy.ts';
import { REQUEST_TAG } from '../tag-scope.ts';
import { ARN, EC2_ID, EC2_ID_TYPES, type LoggedCall, type TagMap, tagListOf } from './logged-call.ts';

/** A request IAM evaluates. */
export interface AuthorizationRequest {
  /** Who makes it: as logged, or `role/<arn>` for what a service does with a role it was handed. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  /** The call it comes from, as `<principal> <service>:<Operation>`, and why an implied action is checked. */
  readonly because: string;
  /** Whether some part of the ARN could not be known and is `*`. */
  readonly partial?: true;
  /** For a role modeshift created at run time: its policy documents when the call was made. */
  readonly policies?: readonly unknown[];
}

/** A call whose IAM action modeshift does not know or the reference does not list. */
export interface UnknownAction {
  readonly principal: string;
  readonly action: string;
  readonly because: string;
}

/** Where the local AWS is: the account and region its ARNs carry. */
export interface Place {
  readonly account: string;
  readonly region: string;
}

/** What replaying one local AWS's calls has learned so far. */
interface ReplayState {
  /** Resource ARN → its tags. */
  readonly tags: Map<string, TagMap>;
  /** Role name → ARN (with its path). */
  readonly roles: Map<string, string>;
  /** Role ARN → policy name → document. */
  readonly rolePolicies: Map<string, Map<string, unknown>>;
  /** CodeBuild project name → the role and source it was created or updated with. */
  readonly buildProjects: Map<string, { serviceRole?: string; sourceLocation?: string }>;
  /** Task definition family → the roles its newest registration names (execution and task role). */
  readonly taskRoles: Map<string, string[]>;
  /**
   * A scalable target's resource id (`service/<cluster>/<service>`) → its ARN, whose last part AWS
   * assigns (`scalable-target/<id>`): the calls that follow name the resource id only.
   */
  readonly scalableTargets: Map<string, string>;
  /** IAM prefix → the tags of creates sent but never answered in the log (their process was killed). */
  readonly cutShort: Map<string, TagMap>;
}

// ---------------------------------------------------------------------------
// Values in a request

/** An ARN as it is, an EC2 id as its ARN, anything else undefined. */
function asArn(value: unknown, place: Place): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (ARN.test(value)) return value;
  const match = EC2_ID.exec(value);
  if (match?.[1] === undefined) return undefined;
  return `arn:aws:ec2:${place.region}:${place.account}:${EC2_ID_TYPES[match[1]]}/${value}`;
}

/** Every string anywhere in a value. */
function stringsIn(value: unknown, into: string[] = [], depth = 0): string[] {
  if (depth > 10) return into;
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, into, depth + 1);
  else if (typeof value === 'object' && value !== null)
    for (const inner of Object.values(value)) stringsIn(inner, into, depth + 1);
  return into;
}

/** The values at a path (`Entries.EventBusName`), through arrays. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (typeof value !== 'object' || value === null) return [];
  const [head = '', ...rest] = path;
  const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === head.toLowerCase());
  return key === undefined ? [] : valuesAt((value as Record<string, unknown>)[key], rest);
}

/** Tags from a list of them, or from one `{ key: value }` map (CloudWatch Logs). */
function tagMapOf(value: unknown): TagMap | undefined {
  if (Array.isArray(value)) return tagListOf(value);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.every(([, text]) => typeof text === 'string')) return Object.fromEntries(entries) as TagMap;
  }
  return undefined;
}

/** The tags a request sets: `Tags`, `tags`, `TagSpecifications[].Tags`, `Tagging.TagSet`, Route 53's `AddTags`. */
export function requestTags(input: unknown): TagMap | undefined {
  const paths = [['Tags'], ['TagList'], ['TagSpecifications', 'Tags'], ['Tagging', 'TagSet'], ['AddTags']];
  let found: TagMap | undefined;
  for (const path of paths) {
    const values = valuesAt(input, path);
    // A list of `{Key, Value}` (flattened from every TagSpecification), or one `{ key: value }` map (CloudWatch Logs).
    const map = tagMapOf(values) ?? (values.length === 1 ? tagMapOf(values[0]) : undefined);
    if (map !== undefined && Object.keys(map).length > 0) found = { ...found, ...map };
  }
  return found;
}

/** The tag keys an untag request removes. */
function removedTagKeys(input: unknown): string[] {
  return ['TagKeys', 'tagKeys', 'RemoveTagKeys'].flatMap((key) =>
    valuesAt(input, [key]).filter((value): value is string => typeof value === 'string'),
  );
}

// ---------------------------------------------------------------------------
// Resources of an action

/**
 * Where the reference's ARN variables are found in a request, by variable
 * name: input fields, case-insensitive, through arrays. A value that is an
 * ARN gives its last path segment. Most ARNs are in requests as they are;
 * this is for the names.
 */
const VARIABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  ClusterName: ['cluster', 'clusterName'],
  ServiceName: ['service', 'serviceName', 'services'],
  TaskDefinitionFamilyName: ['family', 'taskDefinition', 'familyPrefix'],
  RepositoryName: ['repositoryName'],
  ProjectName: ['projectName', 'name', 'projects', 'ids'],
  LogGroupName: ['logGroupName', 'logGroupIdentifier'],
  DbInstanceName: ['DBInstanceIdentifier'],
  SubnetGroupName: ['DBSubnetGroupName'],
  SnapshotName: ['FinalDBSnapshotIdentifier', 'DBSnapshotIdentifier'],
  TableName: ['TableName'],
  AlarmName: ['AlarmName', 'AlarmNames'],
  IndexName: ['IndexName'],
  EventBusName: ['EventBusName', 'Entries.EventBusName'],
  RuleName: ['Name', 'Rule'],
  GroupName: ['GroupName'],
  ScheduleName: ['Name'],
  BucketName: ['Bucket'],
  ObjectName: ['Key', 'Delete.Objects.Key'],
  Id: ['HostedZoneId', 'Id', 'ResourceId', 'ResourceIds'],
  NamespaceId: ['NamespaceId', 'Id'],
  ServiceId: ['ServiceId', 'Id'],
  ParameterNameWithoutLeadingSlash: ['Name', 'Names', 'Path'],
  FunctionName: ['FunctionName'],
  CertificateId: ['CertificateArn'],
  ReplicationGroupId: ['ReplicationGroupId'],
  CacheSubnetGroupName: ['CacheSubnetGroupName'],
  CacheParameterGroupName: ['CacheParameterGroupName'],
  OptionGroupName: ['OptionGroupName'],
  ParameterGroupName: ['DBParameterGroupName'],
};

/**
 * The group AWS uses when a create names none: ElastiCache's default parameter group of the engine's
 * major version (`default.redis7`, `default.valkey8`), RDS's default option and parameter groups
 * (a restore takes the snapshot's engine version, which the request does not tell: `default…unknown`).
 */
function defaultGroupName(variable: string, call: LoggedCall): string | undefined {
  if (
    call.service === 'elasticache' &&
    call.operation === 'CreateReplicationGroup' &&
    variable === 'CacheParameterGroupName'
  ) {
    const [engine] = valuesAt(call.input, ['Engine']);
    const [version] = valuesAt(call.input, ['EngineVersion']);
    const major = typeof version === 'string' ? version.split('.')[0] : UNKNOWN;
    return `default.${typeof engine === 'string' ? engine : 'redis'}${major}`;
  }
  if (call.service === 'rds' && call.operation === 'RestoreDBInstanceFromDBSnapshot') {
    if (variable === 'OptionGroupName') return `default:${UNKNOWN}`;
    if (variable === 'ParameterGroupName') return `default.${UNKNOWN}`;
  }
  return undefined;
}

/** What stands in an ARN for a part the request does not tell (the id of something a failed create would have made). */
export const UNKNOWN = 'unknown';

/** Defaults AWS applies when a request leaves the field out. */
const VARIABLE_DEFAULTS: Readonly<Record<string, string>> = { GroupName: 'default' };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A resource type's ARN pattern for the place, as a regular expression (each variable: one or more characters). */
const regExps = new Map<string, RegExp>();

function typeRegExp(pattern: string, place: Place): RegExp {
  const key = `${place.account}/${place.region}/${pattern}`;
  const known = regExps.get(key);
  if (known !== undefined) return known;
  const made = buildTypeRegExp(pattern, place);
  regExps.set(key, made);
  return made;
}

function buildTypeRegExp(pattern: string, place: Place): RegExp {
  const filled = fillPlace(pattern, place);
  const parts = filled.split(/\$\{[A-Za-z0-9]+\}/).map(escapeRegExp);
  return new RegExp(`^${parts.join('.+')}$`);
}

function fillPlace(pattern: string, place: Place): string {
  const known: Record<string, string> = { Partition: 'aws', Region: place.region, Account: place.account };
  return pattern.replace(
    /\$\{(Partition|Region|Account)\}/g,
    (_variable, name: string) => known[name] ?? name,
  );
}

function nameOf(value: string): string {
  if (!ARN.test(value)) return value;
  return value.split(/[/:]/).at(-1) ?? value;
}

/**
 * The type's ARN with its variables filled from the request. A part the request does not name is `unknown`
 * for a change (what a failed create would have made), and `*` for a read or list (every resource: a
 * DescribeRepositories without names is authorised on `repository/*`).
 */
function filledArn(
  pattern: string,
  call: LoggedCall,
  place: Place,
  state: ReplayState,
  unknown: string,
): { arns: string[]; partial: boolean; complete: boolean } {
  let partial = false;
  let complete = true;
  let arns = [fillPlace(pattern, place)];
  for (const [, variable = ''] of pattern.matchAll(/\$\{([A-Za-z0-9]+)\}/g)) {
    if (['Partition', 'Region', 'Account'].includes(variable)) continue;
    let values: string[];
    const awsDefault = defaultGroupName(variable, call);
    if (
      awsDefault !== undefined &&
      valuesAt(call.input, VARIABLE_FIELDS[variable]?.[0]?.split('.') ?? []).length === 0
    ) {
      values = [awsDefault];
    } else if (variable === 'RoleNameWithPath') {
      values = valuesAt(call.input, ['RoleName'])
        .filter((value): value is string => typeof value === 'string')
        .map((name) => roleNameWithPath(name, call, state));
    } else if (variable === 'ResourceId' && call.service === 'applicationautoscaling') {
      const target = state.scalableTargets.get(String(valuesAt(call.input, ['ResourceId'])[0]));
      values = target === undefined ? [] : [target.split(':scalable-target/')[1] ?? ''];
    } else if (variable === 'TaskDefinitionRevisionNumber') {
      values = valuesAt(call.input, ['taskDefinition'])
        .filter((value): value is string => typeof value === 'string' && /:\d+$/.test(value))
        .map((value) => value.split(':').at(-1) as string);
    } else {
      values = fieldsOf(variable, call)
        .flatMap((field) => valuesAt(call.input, field.split('.')))
        .filter((value): value is string => typeof value === 'string' && value !== '')
        .map((value) => {
          const name = nameOf(value);
          if (variable === 'ProjectName') return name.split(':')[0] as string;
          if (variable === 'Id') return name.replace(/^\/?hostedzone\//, '');
          if (variable === 'ParameterNameWithoutLeadingSlash') return value.replace(/^\//, '');
          if (variable === 'TaskDefinitionFamilyName') return name.split(':')[0] as string;
          if (variable === 'Scope') return name.toLowerCase();
          return name;
        });
      if (values.length === 0 && VARIABLE_DEFAULTS[variable] !== undefined) {
        values = [VARIABLE_DEFAULTS[variable] as string];
      }
    }
    const unique = [...new Set(values)];
    if (unique.length === 0) {
      partial = true;
      complete = false;
      arns = arns.map((arn) => arn.replace(`\${${variable}}`, unknown));
    } else {
      arns = arns.flatMap((arn) => unique.map((value) => arn.replace(`\${${variable}}`, value)));
    }
  }
  return { arns, partial, complete };
}

/** The request fields a variable is read from: a Scheduler group's own calls name it `Name`. */
function fieldsOf(variable: string, call: LoggedCall): readonly string[] {
  if (variable === 'GroupName' && call.service === 'scheduler' && /ScheduleGroup$/.test(call.operation))
    return ['Name'];
  // A web ACL's ARN is `<scope>/webacl/<name>/<id>`, its scope lowercase (`regional`).
  if (call.service === 'wafv2' && (variable === 'Name' || variable === 'Scope')) return [variable];
  return VARIABLE_FIELDS[variable] ?? [];
}

/** A role's name with its path, as its ARN carries it: known once it was created or read. */
function roleNameWithPath(name: string, call: LoggedCall, state: ReplayState): string {
  if (call.operation === 'CreateRole') {
    const path = valuesAt(call.input, ['Path'])[0];
    return `${typeof path === 'string' ? path.replace(/^\//, '') : ''}${name}`;
  }
  const known = state.roles.get(name);
  return known === undefined ? name : (known.split(':role/')[1] ?? name);
}

interface Resource {
  readonly arn: string;
  /** Whether IAM authorises the action against it (false: only created by the call). @default true */
  readonly authorised?: false;
  /** Created by this call: it has no tags yet, its tags are the request's. */
  readonly created: boolean;
  readonly partial: boolean;
}

/** The resources IAM authorises `action` against for this call. */
function resourcesOf(
  reference: ActionReference,
  call: LoggedCall,
  place: Place,
  state: ReplayState,
): Resource[] {
  if (reference.resourceTypes.length === 0) return [{ arn: '*', created: false, partial: false }];
  const inInput = new Set(stringsIn(call.input).flatMap((value) => asArn(value, place) ?? []));
  const inOutput = new Set((call.created ?? []).flatMap((value) => asArn(value, place) ?? []));
  for (const arn of inInput) inOutput.delete(arn);
  const candidates = [...inInput, ...inOutput];
  // What a create made is of the type its request's tags go to (the type with aws:RequestTag), or its only type;
  // the response's other references (a NAT gateway's VPC) are resources that existed before.
  const newTypes = reference.resourceTypes.filter(
    (type) => reference.resourceTypes.length === 1 || type.actionKeys.has(REQUEST_TAG),
  );
  const prefix = reference.action.split(':')[0] ?? '';
  // An ARN of no type of the action, of what the operation names (`CreateListener`, a `listener/…`).
  const noun = call.operation.replace(/^(Create|Register|Request|Allocate|Run)/, '').toLowerCase();
  const ofNoType = (arn: string) =>
    arn.split(':')[2] === prefix &&
    [(arn.split(':')[5] ?? '').split('/')[0] ?? ''].some(
      (segment) => segment !== '' && (noun.includes(segment) || segment.includes(noun)),
    ) &&
    !reference.resourceTypes.some((type) => typeRegExp(type.arn, place).test(arn));
  // A listener, whose create the reference authorises on its load balancer only, is new too. A scalable
  // target registered again (new bounds) is not: AWS authorises it against the target and its tags.
  const known = state.scalableTargets.get(String(valuesAt(call.input, ['ResourceId'])[0]));
  const registeredAgain =
    call.service === 'applicationautoscaling' &&
    call.operation === 'RegisterScalableTarget' &&
    known !== undefined &&
    inOutput.has(known);
  const created = new Set(
    [...inOutput].filter(
      (arn) =>
        !registeredAgain &&
        isCreateOperation(call.operation) &&
        (ofNoType(arn) || newTypes.some((type) => typeRegExp(type.arn, place).test(arn))),
    ),
  );
  const resources = new Map<string, Resource>();
  const add = (arn: string, partial = false) => {
    if (!resources.has(arn)) resources.set(arn, { arn, created: created.has(arn), partial });
  };
  if (isTagging(reference)) {
    // A tag action acts on every resource the request names, whatever types the reference lists for it.
    for (const arn of candidates) if (arn.split(':')[2] === prefix) add(arn);
    if (resources.size > 0) return [...resources.values()];
  }
  const matchedTypes = new Set(
    reference.resourceTypes.filter((type) => candidates.some((arn) => typeRegExp(type.arn, place).test(arn))),
  );
  // The reference lists some actions' resource types as alternatives (a listener of an application, network or
  // gateway load balancer; a standard or an express execution): once the request names one, the others are not asked.
  const alternatives = (type: ActionResourceType) =>
    [...matchedTypes].some((matched) => matched.name.split('/')[0] === type.name.split('/')[0]);
  for (const type of reference.resourceTypes) {
    const pattern = typeRegExp(type.arn, place);
    const matched = candidates.filter((arn) => pattern.test(arn));
    if (matched.length > 0) {
      for (const arn of matched) add(arn);
      continue;
    }
    if (alternatives(type) || (type.name === 'express' && matchedTypes.size > 0)) continue;
    const filled = filledArn(type.arn, call, place, state, isMutating(reference) ? UNKNOWN : '*');
    if (type.required || filled.complete) {
      // A create whose response names nothing (a log group, a bucket) made what its request names.
      const made = isCreateOperation(call.operation) && newTypes.includes(type);
      for (const arn of filled.arns) {
        if (made) created.add(arn);
        add(arn, filled.partial);
      }
    }
  }
  // A call on a resource inside another (a DynamoDB query of an index) is authorised on the inner one only.
  for (const outer of [...resources.keys()]) {
    if ([...resources.keys()].some((inner) => inner.startsWith(`${outer}/`))) resources.delete(outer);
  }
  // What the call created that the action is not authorised on (a listener): tagged on create, and known after.
  for (const arn of created) {
    if (!resources.has(arn)) resources.set(arn, { arn, created: true, partial: false, authorised: false });
  }
  return [...resources.values()];
}

// ---------------------------------------------------------------------------
// Actions of a call

/** The IAM actions of a logged call, or undefined when modeshift has no mapping for it. */
function actionsOf(call: LoggedCall): string[] | undefined {
  if (call.service === 'lambda' && call.operation === 'Invoke') return ['lambda:InvokeFunction'];
  if (call.service === 'tagging') return [`tag:${call.operation}`];
  const service = awsServiceById(call.service);
  if (service === undefined) return undefined;
  return iamActionsOf(service, call.operation)?.map(({ action }) => action);
}

const references = new Map<string, ActionReference>();

function cachedReference(action: string): ActionReference {
  let reference = references.get(action);
  if (reference === undefined) {
    reference = actionReference(action);
    references.set(action, reference);
  }
  return reference;
}

const UNTAG = /^(Untag|Remove(Tags)?|DeleteTags|DeleteBucketTagging)/;

/** The service a role is passed to, by the service the role is handed to in the request. */
const PASSED_TO: Readonly<Record<string, string>> = {
  ecs: 'ecs-tasks.amazonaws.com',
  codebuild: 'codebuild.amazonaws.com',
  scheduler: 'scheduler.amazonaws.com',
  eventbridge: 'events.amazonaws.com',
  rds: 'rds.amazonaws.com',
};

/** The first cluster, service, load balancer or database of an account creates its service-linked role on the caller's permission. */
const SERVICE_LINKED: Readonly<Record<string, readonly [string, string]>> = {
  'ecs:CreateCluster': ['ecs.amazonaws.com', 'AWSServiceRoleForECS'],
  'ecs:CreateService': ['ecs.amazonaws.com', 'AWSServiceRoleForECS'],
  'elasticloadbalancing:CreateLoadBalancer': [
    'elasticloadbalancing.amazonaws.com',
    'AWSServiceRoleForElasticLoadBalancing',
  ],
  'rds:CreateDBInstance': ['rds.amazonaws.com', 'AWSServiceRoleForRDS'],
  'elasticache:CreateReplicationGroup': ['elasticache.amazonaws.com', 'AWSServiceRoleForElastiCache'],
};

/**
 * A resource's tags as AWS would read them: what the log says, or, for a resource of a service a killed
 * process was creating something of, the tags that create carried (nothing else makes such a resource).
 */
function tagsOf(arn: string, state: ReplayState): TagMap | undefined {
  return state.tags.get(arn) ?? state.cutShort.get(arn.split(':')[2] ?? '');
}

function tagContext(tags: TagMap | undefined, kind: 'RequestTag' | 'ResourceTag') {
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(tags ?? {})) context[`aws:${kind}/${key}`] = value;
  if (kind === 'RequestTag' && tags !== undefined) context['aws:TagKeys'] = Object.keys(tags);
  return context;
}

/** The requests of one call, by its own principal, and the implied ones. */
function requestsOfCall(
  call: LoggedCall,
  place: Place,
  state: ReplayState,
  unknown: UnknownAction[],
): { requests: AuthorizationRequest[]; resources: Resource[] } {
  const because = `${call.principal} ${call.service}:${call.operation}`;
  const actions = actionsOf(call);
  if (actions === undefined) {
    unknown.push({ principal: call.principal, action: `${call.service}:${call.operation}`, because });
    return { requests: [], resources: [] };
  }
  const tags = requestTags(call.input);
  const requests: AuthorizationRequest[] = [];
  const all: Resource[] = [];
  const arnOf = (service: string, resource: string) =>
    `arn:aws:${service}:${place.region}:${place.account}:${resource}`;
  for (const action of actions) {
    let reference: ActionReference;
    try {
      reference = cachedReference(action);
    } catch (error) {
      if (!(error instanceof IamDerivationError)) throw error;
      unknown.push({ principal: call.principal, action, because });
      continue;
    }
    const resources = resourcesOf(reference, call, place, state);
    all.push(...resources);
    const carriesTags = tags !== undefined && (isCreateOperation(call.operation) || isTagging(reference));
    for (const resource of resources) {
      if (resource.authorised === false) continue;
      requests.push({
        principal: call.principal,
        action,
        resource: resource.arn,
        context: {
          ...(carriesTags ? tagContext(tags, 'RequestTag') : {}),
          ...(resource.created ? {} : tagContext(tagsOf(resource.arn, state), 'ResourceTag')),
        },
        because,
        ...(resource.partial ? { partial: true as const } : {}),
      });
    }
    // Tag on create: AWS checks the service's tag action on what a create that carries tags makes.
    const service = awsServiceById(call.service);
    if (tags !== undefined && isCreateOperation(call.operation) && service?.tagAction !== undefined) {
      const tagAction = `${service.iamPrefix}:${service.tagAction}`;
      const createAction = `${service.iamPrefix}:CreateAction`;
      const sendsCreateAction = cachedReference(tagAction).conditionKeys.has(createAction);
      // What the create made (a listener, whose create is authorised on its load balancer), or what it would have.
      const made = resources.filter((resource) => resource.created);
      const targets = made.length > 0 ? made : resources.filter((resource) => resource.partial);
      for (const resource of targets) {
        requests.push({
          principal: call.principal,
          action: tagAction,
          resource: resource.arn,
          context: {
            ...tagContext(tags, 'RequestTag'),
            ...(sendsCreateAction ? { [createAction]: call.operation } : {}),
          },
          because: `${because} (tags on create)`,
          ...(resource.partial ? { partial: true as const } : {}),
        });
      }
    }
    const linked = SERVICE_LINKED[action];
    if (linked !== undefined) {
      requests.push({
        principal: call.principal,
        action: 'iam:CreateServiceLinkedRole',
        resource: `arn:aws:iam::${place.account}:role/aws-service-role/${linked[0]}/${linked[1]}`,
        context: { 'iam:AWSServiceName': linked[0] },
        because: `${because} (the service-linked role of a fresh account)`,
      });
    }
  }
  // A role handed to a service: iam:PassRole on it, conditioned on the service it is passed to.
  const passedTo = PASSED_TO[call.service];
  for (const role of new Set(
    stringsIn(call.input).filter((value) => /^arn:aws:iam::\d{12}:role\//.test(value)),
  )) {
    if (passedTo === undefined || role.includes(':role/aws-service-role/')) continue;
    requests.push({
      principal: call.principal,
      action: 'iam:PassRole',
      resource: role,
      context: { 'iam:PassedToService': passedTo },
      because: `${because} (passes ${role})`,
    });
  }
  // RDS managing a master password in Secrets Manager (RDS User Guide, "Permissions required for Secrets Manager integration").
  if (call.service === 'rds' && call.operation === 'CreateDBInstance') {
    const input = call.input as Record<string, unknown>;
    if (input.ManageMasterUserPassword === true) {
      const secret = arnOf('secretsmanager', `secret:rds!db-${UNKNOWN}`);
      for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:TagResource']) {
        requests.push({
          principal: call.principal,
          action,
          resource: secret,
          context: {},
          because: `${because} (a managed master password)`,
          partial: true,
        });
      }
      const key =
        typeof input.MasterUserSecretKmsKeyId === 'string' ? input.MasterUserSecretKmsKeyId : undefined;
      requests.push({
        principal: call.principal,
        action: 'kms:DescribeKey',
        resource: key ?? arnOf('kms', `key/${UNKNOWN}`),
        context: {},
        because: `${because} (the managed password's KMS key)`,
        ...(key === undefined ? { partial: true as const } : {}),
      });
    }
    // A key of the account's own encrypts the storage: RDS creates a grant on it for the caller (none for aws/rds).
    if (typeof input.KmsKeyId === 'string') {
      for (const action of ['kms:CreateGrant', 'kms:DescribeKey']) {
        requests.push({
          principal: call.principal,
          action,
          resource: input.KmsKeyId,
          context: {},
          because: `${because} (storage encrypted with ${input.KmsKeyId})`,
        });
      }
    }
  }
  return { requests, resources: all };
}

// ---------------------------------------------------------------------------
// Replay

/** Updates what is known of tags, roles and build projects from a call that went through. */
function learn(call: LoggedCall, resources: readonly Resource[], place: Place, state: ReplayState): void {
  const tags = requestTags(call.input);
  if (!call.error) {
    if (tags !== undefined && isCreateOperation(call.operation)) {
      for (const resource of resources) if (resource.created) state.tags.set(resource.arn, { ...tags });
    }
    const tagging = /^(Tag|AddTags|CreateTags|PutBucketTagging|ChangeTagsForResource)/.test(call.operation);
    if (tagging && tags !== undefined) {
      for (const resource of resources) {
        const known = call.operation === 'PutBucketTagging' ? {} : (state.tags.get(resource.arn) ?? {});
        state.tags.set(resource.arn, { ...known, ...tags });
      }
    }
    if (UNTAG.test(call.operation)) {
      const removed = removedTagKeys(call.input);
      for (const resource of resources) {
        const known = { ...(state.tags.get(resource.arn) ?? {}) };
        for (const key of removed) delete known[key];
        state.tags.set(resource.arn, known);
      }
    }
    if (call.service === 'iam') {
      for (const reference of [...(call.created ?? []), ...(call.tagged ?? []).map(([arn]) => arn)]) {
        const match = /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(reference);
        if (match?.[1] !== undefined) state.roles.set(match[1], reference);
      }
      const input = call.input as Record<string, unknown>;
      const roleArn = typeof input.RoleName === 'string' ? state.roles.get(input.RoleName) : undefined;
      if (
        call.operation === 'PutRolePolicy' &&
        roleArn !== undefined &&
        typeof input.PolicyDocument === 'string'
      ) {
        const policies = state.rolePolicies.get(roleArn) ?? new Map<string, unknown>();
        policies.set(String(input.PolicyName), JSON.parse(input.PolicyDocument));
        state.rolePolicies.set(roleArn, policies);
      }
      if (call.operation === 'DeleteRolePolicy' && roleArn !== undefined) {
        state.rolePolicies.get(roleArn)?.delete(String(input.PolicyName));
      }
    }
    if (call.service === 'ecs' && call.operation === 'RegisterTaskDefinition') {
      const input = call.input as { family?: string; executionRoleArn?: string; taskRoleArn?: string };
      const roles = [input.executionRoleArn, input.taskRoleArn].filter(
        (arn): arn is string => arn !== undefined,
      );
      if (input.family !== undefined) state.taskRoles.set(input.family, roles);
    }
    if (call.service === 'applicationautoscaling' && call.operation === 'RegisterScalableTarget') {
      const arn = (call.created ?? []).find((reference) => reference.includes(':scalable-target/'));
      const id = valuesAt(call.input, ['ResourceId'])[0];
      if (arn !== undefined && typeof id === 'string') state.scalableTargets.set(id, arn);
    }
    if (call.service === 'codebuild' && /^(Create|Update)Project$/.test(call.operation)) {
      const input = call.input as { name?: string; serviceRole?: string; source?: { location?: string } };
      if (input.name !== undefined) {
        const known = state.buildProjects.get(input.name) ?? {};
        state.buildProjects.set(input.name, {
          ...known,
          ...(input.serviceRole !== undefined ? { serviceRole: input.serviceRole } : {}),
          ...(input.source?.location !== undefined ? { sourceLocation: input.source.location } : {}),
        });
      }
    }
  }
  for (const [reference, tagsOfIt] of call.tagged ?? []) {
    // An empty list says nothing of the resource (a security group rule lists its own, empty, tags beside its group's id).
    if (Object.keys(tagsOfIt).length === 0) continue;
    const arns =
      reference === '@input'
        ? stringsIn(call.input).flatMap((value) => asArn(value, place) ?? [])
        : [asArn(reference, place) ?? reference];
    for (const arn of arns) state.tags.set(arn, { ...tagsOfIt });
  }
}

/** The calls AWS services make with the roles modeshift hands them (core/iam/calls/service-calls.ts). */
export type ServiceCalls = (
  call: LoggedCall,
  place: Place,
  known: {
    readonly rolePolicies: (roleArn: string) => unknown[] | undefined;
    readonly buildProject: (name: string) => { serviceRole?: string; sourceLocation?: string } | undefined;
    readonly taskRoles: (family: string) => readonly string[] | undefined;
  },
) => AuthorizationRequest[];

/** What replaying a log yields. */
export interface Replayed {
  readonly requests: AuthorizationRequest[];
  readonly unknownActions: UnknownAction[];
  /** How many calls were made by a principal of modeshift's (not the operator's). */
  readonly calls: number;
}

/**
 * Replays the calls, per local AWS in the order they were made, into the
 * requests IAM evaluates for every call a principal of modeshift's made
 * (the operator's calls are replayed for what they created, not checked).
 */
export function authorizationRequests(
  calls: readonly LoggedCall[],
  place: Place,
  serviceCalls: ServiceCalls,
): Replayed {
  const byEndpoint = new Map<string, LoggedCall[]>();
  for (const call of calls) {
    const list = byEndpoint.get(call.endpoint) ?? [];
    list.push(call);
    byEndpoint.set(call.endpoint, list);
  }
  const requests: AuthorizationRequest[] = [];
  const unknownActions: UnknownAction[] = [];
  let counted = 0;
  for (const list of byEndpoint.values()) {
    list.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const state: ReplayState = {
      tags: new Map(),
      roles: new Map(),
      rolePolicies: new Map(),
      buildProjects: new Map(),
      taskRoles: new Map(),
      scalableTargets: new Map(),
      cutShort: new Map(),
    };
    const answered = new Set(
      list.flatMap((call) => (call.id !== undefined && !call.pending ? [call.id] : [])),
    );
    for (const call of list) {
      if (call.pending) {
        const tags = requestTags(call.input);
        const prefix = awsServiceById(call.service)?.iamPrefix;
        if (!answered.has(call.id ?? '') && tags !== undefined && prefix !== undefined) {
          state.cutShort.set(prefix, { ...state.cutShort.get(prefix), ...tags });
        }
        continue;
      }
      const made = requestsOfCall(call, place, state, call.principal === 'operator' ? [] : unknownActions);
      if (call.principal !== 'operator') {
        counted += 1;
        requests.push(...made.requests);
        if (!call.error) {
          requests.push(
            ...serviceCalls(call, place, {
              rolePolicies: (roleArn) => {
                const policies = state.rolePolicies.get(roleArn);
                return policies === undefined ? undefined : [...policies.values()];
              },
              buildProject: (name) => state.buildProjects.get(name),
              taskRoles: (family) => state.taskRoles.get(family),
            }),
          );
        }
      }
      learn(call, made.resources, place, state);
    }
  }
  return { requests, unknownActions, calls: counted };
}

/** The IAM prefixes of the services modeshift calls, for reports. */
export const KNOWN_PREFIXES: readonly string[] = AWS_SERVICES.map((service) => service.iamPrefix);
