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
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import {
  type DeleteBuildResourcesInput,
  deleteBuildResources,
} from '../../../functions/steps/delete-build-resources.ts';

const codebuild = mockClient(CodeBuildClient);
const ecr = mockClient(ECRClient);
const iam = mockClient(IAMClient);
const clients = {
  codebuild: new CodeBuildClient({ region: 'us-east-1' }),
  ecr: new ECRClient({ region: 'us-east-1' }),
  iam: new IAMClient({ region: 'us-east-1' }),
};

/** Environment `pr` of project `shop`: its prefix `shop-pr-` also starts the names of environment `pr-42`. */
const input: DeleteBuildResourcesInput = {
  project: 'shop',
  environment: 'pr',
  names: environmentNames('shop', 'pr'),
  environmentTags: modeshiftTags('shop', 'pr', 'development', '').slice(0, 2),
};

function tagsOf(environment: string) {
  return modeshiftTags('shop', environment, 'development', 'deploy-1');
}

function repositoryArn(name: string): string {
  return `arn:aws:ecr:us-east-1:123456789012:repository/${name}`;
}

beforeEach(() => {
  iam.reset();
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no role', $metadata: {} }));
  codebuild.reset();
  ecr.reset();
  codebuild.on(ListProjectsCommand).resolves({ projects: [] });
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [] });
});

describe('DeleteBuildResources — CodeBuild', () => {
  it('deletes the projects named for the environment and tagged for it', async () => {
    codebuild
      .on(ListProjectsCommand)
      .resolves({ projects: ['shop--pr--api', 'shop--pr--web', 'blog--pr--api'] });
    codebuild.on(BatchGetProjectsCommand).resolves({
      projects: ['shop--pr--api', 'shop--pr--web'].map((name) => ({
        name,
        tags: tagsOf('pr').map((tag) => ({ key: tag.Key, value: tag.Value })),
      })),
    });

    const result = await deleteBuildResources(input, clients);

    expect(result).toEqual({});
    expect(codebuild).toHaveReceivedCommandWith(BatchGetProjectsCommand, {
      names: ['shop--pr--api', 'shop--pr--web'],
    });
    expect(codebuild).toHaveReceivedCommandTimes(DeleteProjectCommand, 2);
    expect(codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop--pr--api' });
    expect(codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop--pr--web' });
  });

  it('never deletes a project of another environment that shares the name prefix', async () => {
    codebuild.on(ListProjectsCommand).resolves({ projects: ['shop--pr--api', 'shop--pr-42--api'] });
    codebuild.on(BatchGetProjectsCommand).resolves({
      projects: [
        { name: 'shop--pr--api', tags: tagsOf('pr').map((tag) => ({ key: tag.Key, value: tag.Value })) },
        {
          name: 'shop--pr-42--api',
          tags: tagsOf('pr-42').map((tag) => ({ key: tag.Key, value: tag.Value })),
        },
      ],
    });

    await deleteBuildResources(input, clients);

    expect(codebuild).toHaveReceivedCommandTimes(DeleteProjectCommand, 1);
    expect(codebuild).not.toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop--pr-42--api' });
  });

  it('reads every page of projects and fetches them 100 at a time', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `shop--pr--svc${index}`);
    codebuild
      .on(ListProjectsCommand)
      .resolvesOnce({ projects: names.slice(0, 100), nextToken: 'page-2' })
      .resolvesOnce({ projects: names.slice(100) });
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [] });

    await deleteBuildResources(input, clients);

    expect(codebuild).toHaveReceivedNthCommandWith(ListProjectsCommand, 2, { nextToken: 'page-2' });
    expect(codebuild).toHaveReceivedNthCommandWith(BatchGetProjectsCommand, 1, {
      names: names.slice(0, 100),
    });
    expect(codebuild).toHaveReceivedNthCommandWith(BatchGetProjectsCommand, 2, { names: names.slice(100) });
  });
});

describe('DeleteBuildResources — ECR', () => {
  it('deletes the repositories under <project>/<environment>/ tagged for the environment, images included', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: ['shop/pr/api', 'shop/pr-42/api', 'blog/pr/api'].map((name) => ({
        repositoryName: name,
        repositoryArn: repositoryArn(name),
      })),
    });
    ecr.on(ListTagsForResourceCommand).resolves({ tags: tagsOf('pr') });

    await deleteBuildResources(input, clients);

    expect(ecr).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 1);
    expect(ecr).toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      resourceArn: repositoryArn('shop/pr/api'),
    });
    expect(ecr).toHaveReceivedCommandTimes(DeleteRepositoryCommand, 1);
    expect(ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, {
      repositoryName: 'shop/pr/api',
      force: true,
    });
  });

  it('never deletes a repository under the prefix that is tagged for another environment', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: [{ repositoryName: 'shop/pr/api', repositoryArn: repositoryArn('shop/pr/api') }],
    });
    ecr.on(ListTagsForResourceCommand).resolves({ tags: tagsOf('pr-42') });

    await deleteBuildResources(input, clients);

    expect(ecr).not.toHaveReceivedCommand(DeleteRepositoryCommand);
  });

  it('reads every page of repositories', async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .resolvesOnce({
        repositories: [{ repositoryName: 'shop/pr/api', repositoryArn: repositoryArn('shop/pr/api') }],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        repositories: [{ repositoryName: 'shop/pr/web', repositoryArn: repositoryArn('shop/pr/web') }],
      });
    ecr.on(ListTagsForResourceCommand).resolves({ tags: tagsOf('pr') });

    await deleteBuildResources(input, clients);

    expect(ecr).toHaveReceivedNthCommandWith(DescribeRepositoriesCommand, 2, { nextToken: 'page-2' });
    expect(ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, { repositoryName: 'shop/pr/web' });
  });

  it('treats a repository deleted meanwhile as deleted', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: [{ repositoryName: 'shop/pr/api', repositoryArn: repositoryArn('shop/pr/api') }],
    });
    ecr.on(ListTagsForResourceCommand).resolves({ tags: tagsOf('pr') });
    ecr
      .on(DeleteRepositoryCommand)
      .rejects(new RepositoryNotFoundException({ message: 'repository does not exist', $metadata: {} }));

    await expect(deleteBuildResources(input, clients)).resolves.toEqual({});
  });
});
