/**
 * A service's task execution role: the role ECS uses to start the service's
 * tasks. It may pull the service's own image, write to its own log group and
 * read exactly the secrets its task definition names, and nothing else, so a
 * service can never start with another service's secrets.
 *
 * Roles live under the path `/modeshift/<project>/<environment>/`, which is
 * how down and pruning find them, and carry the deployment's tags, which is
 * how a role of the same name that is not this environment's is recognised
 * and left alone.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  paginateListRoles,
  type Role,
} from '@aws-sdk/client-iam';
import type { Tag } from '../../../core/execution-input.ts';
import { environmentNames, serviceNames } from '../../../core/names.ts';
import {
  assertOwned,
  type EnvironmentIdentity,
  environmentIdentity,
  isTaggedForEnvironment,
} from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** The name of the inline policy that says what the role may do. */
export const EXECUTION_POLICY_NAME = 'modeshift-task-execution';

/** What a service's task execution role must be able to do. */
export interface ExecutionAccess {
  readonly project: string;
  readonly environment: string;
  readonly service: string;
  /** Whether the service runs an image modeshift built into its ECR repository. */
  readonly built: boolean;
  /** ARNs of the Parameter Store parameters its task definition names. */
  readonly parameters: readonly string[];
  /** ARNs of the Secrets Manager secrets its task definition names. */
  readonly secrets: readonly string[];
  readonly accountId: string;
  readonly region: string;
}

/** `/modeshift/<project>/<environment>/`: the path of every execution role of the environment. */
export function executionRolePath(project: string, environment: string): string {
  return `/modeshift/${project}/${environment}/`;
}

/** The IAM policy document of a service's execution role. */
export function executionPolicy(access: ExecutionAccess): {
  Version: '2012-10-17';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string[] }>;
} {
  const names = serviceNames(access.project, access.environment, access.service);
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${access.region}:${access.accountId}:${resource}`;
  const statements: Array<{ Effect: 'Allow'; Action: string[]; Resource: string[] }> = [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arn('logs', `log-group:${names.logGroup}:*`)],
    },
  ];
  if (access.built) {
    statements.push(
      // GetAuthorizationToken is authorised against no resource.
      { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: [arn('ecr', `repository/${names.ecrRepository}`)],
      },
    );
  }
  if (access.parameters.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: [...access.parameters].sort(),
    });
  }
  if (access.secrets.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [...new Set(access.secrets)].sort(),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Creates the service's execution role if missing and sets its policy; returns its ARN. */
export async function ensureExecutionRole(
  access: ExecutionAccess,
  tags: readonly Tag[],
  iam: IAMClient,
): Promise<string> {
  const name = serviceNames(access.project, access.environment, access.service).executionRole;
  const owner = environmentIdentity(tags);
  let role = await getRole(iam, name);
  if (role === undefined) {
    try {
      const created = await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          Path: executionRolePath(access.project, access.environment),
          AssumeRolePolicyDocument: JSON.stringify(trustPolicy(access)),
          Description: `Starts the tasks of ${access.service} (modeshift ${access.project}/${access.environment})`,
          Tags: [...tags],
        }),
      );
      role = created.Role;
    } catch (error) {
      if (!hasAwsErrorName(error, 'EntityAlreadyExistsException')) throw error;
      role = await getRole(iam, name);
    }
  }
  if (role?.Arn === undefined) throw new Error(`IAM returned no role for "${name}"`);
  assertOwned(`IAM role ${name}`, role.Tags, owner);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: EXECUTION_POLICY_NAME,
      PolicyDocument: JSON.stringify(executionPolicy(access)),
    }),
  );
  return role.Arn;
}

/** ECS tasks of this account may assume the role, for this account only (the confused-deputy guard). */
export function trustPolicy(access: Pick<ExecutionAccess, 'accountId' | 'region'>) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': access.accountId },
          ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${access.region}:${access.accountId}:*` },
        },
      },
    ],
  };
}

/** The role of that name with its tags, or undefined when there is none. */
export async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchEntityException')) return undefined;
    throw error;
  }
}

/**
 * The environment's execution roles, and the task roles modeshift created (./task-role.ts), that
 * carry its tags, by role name. Its CodeBuild role shares their path (./codebuild-role.ts) and is
 * not one of them: pruning must not delete it.
 */
export async function environmentExecutionRoles(
  iam: IAMClient,
  owner: EnvironmentIdentity,
): Promise<Map<string, Role>> {
  const roles = new Map<string, Role>();
  const pages = paginateListRoles(
    { client: iam },
    { PathPrefix: executionRolePath(owner.project, owner.environment) },
  );
  const codeBuildRole = environmentNames(owner.project, owner.environment).codeBuildRole;
  for await (const page of pages) {
    for (const listed of page.Roles ?? []) {
      if (listed.RoleName === undefined || listed.RoleName === codeBuildRole) continue;
      // ListRoles leaves tags out; GetRole has them.
      const role = await getRole(iam, listed.RoleName);
      if (role && isTaggedForEnvironment(role.Tags, owner)) roles.set(listed.RoleName, role);
    }
  }
  return roles;
}

/**
 * Deletes a role of the environment (an execution role, or a task role modeshift created), its
 * inline policies and, unless `managedPolicies` is false (a role that never has any: the
 * CodeBuild role), its managed policies' attachments; a role already gone is fine.
 */
export async function deleteExecutionRole(
  iam: IAMClient,
  name: string,
  managedPolicies = true,
): Promise<void> {
  try {
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: name }));
    for (const policy of PolicyNames) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }));
    }
    const { AttachedPolicies = [] } = managedPolicies
      ? await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))
      : {};
    for (const policy of AttachedPolicies) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy.PolicyArn }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: name }));
  } catch (error) {
    if (!hasAwsErrorName(error, 'NoSuchEntityException')) throw error;
  }
}
