/**
 * DeleteBuildResources: the environment's CodeBuild projects and ECR
 * repositories (with their images), found by name prefix and confirmed by
 * their project and environment tags.
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
import { deleteBuildProjects, environmentBuildProjects } from '../aws/codebuild/environment-projects.ts';
import { deleteRepositories, environmentRepositories } from '../aws/ecr/environment-repositories.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteBuildResourcesInput = EnvironmentStepInput;

export type DeleteBuildResourcesOutput = Record<string, never>;

/**
 * Deletes the CodeBuild projects named `<project>-<environment>-…` and the
 * ECR repositories named `<project>/<environment>/…` (images included) that
 * are tagged for this project and environment. Deletion is immediate.
 */
export const deleteBuildResources = defineStep({
  name: 'DeleteBuildResources',
  clients: { codebuild: CodeBuildClient, ecr: ECRClient },
  sends: [
    ListProjectsCommand,
    BatchGetProjectsCommand,
    DeleteProjectCommand,
    DescribeRepositoriesCommand,
    ListTagsForResourceCommand,
    DeleteRepositoryCommand,
  ],
  async run(input: DeleteBuildResourcesInput, { codebuild, ecr }): Promise<DeleteBuildResourcesOutput> {
    const identity = { project: input.project, environment: input.environment };
    await deleteBuildProjects(
      codebuild,
      await environmentBuildProjects(codebuild, input.names.prefix, identity),
    );
    await deleteRepositories(ecr, await environmentRepositories(ecr, identity));
    return {};
  },
});

export const handler = lambdaHandler(deleteBuildResources);
