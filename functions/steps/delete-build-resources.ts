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
  paginateListProjects,
} from '@aws-sdk/client-codebuild';
import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
  paginateDescribeRepositories,
} from '@aws-sdk/client-ecr';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteBuildResourcesInput = EnvironmentStepInput;

export type DeleteBuildResourcesOutput = Record<string, never>;

/** Deletions in flight at once. */
const CONCURRENCY = 5;

/** BatchGetProjects takes at most 100 names a call. */
const BATCH_SIZE = 100;

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
    await deleteBuildProjects(codebuild, `${input.names.prefix}-`, identity);
    await deleteRepositories(ecr, `${input.project}/${input.environment}/`, identity);
    return {};
  },
});

async function deleteBuildProjects(
  codebuild: CodeBuildClient,
  prefix: string,
  identity: EnvironmentIdentity,
): Promise<void> {
  const names: string[] = [];
  for await (const page of paginateListProjects({ client: codebuild }, {})) {
    names.push(...(page.projects ?? []).filter((name) => name.startsWith(prefix)));
  }
  for (let start = 0; start < names.length; start += BATCH_SIZE) {
    const { projects = [] } = await codebuild.send(
      new BatchGetProjectsCommand({ names: names.slice(start, start + BATCH_SIZE) }),
    );
    const owned = projects.flatMap((project) =>
      project.name !== undefined && isTaggedForEnvironment(project.tags, identity) ? [project.name] : [],
    );
    await mapConcurrently(owned, CONCURRENCY, (name) => codebuild.send(new DeleteProjectCommand({ name })));
  }
}

async function deleteRepositories(
  ecr: ECRClient,
  prefix: string,
  identity: EnvironmentIdentity,
): Promise<void> {
  const repositories: Array<{ name: string; arn: string }> = [];
  for await (const page of paginateDescribeRepositories({ client: ecr }, {})) {
    for (const repository of page.repositories ?? []) {
      const { repositoryName: name, repositoryArn: arn } = repository;
      if (name?.startsWith(prefix) && arn !== undefined) repositories.push({ name, arn });
    }
  }
  await mapConcurrently(repositories, CONCURRENCY, async (repository) => {
    const { tags } = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository.arn }));
    if (!isTaggedForEnvironment(tags, identity)) return;
    try {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName: repository.name, force: true }));
    } catch (error) {
      if (!hasAwsErrorName(error, 'RepositoryNotFoundException')) throw error;
    }
  });
}

export const handler = lambdaHandler(deleteBuildResources);
