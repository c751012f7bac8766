/**
 * An environment's CodeBuild service role: the role its image builds run as.
 * It may read only this environment's build contexts and config values, write
 * only its own projects' logs and push only to its own repositories, so a
 * build of one environment can never read another's contexts or overwrite
 * another's images.
 *
 * Like the services' execution roles (./execution-role.ts) it lives under
 * `/modeshift/<project>/<environment>/` and carries the deployment's tags,
 * which is how a role of the same name that is not this environment's is
 * recognised and left alone.
 */
import {
  CreateRoleCommand,
  type IAMClient,
  PutRolePolicyCommand,
  type Role,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Tag } from '../../../core/execution-input.ts';
import { trustPolicy } from '../../../core/iam/service-policies.ts';
import { environmentNames, serviceNames } from '../../../core/names.ts';
import { assertOwned, environmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';
import { deleteExecutionRole, executionRolePath, getRole } from './execution-role.ts';

/** The name of the inline policy that says what the role may do. */
export const CODEBUILD_POLICY_NAME = 'modeshift-codebuild';

/** What an environment's CodeBuild role must be able to do. */
export interface BuildAccess {
  readonly project: string;
  readonly environment: string;
  /** The services the environment builds. */
  readonly services: readonly string[];
  /** The artifact buckets its build contexts were uploaded to. */
  readonly artifactBuckets: readonly string[];
  readonly accountId: string;
  readonly region: string;
}

/** ECR actions a build needs to log in, pull its base layers from its own repository, and push. */
const PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:GetDownloadUrlForLayer',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

function arnOf(access: Pick<BuildAccess, 'accountId' | 'region'>, service: string, resource: string): string {
  return `arn:aws:${service}:${access.region}:${access.accountId}:${resource}`;
}

/** The ARNs of the environment's CodeBuild projects, one a built service. */
export function buildProjectArns(access: BuildAccess): string[] {
  return [...access.services]
    .sort()
    .map((service) =>
      arnOf(
        access,
        'codebuild',
        `project/${serviceNames(access.project, access.environment, service).codeBuildProject}`,
      ),
    );
}

/** The IAM policy document of an environment's CodeBuild role. */
export function codeBuildRolePolicy(access: BuildAccess): {
  Version: '2012-10-17';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string[] }>;
} {
  const services = [...new Set(access.services)].sort();
  const names = services.map((service) => serviceNames(access.project, access.environment, service));
  const logGroups = names.map(({ codeBuildProject }) =>
    arnOf(access, 'logs', `log-group:/aws/codebuild/${codeBuildProject}`),
  );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup'],
        Resource: logGroups,
      },
      {
        // Streams are `<group ARN>:log-stream:<name>`, which `<group ARN>:*` covers.
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroups.map((logGroup) => `${logGroup}:*`),
      },
      {
        // Contexts are uploaded as `<project>/<environment>/<service>/<digest>.tar.gz` (core/compose.ts).
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: [...new Set(access.artifactBuckets)]
          .sort()
          .map((bucket) => `arn:aws:s3:::${bucket}/${access.project}/${access.environment}/*`),
      },
      {
        // Build args read from config values: CodeBuild resolves their PARAMETER_STORE variables at build start.
        Effect: 'Allow',
        Action: ['ssm:GetParameters'],
        Resource: [arnOf(access, 'ssm', `parameter/modeshift/${access.project}/${access.environment}/*`)],
      },
      // GetAuthorizationToken is authorised against no resource.
      { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: PUSH_ACTIONS,
        Resource: names.map(({ ecrRepository }) => arnOf(access, 'ecr', `repository/${ecrRepository}`)),
      },
    ],
  };
}

/**
 * Creates the environment's CodeBuild role if missing, and sets its trust (CodeBuild, for this
 * account and this environment's projects only) and its policy; returns its ARN.
 */
export async function ensureCodeBuildRole(
  access: BuildAccess,
  tags: readonly Tag[],
  iam: IAMClient,
): Promise<string> {
  const name = environmentNames(access.project, access.environment).codeBuildRole;
  const owner = environmentIdentity(tags);
  const trust = JSON.stringify(
    trustPolicy('codebuild.amazonaws.com', { account: access.accountId, arns: buildProjectArns(access) }),
  );
  let role = await getRole(iam, name);
  let created = false;
  if (role === undefined) {
    try {
      role = (
        await iam.send(
          new CreateRoleCommand({
            RoleName: name,
            Path: executionRolePath(access.project, access.environment),
            AssumeRolePolicyDocument: trust,
            Description: `Builds the images of modeshift ${access.project}/${access.environment}`,
            Tags: [...tags],
          }),
        )
      ).Role;
      created = true;
    } catch (error) {
      if (!hasAwsErrorName(error, 'EntityAlreadyExistsException')) throw error;
      role = await getRole(iam, name);
    }
  }
  if (role?.Arn === undefined) throw new Error(`IAM returned no role for "${name}"`);
  assertOwned(`IAM role ${name}`, role.Tags, owner);
  // An existing role's trust names the projects of its last deploy: a new service adds one.
  if (!created) {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust }));
  }
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: CODEBUILD_POLICY_NAME,
      PolicyDocument: JSON.stringify(codeBuildRolePolicy(access)),
    }),
  );
  return role.Arn;
}

/** Deletes the environment's CodeBuild role when it carries the environment's tags; one already gone is fine. */
export async function deleteCodeBuildRole(
  iam: IAMClient,
  owner: { project: string; environment: string },
): Promise<void> {
  const name = environmentNames(owner.project, owner.environment).codeBuildRole;
  const role: Role | undefined = await getRole(iam, name);
  if (role === undefined || !isTaggedForEnvironment(role.Tags, owner)) return;
  await deleteExecutionRole(iam, name, false);
}
