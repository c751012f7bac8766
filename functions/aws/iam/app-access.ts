/**
 * Whether the AWS access a deploy's services ask for exists, checked before a
 * deploy changes anything (as its config values are): each managed policy of
 * `x-modeshift.policies`, and each pre-created role of `x-modeshift.role`.
 * A missing one would otherwise stop the deploy at the rollout, after the
 * network and the databases were made, with IAM's message naming neither the
 * service nor the compose key.
 */
import { GetPolicyCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { Problem } from '../../../core/errors.ts';
import type { DeployRequest } from '../../../core/request.ts';
import { hasAwsErrorName } from '../errors.ts';

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchEntityException')) return false;
    throw error;
  }
}

/** One problem per policy or role a service names that the account does not have. */
export async function missingAppAccess(
  request: Pick<DeployRequest, 'services'>,
  iam: IAMClient,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const service of request.services) {
    for (const [index, arn] of (service.policies ?? []).entries()) {
      if (!(await exists(() => iam.send(new GetPolicyCommand({ PolicyArn: arn })))))
        problems.push({
          path: `services.${service.name}.x-modeshift.policies[${index}]`,
          message: `the managed policy ${arn} does not exist in this account (or cannot be attached)`,
        });
    }
    const role = service.role;
    if (role === undefined) continue;
    const name = role.split('/').at(-1) ?? role;
    if (!(await exists(() => iam.send(new GetRoleCommand({ RoleName: name })))))
      problems.push({
        path: `services.${service.name}.x-modeshift.role`,
        message: `the role ${role} does not exist in this account: create it under /modeshift-app/ first`,
      });
  }
  return problems;
}
