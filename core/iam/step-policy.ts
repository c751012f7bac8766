/**
 * Least-privilege IAM for a Lambda step's own role, derived from its
 * declaration (functions/step.ts): every SDK command the step declares it
 * sends becomes the IAM actions AWS checks for it. The step's clients let
 * through only those commands, so the policy and the code cannot drift.
 *
 * Resources: `*` for most services — their resources have AWS-assigned ids
 * (VPCs, hosted zones, certificates, namespaces, task definitions) or are
 * listed account-wide, and scoping per command would need a table for every
 * command. Scoped where it is simple:
 * - CloudWatch Logs to the `/modeshift/…` log groups;
 * - S3 to the access-log bucket (`<project>-<env>-lb-logs-<hash>`) and its objects;
 * - CodeBuild to the `<project>-<env>-<service>` projects;
 * - ECR to the `<project>/<env>/<service>` repositories;
 * - EventBridge Scheduler to the environments' expiry schedules, their jobs' schedule groups and schedules;
 * - WAF to the environments' web ACLs (and the load balancers they go on);
 * - CloudWatch to the environments' deployment alarms, SNS to their alarm topics;
 * - RDS's final snapshots, which a database's delete takes, to their names;
 * - Step Functions executions to `execution:*` of this account and region.
 *
 * An action the Service Authorization Reference lists as taking no resource
 * (`logs:DescribeLogGroups`, `codebuild:ListProjects`, `ecr:GetAuthorizationToken`)
 * is granted on `*` whatever its service's scope: AWS authorises it on `*`
 * only, so a named resource would grant nothing.
 *
 * Every action that changes something also carries the `modeshift:project`
 * tag condition its service supports (core/iam/tag-scope.ts), so a step can
 * change only resources of the projects this modeshift serves, whatever their name.
 *
 * Added to what the step sends: the tag action AWS checks when a create
 * carries tags (modeshift tags everything it creates), the actions AWS
 * checks behind some calls (core/iam/actions.ts), and `iam:PassRole` on the
 * roles given in `passRoles` when the step sends an action that passes a
 * role, conditioned on the service it passes it to; a step that creates the
 * services' execution and task roles may pass those (`role/modeshift/*`) and
 * the apps' pre-created roles (`role/modeshift-app/*`). IAM actions are
 * scoped to modeshift's own roles.
 */
import { type AwsService, sdkOperationOfCommand } from '../aws-services.ts';
import {
  dependentGrants,
  iamActionsOf,
  isCreateOperation,
  ROLE_TAKING_ACTIONS,
  s3Resources,
} from './actions.ts';
import { type AccountContext, grantedResources, type ModeshiftArns, modeshiftArns } from './arns.ts';
import { type Grant, IamDerivationError, type PolicyStatement, statementsOf } from './policy.ts';
import { tagScoped } from './tag-scope.ts';

/** What the policy needs of a step: its name and the SDK command classes it sends. */
export interface StepCalls {
  readonly name: string;
  readonly sends: readonly unknown[];
}

/** What {@link stepPolicy} needs besides the step. */
export interface StepIamContext extends AccountContext {
  /**
   * Role ARNs the step may pass to a service. Granted (`iam:PassRole`) only
   * when the step sends an action that passes a role, and only to the
   * services those actions pass it to.
   * @default []
   */
  readonly passRoles?: readonly string[];
  /**
   * The environments table: a step that sends DynamoDB commands (the shared networks' leases,
   * functions/aws/dynamodb/network-lease.ts) is granted them on it alone. Required for such a step.
   */
  readonly tableArn?: string;
}

/** A step modeshift cannot derive a policy for; the message names the step and the command. */
export class StepIamError extends IamDerivationError {
  override name = 'StepIamError';
}

/** The resources of a step's call on its service (see the list at the top of this file). */
function stepResources(service: AwsService, operation: string, arns: StepArns): string[] {
  switch (service.id) {
    case 'dynamodb':
      if (arns.environmentsTable === undefined) {
        throw new StepIamError(`DynamoDB ${operation} needs the environments table's ARN (tableArn)`);
      }
      return [arns.environmentsTable];
    case 'cloudwatchlogs':
      return [arns.logGroups];
    case 'codebuild':
      return [arns.codeBuildProjects];
    case 'scheduler':
      return /ScheduleGroup|TagResource|TagsForResource/.test(operation)
        ? [arns.jobScheduleGroups]
        : [arns.expirySchedules, arns.jobSchedules];
    case 'sfn':
      return [/Execution/.test(operation) ? arns.executions : '*'];
    case 'iam':
      return operation === 'GetRole' ? [arns.executionRoles, ...arns.rolesByName] : [arns.executionRoles];
    case 'ecr':
      return [arns.ecrRepositories];
    case 'cloudwatch':
      return [arns.deploymentAlarms];
    case 'sns':
      return [arns.alarmTopics];
    case 'wafv2':
      // Associating names the load balancer too, and reading its ACL names only the load balancer.
      return /WebACLForResource|ssociateWebACL/.test(operation)
        ? [arns.webAcls, arns.loadBalancers]
        : [arns.webAcls];
    default:
      return ['*'];
  }
}

function commandName(command: unknown): string {
  return typeof command === 'function' && command.name !== '' ? command.name : String(command);
}

/** modeshift's ARN patterns, and the environments table where the step is given it. */
type StepArns = ModeshiftArns & { readonly environmentsTable?: string | undefined };

function commandGrants(step: string, command: unknown, arns: StepArns): Grant[] {
  const at = `${step}: ${commandName(command)}`;
  const found = sdkOperationOfCommand(command);
  if (found === undefined) {
    throw new StepIamError(
      `${at} is not a command of an AWS SDK package modeshift has an IAM mapping for (core/aws-services.ts)`,
    );
  }
  const { service, operation } = found;
  const actions = iamActionsOf(service, operation);
  if (actions === undefined) {
    throw new StepIamError(`${at}: S3 operation ${operation} has no IAM action in core/iam/actions.ts`);
  }
  const resources = stepResources(service, operation, arns);
  const grants: Grant[] = actions.flatMap(({ action, s3Level }) => [
    {
      action,
      resources: s3Level === undefined ? grantedResources(action, resources) : s3Resources(s3Level, arns),
    },
    ...dependentGrants(action, arns),
  ]);
  if (service.tagAction !== undefined && isCreateOperation(operation)) {
    grants.push({ action: `${service.iamPrefix}:${service.tagAction}`, resources });
  }
  // The final snapshot a delete takes has no tags until it exists: scoped by its name.
  if (service.id === 'rds' && operation === 'DeleteDBInstance') {
    grants.push({ action: 'rds:DeleteDBInstance', resources: [arns.finalSnapshots], byName: true });
  }
  // AWS's own default parameter and option groups carry no tags: a create that uses them is granted them by name.
  if (service.id === 'elasticache' && operation === 'CreateReplicationGroup') {
    grants.push({
      action: 'elasticache:CreateReplicationGroup',
      resources: [arns.defaultCacheParameterGroups],
      byName: true,
    });
  }
  if (service.id === 'rds' && operation === 'RestoreDBInstanceFromDBSnapshot') {
    grants.push({
      action: 'rds:RestoreDBInstanceFromDBSnapshot',
      resources: [arns.defaultDbOptionGroups, arns.defaultDbParameterGroups, arns.anyFinalSnapshot],
      byName: true,
    });
  }
  return grants;
}

/**
 * The policy of a Lambda step's role: the IAM actions of the SDK commands it
 * declares, scoped as described at the top of this file, plus `iam:PassRole`
 * on `passRoles` when it passes a role.
 *
 * @throws StepIamError naming the step and the command, for a command of an
 * SDK package without an IAM mapping or an S3 operation without an IAM action.
 */
export function stepPolicy(step: StepCalls, context: StepIamContext): PolicyStatement[] {
  const arns: StepArns = { ...modeshiftArns(context), environmentsTable: context.tableArn };
  const grants = step.sends.flatMap((command) => commandGrants(step.name, command, arns));
  const passedTo = [...new Set(grants.flatMap((grant) => ROLE_TAKING_ACTIONS[grant.action] ?? []))].sort();
  // A step that creates the services' execution and task roles passes them to ECS, and the
  // apps' pre-created roles (under /modeshift-app/) with them.
  const createsRoles = grants.some((grant) => grant.action === 'iam:CreateRole');
  const roles = [
    ...(context.passRoles ?? []),
    ...(createsRoles ? [arns.executionRoles] : []),
    ...(createsRoles && passedTo.includes('ecs-tasks.amazonaws.com') ? [arns.appRoles] : []),
  ];
  if (passedTo.length > 0 && roles.length > 0) {
    grants.push({
      action: 'iam:PassRole',
      resources: roles,
      condition: {
        StringEquals: { 'iam:PassedToService': passedTo.length === 1 ? (passedTo[0] as string) : passedTo },
      },
    });
  }
  return statementsOf(grants.flatMap((grant) => tagScoped(grant, context)));
}
