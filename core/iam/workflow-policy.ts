/**
 * Least-privilege IAM for a workflow's Step Functions role, derived from its
 * ASL rather than kept by hand: every Task state becomes the IAM actions its
 * integration needs, on the resources modeshift names (core/names.ts), with
 * the `modeshift:project` tag as a condition where the service evaluates it.
 *
 * What is written down here is only what IAM itself requires knowing and the
 * ASL cannot tell: which resources each service's actions take, and which
 * condition keys it honours (the rest is in core/iam/actions.ts and
 * core/iam/arns.ts).
 *
 * Per service, for the workflows' own aws-sdk Tasks, the resources:
 *
 * | service id | IAM prefix | resources |
 * |-|-|-|
 * | `scheduler` | scheduler | `schedule/default/<project>-<env>-expiry` (schedules carry no tags) |
 * | `rds` | rds | `db:<instance>`, `subgrp:<prefix>`, `snapshot:<instance>-final-*` |
 * | `ecr` | ecr | `repository/<project>/<env>/<service>` |
 * | `ecs` | ecs | `cluster/<prefix>` (cluster actions only) |
 * | `cloudwatchlogs` | logs | `log-group:/modeshift/…` |
 * | `elasticloadbalancingv2` | elasticloadbalancing | `loadbalancer/app/<prefix>/*` (load-balancer actions); `Describe*`: `*` |
 * | `codebuild` | codebuild | `project/<prefix>-<service>` |
 * | `s3` | s3 | the access-log bucket (`<prefix>-lb-logs-<hash of account/region>`) and its objects |
 * | `dynamodb` | dynamodb | the environments table (and its indexes for Query/Scan) |
 * | `eventbridge` | events | `PutEvents`: the bus |
 * | `ec2`, `route53`, `servicediscovery`, `acm` | as named | `*`: their resources have AWS-assigned ids modeshift cannot know in advance, and their `Describe*`/`List*` actions take no resource |
 * | `iam`, `sfn` | iam, states | none defined: a workflow calling them is an error until someone decides a scope |
 *
 * An action the Service Authorization Reference lists as taking no resource
 * (`logs:DescribeLogGroups`, `codebuild:ListProjects`) is granted on `*`
 * whatever its service's scope, as in a step's policy (core/iam/step-policy.ts).
 *
 * On those resources, every action that changes something carries the
 * `modeshift:project` tag condition its service supports (core/iam/tag-scope.ts):
 * `aws:ResourceTag` on an existing resource, `aws:RequestTag` on a create
 * whose Parameters carry tags. The final snapshot of a database has no tags
 * until it exists, so it is scoped by name only.
 *
 * Beyond the called action: on a create whose Parameters carry tags, the
 * service's tag action (`ecr:TagResource`, `ecs:TagResource`,
 * `logs:TagResource`, `rds:AddTagsToResource`, …), which AWS checks as
 * "tag on create"; `iam:PassRole` for a `${…RoleArn}` placeholder; for
 * `codebuild:startBuild.sync`, what Step Functions needs to wait for the build.
 *
 * Wherever a scope is narrow, a mistake fails closed (AccessDenied), never open.
 */
import {
  allStates,
  isJsonObject,
  type JsonValue,
  lambdaStepOf,
  type Machine,
  type TaskState,
} from '../asl.ts';
import { AWS_SERVICES, type AwsService, awsServiceById, sdkOperationName } from '../aws-services.ts';
import {
  dependentGrants,
  iamActionsOf,
  isCreateOperation,
  ROLE_TAKING_ACTIONS,
  S3_ACTIONS,
  s3Resources,
} from './actions.ts';
import { type AccountContext, grantedResources, type ModeshiftArns, modeshiftArns } from './arns.ts';
import { compare, type Grant, IamDerivationError, type PolicyStatement, statementsOf } from './policy.ts';
import { tagScoped } from './tag-scope.ts';

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

/** A workflow definition modeshift cannot derive a policy for; the message names the state. */
export class WorkflowIamError extends IamDerivationError {
  override name = 'WorkflowIamError';
}

interface Task {
  /** The state's name, with the names of the Parallel and Map states around it: `Foundations/Builds/<Task>`. */
  readonly path: string;
  readonly state: TaskState;
}

function tasksOf(definition: Machine): Task[] {
  return allStates(definition).flatMap(({ name, state, enclosing }) =>
    state.Type === 'Task' ? [{ path: [...enclosing, name].join('/'), state }] : [],
  );
}

const PLACEHOLDER_ROLE = /^\$\{([A-Za-z0-9]*RoleArn)\}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const STATES_ARN = /^arn:aws[a-z-]*:states:::(.+)$/;
const TAG_KEYS = new Set(['Tags', 'Tags.$', 'TagSpecifications', 'TagSpecifications.$', 'tags', 'tags.$']);

/** The `${...RoleArn}` placeholders anywhere in a state's Parameters. */
function rolePlaceholders(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') {
    const match = PLACEHOLDER_ROLE.exec(value);
    return match?.[1] === undefined ? [] : [match[1]];
  }
  if (Array.isArray(value)) return value.flatMap(rolePlaceholders);
  if (isJsonObject(value)) return Object.values(value).flatMap(rolePlaceholders);
  return [];
}

function hasTags(parameters: JsonValue | undefined): boolean {
  return isJsonObject(parameters) && Object.keys(parameters).some((key) => TAG_KEYS.has(key));
}

/** What a scope rule knows about the call. */
interface TaskCall {
  readonly operation: string;
  /** The Parameters carry tags (so a create is checked against aws:RequestTag). */
  readonly tagged: boolean;
}

interface Scope {
  readonly resources: readonly string[];
  /** Scoped by name only: no tag condition (a resource that does not exist yet, such as a final snapshot). */
  readonly byName?: boolean;
}

type ScopeRule = (call: TaskCall, arns: ModeshiftArns, context: WorkflowIamContext) => Scope[] | undefined;

const EVERYWHERE: ScopeRule = () => [{ resources: ['*'] }];

/** Per Step Functions service id: the resources and condition of a workflow's aws-sdk call. See the table at the top. */
const WORKFLOW_SCOPES: Readonly<Record<string, ScopeRule>> = {
  ec2: EVERYWHERE,
  route53: EVERYWHERE,
  servicediscovery: EVERYWHERE,
  acm: EVERYWHERE,
  scheduler: ({ operation }, arns) =>
    /Schedule$/.test(operation) ? [{ resources: [arns.expirySchedules] }] : undefined,
  rds: (call, arns) => {
    if (/DBSubnetGroups?$/.test(call.operation)) return [{ resources: [arns.dbSubnetGroups] }];
    if (!/DBInstances?$/.test(call.operation)) return undefined;
    const scopes: Scope[] = [{ resources: [arns.dbInstances] }];
    if (call.operation === 'DeleteDBInstance')
      scopes.push({ resources: [arns.finalSnapshots], byName: true });
    return scopes;
  },
  elasticache: (call, arns) =>
    /CacheSubnetGroups?$/.test(call.operation) ? [{ resources: [arns.cacheSubnetGroups] }] : undefined,
  ecr: (_call, arns) => [{ resources: [arns.ecrRepositories] }],
  ecs: (call, arns) => (/Cluster/.test(call.operation) ? [{ resources: [arns.ecsClusters] }] : undefined),
  cloudwatchlogs: (_call, arns) => [{ resources: [arns.logGroups] }],
  elasticloadbalancingv2: (call, arns) => {
    if (call.operation.startsWith('Describe')) return [{ resources: ['*'] }];
    return /LoadBalancers?(Attributes)?$/.test(call.operation)
      ? [{ resources: [arns.loadBalancers] }]
      : undefined;
  },
  codebuild: (_call, arns) => [{ resources: [arns.codeBuildProjects] }],
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
  task: Task,
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
        `(known: ${AWS_SERVICES.map((known) => known.id).join(', ')})`,
    );
  }
  const operation = sdkOperationName(service, action);
  if (operation === undefined) {
    throw new WorkflowIamError(`${at}: ${service.sdkPackage} has no command for action "${action}"`);
  }
  const call: TaskCall = { operation, tagged: hasTags(task.state.Parameters) };
  const actions = iamActionsOf(service, operation);
  const scopes = WORKFLOW_SCOPES[serviceId]?.(call, arns, context);
  if (actions === undefined || scopes === undefined) {
    throw new WorkflowIamError(
      `${at}: no resource scope is defined for ${service.iamPrefix}:${operation}; add one in core/iam/workflow-policy.ts`,
    );
  }
  // An untagged create cannot be conditioned on the tags of its request.
  const conditioned = (grant: Grant) =>
    isCreateOperation(operation) && !call.tagged ? [grant] : tagScoped(grant, context);
  const grants: Grant[] = [];
  for (const { action: iamAction, s3Level } of actions) {
    const actionScopes: Scope[] =
      s3Level === undefined ? scopes : [{ resources: s3Resources(s3Level, arns) }];
    for (const scope of actionScopes) {
      const grant = {
        action: iamAction,
        resources: grantedResources(iamAction, scope.resources),
        ...(scope.byName ? { byName: true } : {}),
      };
      grants.push(...conditioned(grant));
    }
    grants.push(...dependentGrants(iamAction, arns));
  }
  if (service.tagAction !== undefined && call.tagged && isCreateOperation(operation)) {
    for (const scope of scopes) {
      grants.push(
        ...tagScoped(
          { action: `${service.iamPrefix}:${service.tagAction}`, resources: scope.resources },
          context,
        ),
      );
    }
  }
  grants.push(...passRoleGrants(task, `${service.iamPrefix}:${operation}`, context));
  return grants;
}

/** `iam:PassRole` for each `${...RoleArn}` the Task hands to `action`'s service. */
function passRoleGrants(task: Task, action: string, context: WorkflowIamContext): Grant[] {
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

function lambdaGrant(task: Task, name: string, context: WorkflowIamContext): Grant {
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
  task: Task,
  integration: string,
  arns: ModeshiftArns,
  context: WorkflowIamContext,
): Grant[] {
  const at = `state "${task.path}"`;
  const [service = '', rest = ''] = integration.split(':');
  const [action = '', pattern] = rest.split('.');
  if (service === 'dynamodb' && ['getItem', 'putItem', 'updateItem', 'deleteItem'].includes(action)) {
    const operation = sdkOperationName(awsServiceById('dynamodb') as AwsService, action) as string;
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
    return grants.flatMap((grant) => tagScoped(grant, context));
  }
  if (service === 'lambda' && action === 'invoke') {
    const name = task.state.Parameters?.FunctionName;
    const step = typeof name === 'string' ? lambdaStepOf(name) : undefined;
    if (step === undefined) {
      throw new WorkflowIamError(`${at}: lambda:invoke needs FunctionName "\${<Name>FunctionArn}"`);
    }
    return [lambdaGrant(task, step, context)];
  }
  throw new WorkflowIamError(
    `${at}: integration "${integration}" has no IAM mapping in core/iam/workflow-policy.ts`,
  );
}

function taskGrants(task: Task, arns: ModeshiftArns, context: WorkflowIamContext): Grant[] {
  const resource = task.state.Resource;
  if (typeof resource !== 'string') throw new WorkflowIamError(`state "${task.path}" has no Resource`);
  const step = lambdaStepOf(resource);
  if (step !== undefined) return [lambdaGrant(task, step, context)];
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
 * pass: the step passes it, with its own role (core/iam/step-policy.ts,
 * {@link rolesPassedToSteps}).
 *
 * @throws WorkflowIamError naming the state, for an unknown service id or
 * integration, a missing function or role ARN, or an action without a scope.
 */
export function workflowPolicy(definition: Machine, context: WorkflowIamContext): PolicyStatement[] {
  const arns = modeshiftArns(context);
  return statementsOf(tasksOf(definition).flatMap((task) => taskGrants(task, arns, context)));
}

/**
 * The role placeholders each Lambda step receives in its Parameters, by step
 * name: `{ <Step>: ['SomeRoleArn'] }` (none today). The step passes those
 * roles to a service, so its own policy needs `iam:PassRole` on them
 * (core/iam/step-policy.ts `passRoles`).
 */
export function rolesPassedToSteps(definition: Machine): Record<string, string[]> {
  const roles: Record<string, string[]> = {};
  for (const task of tasksOf(definition)) {
    const step = lambdaStepOf(task.state.Resource);
    const placeholders = rolePlaceholders(task.state.Parameters);
    if (step === undefined || placeholders.length === 0) continue;
    roles[step] = [...new Set([...(roles[step] ?? []), ...placeholders])].sort(compare);
  }
  return roles;
}
