/**
 * The permission boundary of every task role modeshift creates for an app
 * (`x-modeshift.policies`, functions/aws/iam/task-role.ts): whatever managed
 * policies a compose file attaches, the app's tasks can never
 *
 * - change IAM, the organization or the account (no way to grant
 *   themselves more, or leave the boundary);
 * - touch a resource modeshift tags (`modeshift:project`): their own
 *   environment's or another's network, cluster, databases, load balancer;
 * - touch modeshift's own app: its workflows and their executions, its
 *   functions, its environments table, its bus, its artifact bucket and the
 *   config values under `/modeshift/` (a task reads its own through its
 *   execution role, at start).
 *
 * An IAM boundary grants nothing: it caps what the role's own policies
 * grant, so it allows `*` and denies the above. It is one managed policy per
 * account, `policy/modeshift/modeshift-app-boundary`, which the SST app
 * creates (stacks/service-roles.ts) and the local bootstrap creates on the
 * local AWS (local/bootstrap.ts).
 */
import type { PolicyCondition } from './policy.ts';

/** A boundary statement: unlike modeshift's own policies (core/iam/policy.ts), it denies, and allows `*`. */
export interface BoundaryStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: PolicyCondition;
}

export const APP_BOUNDARY_NAME = 'modeshift-app-boundary';
export const APP_BOUNDARY_PATH = '/modeshift/';

/** The boundary's ARN in an account. */
export function appBoundaryArn(account: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:policy${APP_BOUNDARY_PATH}${APP_BOUNDARY_NAME}`;
}

/** The path pre-created app roles (`x-modeshift.role`) live under: the only roles a deploy may hand a task. */
export const APP_ROLE_PATH = '/modeshift-app/';

/** The boundary's statements. */
export function appBoundaryStatements(partition = 'aws'): BoundaryStatement[] {
  const any = (service: string, resource: string) => `arn:${partition}:${service}:*:*:${resource}`;
  return [
    { Sid: 'AppAccess', Effect: 'Allow', Action: ['*'], Resource: ['*'] },
    {
      Sid: 'NoIdentityChanges',
      Effect: 'Deny',
      Action: ['iam:*', 'organizations:*', 'account:*'],
      Resource: ['*'],
    },
    {
      Sid: 'NoModeshiftResources',
      Effect: 'Deny',
      Action: ['*'],
      Resource: ['*'],
      Condition: { Null: { 'aws:ResourceTag/modeshift:project': 'false' } },
    },
    {
      Sid: 'NoModeshiftApp',
      Effect: 'Deny',
      Action: ['*'],
      Resource: [
        any('states', 'stateMachine:modeshift-*'),
        any('states', 'execution:modeshift-*'),
        any('lambda', 'function:modeshift-*'),
        any('dynamodb', 'table/modeshift-*'),
        any('events', 'event-bus/modeshift*'),
        any('ssm', 'parameter/modeshift/*'),
        `arn:${partition}:s3:::modeshift-*`,
      ],
    },
  ];
}

/** The boundary as the JSON document IAM takes. */
export function appBoundaryDocument(partition = 'aws'): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: appBoundaryStatements(partition) });
}
