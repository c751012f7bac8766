/**
 * DeleteBuildResources: the environment's CodeBuild projects, ECR
 * repositories (with their images) and CodeBuild role, found by name and
 * confirmed by their project and environment tags.
 */
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  DeleteProjectCommand,
  ListProjectsCommand,
} from '@aws-sdk/client-codebuild';
import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { deleteBuildProjects, environmentBuildProjects } from '../aws/codebuild/environment-projects.ts';
import { deleteRepositories, environmentRepositories } from '../aws/ecr/environment-repositories.ts';
import { deleteCodeBuildRole } from '../aws/iam/codebuild-role.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteBuildResourcesInput = EnvironmentStepInput;

export type DeleteBuildResourcesOutput = Record<string, never>;

/**
 * Deletes the CodeBuild projects named `<project>-<environment>-…`, the
 * ECR repositories named `<project>/<environment>/…` (images included) and
 * the CodeBuild role (core/names.ts `codeBuildRole`) that are tagged for
 * this project and environment. Deletion is immediate.
 */
export const deleteBuildResources = defineStep({
  name: 'DeleteBuildResources',
  clients: { codebuild: CodeBuildClient, ecr: ECRClient, iam: IAMClient },
  sends: [
    ListProjectsCommand,
    BatchGetProjectsCommand,
    DeleteProjectCommand,
    DescribeRepositoriesCommand,
    ListTagsForResourceCommand,
    DeleteRepositoryCommand,
    GetRoleCommand,
    ListRolePoliciesCommand,
    DeleteRolePolicyCommand,
    DeleteRoleCommand,
  ],
  async run(input: DeleteBuildResourcesInput, { codebuild, ecr, iam }): Promise<DeleteBuildResourcesOutput> {
    const identity = { project: input.project, environment: input.environment };
    await deleteBuildProjects(
      codebuild,
      await environmentBuildProjects(codebuild, input.names.prefix, identity),
    );
    await deleteRepositories(ecr, await environmentRepositories(ecr, identity));
    // After its projects: nothing builds as the role any more.
    await deleteCodeBuildRole(iam, identity);
    return {};
  },
});

export const handler = lambdaHandler(deleteBuildResources);
