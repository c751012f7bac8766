/**
 * The policies of modeshift's own roles that are not derived from a workflow
 * or a step: the role the workflows hand to EventBridge Scheduler, the request handlers, the sweeper, and the trust
 * policies of every role the app creates. Written once here so that the
 * stacks (stacks/*.ts) and the tests read the same statements.
 */
import { type AccountContext, modeshiftArns } from './arns.ts';
import { type PolicyStatement, statementsOf } from './policy.ts';

/**
 * Who may assume a role: one service principal, and only on behalf of this
 * account (`aws:SourceAccount`) and, where the service sends it, of the
 * resources named (`aws:SourceArn`), so that no other account can make the
 * service act with the role (the confused-deputy problem).
 */
export function trustPolicy(service: string, source: { account: string; arns?: readonly string[] }) {
  const arns = [...(source.arns ?? [])];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': source.account },
          ...(arns.length > 0 ? { ArnLike: { 'aws:SourceArn': arns.length === 1 ? arns[0] : arns } } : {}),
        },
      },
    ],
  };
}

/**
 * The EventBridge Scheduler role: send the expiry `Down Requested` to the bus, and start the
 * scheduled jobs' tasks (functions/steps/schedule-jobs.ts): run modeshift's task definitions on
 * modeshift's clusters only, tag the tasks it starts, and pass the tasks' roles (under
 * `/modeshift/`, and the apps' under `/modeshift-app/`) to ECS tasks only. Nothing else.
 */
export function schedulerPolicy(busArn: string, context: AccountContext): PolicyStatement[] {
  const arns = modeshiftArns(context);
  return statementsOf([
    { action: 'events:PutEvents', resources: [busArn] },
    {
      action: 'ecs:RunTask',
      resources: [arns.taskDefinitions],
      condition: { ArnLike: { 'ecs:cluster': arns.ecsClusters } },
    },
    {
      action: 'ecs:TagResource',
      resources: [arns.tasks],
      condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    },
    {
      action: 'iam:PassRole',
      resources: [arns.executionRoles, arns.appRoles],
      condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  ]);
}

/** The schedule groups the scheduler role may be used from: the expiry schedules' and every environment's jobs'. */
export function schedulerSourceArns(account: string, region: string): string[] {
  const arns = modeshiftArns({ account, region });
  return [arns.arn('scheduler', 'schedule-group/default'), arns.jobScheduleGroups];
}

/** What the request handlers' and the sweeper's policies name. */
export interface AppResources {
  readonly tableArn: string;
  readonly busArn: string;
}

/** What a request handler's policy names besides the table and the bus. */
export interface RequestHandlerContext extends AppResources, AccountContext {
  readonly deployStateMachineArn: string;
  readonly downStateMachineArn: string;
  /** Whether the handler checks a deploy's config values (Deploy Requested, workflow finished). */
  readonly readsConfigValues: boolean;
}

/** `arn:…:stateMachine:<name>` → `arn:…:execution:<name>:*`: the executions of one state machine. */
function executionsOf(stateMachineArn: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
}

/**
 * A request handler: the environment record, the bus, starting and
 * following the two workflows' executions, and, for the handlers that start
 * deploys, whether config values exist under `/modeshift/` (not their values),
 * whether the policies and app roles a deploy names exist, and the account's
 * VPC ranges a deploy's `vpcCidr` must not overlap.
 */
export function requestHandlerPolicy(context: RequestHandlerContext): PolicyStatement[] {
  const arns = modeshiftArns(context);
  return statementsOf([
    { action: 'dynamodb:GetItem', resources: [context.tableArn] },
    { action: 'dynamodb:UpdateItem', resources: [context.tableArn] },
    { action: 'events:PutEvents', resources: [context.busArn] },
    {
      action: 'states:StartExecution',
      resources: [context.deployStateMachineArn, context.downStateMachineArn],
    },
    {
      action: 'states:DescribeExecution',
      resources: [executionsOf(context.deployStateMachineArn), executionsOf(context.downStateMachineArn)],
    },
    ...(context.readsConfigValues
      ? [
          { action: 'ssm:GetParameters', resources: [arns.arn('ssm', 'parameter/modeshift/*')] },
          // Whether the managed policies and pre-created roles a deploy names exist (their names only).
          { action: 'iam:GetPolicy', resources: [`arn:${context.partition ?? 'aws'}:iam::*:policy/*`] },
          { action: 'iam:GetRole', resources: [arns.appRoles] },
          // Whether a deploy's vpcCidr overlaps another environment's VPC, and its own vpc and subnets are
          // there as named (EC2 authorises Describe* on `*` only).
          { action: 'ec2:DescribeVpcs', resources: ['*'] },
          { action: 'ec2:DescribeVpcAttribute', resources: ['*'] },
          { action: 'ec2:DescribeSubnets', resources: ['*'] },
          { action: 'ec2:DescribeSecurityGroups', resources: ['*'] },
          { action: 'ec2:DescribeRouteTables', resources: ['*'] },
          { action: 'ec2:DescribeVpcEndpoints', resources: ['*'] },
        ]
      : []),
  ]);
}

/**
 * The sweeper: query the environments table's indexes, read a record, send
 * `Down Requested`, and find an environment's resources by tag (the Resource
 * Groups Tagging API authorises `tag:GetResources` on `*` only; it reads).
 */
export function sweepPolicy(resources: AppResources): PolicyStatement[] {
  // The account and region the app is in, from its table's ARN: the drift audit reads only there.
  const [, partition, , region, account] = resources.tableArn.split(':');
  const arn = (service: string, resource: string, inRegion = true) =>
    `arn:${partition}:${service}:${inRegion ? region : ''}:${inRegion ? account : ''}:${resource}`;
  return statementsOf([
    { action: 'dynamodb:Query', resources: [`${resources.tableArn}/index/*`] },
    { action: 'dynamodb:GetItem', resources: [resources.tableArn] },
    { action: 'events:PutEvents', resources: [resources.busArn] },
    { action: 'tag:GetResources', resources: ['*'] },
    // The drift audit of staging and production (core/drift-sweep.ts): reads only.
    { action: 'dynamodb:Scan', resources: [resources.tableArn] },
    { action: 'ec2:DescribeNatGateways', resources: ['*'] },
    { action: 'ecs:DescribeClusters', resources: [arn('ecs', 'cluster/*')] },
    { action: 'ecs:DescribeServices', resources: [arn('ecs', 'service/*/*')] },
    { action: 'ecs:DescribeTaskDefinition', resources: ['*'] },
    { action: 'ecs:DescribeTasks', resources: [arn('ecs', 'task/*/*')] },
    { action: 'elasticloadbalancing:DescribeLoadBalancers', resources: ['*'] },
    { action: 'elasticloadbalancing:DescribeLoadBalancerAttributes', resources: ['*'] },
    { action: 'elasticloadbalancing:DescribeListeners', resources: ['*'] },
    { action: 'rds:DescribeDBInstances', resources: [arn('rds', 'db:*')] },
    {
      action: 'elasticache:DescribeReplicationGroups',
      resources: [arn('elasticache', 'replicationgroup:*')],
    },
    { action: 'logs:DescribeLogGroups', resources: ['*'] },
    { action: 'route53:ListHostedZones', resources: ['*'] },
    // The reference lists both of the action's resource types, which the request names by ResourceType.
    {
      action: 'route53:ListTagsForResources',
      resources: [arn('route53', 'hostedzone/*', false), arn('route53', 'healthcheck/*', false)],
    },
    { action: 'route53:ListResourceRecordSets', resources: [arn('route53', 'hostedzone/*', false)] },
    { action: 'codebuild:ListProjects', resources: ['*'] },
    { action: 'codebuild:BatchGetProjects', resources: [arn('codebuild', 'project/*')] },
  ]);
}
