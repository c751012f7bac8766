/**
 * The policy of every principal modeshift's app has on AWS, written once:
 * the stacks (stacks/*.ts) give these statements to the roles they create,
 * and `npm run check:iam` checks logged calls against the same statements.
 */
import type { Principal } from '../principal.ts';
import { workflowDefinition } from '../workflow-definitions.ts';
import type { AccountContext } from './arns.ts';
import type { PolicyStatement } from './policy.ts';
import { requestHandlerPolicy, schedulerPolicy, sweepPolicy } from './service-policies.ts';
import { type StepCalls, stepPolicy } from './step-policy.ts';
import { rolesPassedToSteps, workflowPolicy } from './workflow-policy.ts';

/** The workflows, by the name their principal carries (`workflow/deploy`). */
export const WORKFLOW_NAMES = ['deploy', 'down'] as const;

/** The request handlers, with whether each checks a deploy's config values. */
export const REQUEST_FUNCTIONS: Readonly<Record<string, { readonly readsConfigValues: boolean }>> = {
  DeployRequested: { readsConfigValues: true },
  DownRequested: { readsConfigValues: false },
  WorkflowFinished: { readsConfigValues: true },
};

/** What the app's policies name: where it runs and the ARNs of its own resources. */
export interface AppContext extends AccountContext {
  readonly tableArn: string;
  readonly busArn: string;
  readonly deployStateMachineArn: string;
  readonly downStateMachineArn: string;
  /** Step name → its function's ARN. */
  readonly lambdaFunctionArns: Readonly<Record<string, string>>;
  /** The role the workflows hand to EventBridge Scheduler for the expiry schedule. */
  readonly schedulerRoleArn: string;
}

/** The role placeholders the workflows hand out, and the role each stands for. */
function roleArns(context: Pick<AppContext, 'schedulerRoleArn'>): Record<string, string> {
  return { SchedulerRoleArn: context.schedulerRoleArn };
}

/** Step Functions' own logging to CloudWatch Logs: the log delivery APIs take no resource. */
const WORKFLOW_LOGGING: PolicyStatement = {
  Sid: 'Logging',
  Effect: 'Allow',
  Action: [
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:GetLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:UpdateLogDelivery',
  ],
  Resource: ['*'],
};

/** A workflow's state machine role: what its ASL's Tasks need (core/iam/workflow-policy.ts), and its logging. */
export function workflowRolePolicy(
  workflow: (typeof WORKFLOW_NAMES)[number],
  context: Omit<AppContext, 'deployStateMachineArn' | 'downStateMachineArn'>,
): PolicyStatement[] {
  return [
    ...workflowPolicy(workflowDefinition(workflow), {
      account: context.account,
      region: context.region,
      ...(context.projects ? { projects: context.projects } : {}),
      ...(context.partition ? { partition: context.partition } : {}),
      tableArn: context.tableArn,
      busArn: context.busArn,
      lambdaFunctionArns: context.lambdaFunctionArns,
      passRoles: roleArns(context),
    }),
    WORKFLOW_LOGGING,
  ];
}

/** The roles each step is handed in its Parameters by either workflow, as placeholders. */
function placeholdersPassedTo(step: string): string[] {
  const passed = WORKFLOW_NAMES.flatMap(
    (workflow) => rolesPassedToSteps(workflowDefinition(workflow))[step] ?? [],
  );
  return [...new Set(passed)];
}

/** A Lambda step's role: the commands it declares (core/iam/step-policy.ts), and the roles the workflows hand it to pass on. */
export function stepRolePolicy(
  step: StepCalls,
  context: AccountContext & Pick<AppContext, 'schedulerRoleArn' | 'tableArn'>,
): PolicyStatement[] {
  const roles = roleArns(context);
  const passRoles = placeholdersPassedTo(step.name).flatMap((placeholder) =>
    roles[placeholder] ? [roles[placeholder]] : [],
  );
  return stepPolicy(step, {
    account: context.account,
    region: context.region,
    ...(context.projects ? { projects: context.projects } : {}),
    ...(context.partition ? { partition: context.partition } : {}),
    passRoles,
    tableArn: context.tableArn,
  });
}

/**
 * The policy of a principal of the app, or undefined for one it does not have
 * (a role a service is handed is not the app's: its policy is what the step
 * that created it put, see core/iam/service-calls.ts).
 */
export function appPrincipalPolicy(
  principal: Principal,
  context: AppContext,
  steps: Readonly<Record<string, StepCalls>>,
): PolicyStatement[] | undefined {
  const [kind, name = ''] = principal.split(/\/(.*)/s);
  if (kind === 'workflow') {
    return (WORKFLOW_NAMES as readonly string[]).includes(name)
      ? workflowRolePolicy(name as (typeof WORKFLOW_NAMES)[number], context)
      : undefined;
  }
  if (kind === 'step') {
    const step = steps[name];
    return step === undefined ? undefined : stepRolePolicy(step, context);
  }
  if (kind === 'function') {
    if (name === 'Sweep') return sweepPolicy(context);
    const handler = REQUEST_FUNCTIONS[name];
    return handler === undefined ? undefined : requestHandlerPolicy({ ...context, ...handler });
  }
  if (kind === 'role' && name === context.schedulerRoleArn) return schedulerPolicy(context.busArn, context);
  return undefined;
}
