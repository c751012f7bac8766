/**
 * A service's task role: the AWS credentials its app gets.
 *
 * - `x-modeshift.role: <arn>`: a role the platform team created under
 *   `/modeshift-app/` (core/iam/app-boundary.ts `APP_ROLE_PATH`); modeshift
 *   only names it in the task definition, and never changes or deletes it.
 * - `x-modeshift.policies: [<managed policy arn>…]` (outside production):
 *   modeshift creates `<project>--<environment>--<service>.task` under the
 *   environment's role path, with the account's app boundary, and attaches
 *   exactly those policies (and detaches any other).
 * - Neither: no task role, so no AWS credentials, except that where the mode
 *   has ECS Exec on (`executeCommand`) the service gets a role holding only
 *   the Exec channel (core/exec-channel.ts), which reads and changes nothing.
 *
 * A created role also carries the Exec channel where the mode has it on.
 * Down and pruning delete created roles with the execution roles (they share
 * the path), detaching their managed policies first.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { EXEC_CHANNEL_STATEMENT } from '../../../core/exec-channel.ts';
import type { Tag } from '../../../core/execution-input.ts';
import { appBoundaryArn } from '../../../core/iam/app-boundary.ts';
import { serviceNames } from '../../../core/names.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';
import { executionRolePath, getRole, trustPolicy } from './execution-role.ts';

/** The inline policy of a created task role that opens ECS Exec's channels. */
export const EXEC_POLICY_NAME = 'modeshift-ecs-exec';

/** What a service's task role is made from. */
export interface TaskAccess {
  readonly project: string;
  readonly environment: string;
  readonly service: string;
  /** A pre-created role to use as it is. */
  readonly role?: string;
  /** Managed policies to attach to a created role. */
  readonly policies?: readonly string[];
  /** Whether the mode has ECS Exec on (`executeCommand`). */
  readonly executeCommand: boolean;
  readonly accountId: string;
  readonly region: string;
}

/** The task role's ARN for the task definition, creating and updating modeshift's own; undefined for none. */
export async function ensureTaskRole(
  access: TaskAccess,
  tags: readonly Tag[],
  iam: IAMClient,
): Promise<string | undefined> {
  if (access.role !== undefined) return access.role;
  const policies = [...new Set(access.policies ?? [])].sort();
  if (policies.length === 0 && !access.executeCommand) return undefined;
  const name = serviceNames(access.project, access.environment, access.service).taskRole;
  const boundary = appBoundaryArn(access.accountId);
  let role = await getRole(iam, name);
  if (role === undefined) {
    try {
      role = (
        await iam.send(
          new CreateRoleCommand({
            RoleName: name,
            Path: executionRolePath(access.project, access.environment),
            AssumeRolePolicyDocument: JSON.stringify(trustPolicy(access)),
            PermissionsBoundary: boundary,
            Description: `The app's credentials in ${access.service} (modeshift ${access.project}/${access.environment})`,
            Tags: [...tags],
          }),
        )
      ).Role;
    } catch (error) {
      if (!hasAwsErrorName(error, 'EntityAlreadyExistsException')) throw error;
      role = await getRole(iam, name);
    }
  }
  if (role?.Arn === undefined) throw new Error(`IAM returned no role for "${name}"`);
  assertOwned(`IAM role ${name}`, role.Tags, environmentIdentity(tags));
  if (role.PermissionsBoundary?.PermissionsBoundaryArn !== boundary)
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: boundary }));
  const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
  const attached = new Set(AttachedPolicies.map((policy) => policy.PolicyArn ?? ''));
  for (const policy of policies)
    if (!attached.has(policy))
      await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policy }));
  for (const policy of attached)
    if (!policies.includes(policy))
      await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy }));
  if (access.executeCommand)
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: EXEC_POLICY_NAME,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [EXEC_CHANNEL_STATEMENT] }),
      }),
    );
  else {
    try {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: EXEC_POLICY_NAME }));
    } catch (error) {
      if (!hasAwsErrorName(error, 'NoSuchEntityException')) throw error;
    }
  }
  return role.Arn;
}
