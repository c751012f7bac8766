/**
 * In-memory ECR: repositories, found by name, and the images builds push into
 * them (bench/aws/codebuild.ts): an image is there once its build is done.
 */
import type {
  CreateRepositoryCommandInput,
  DescribeImagesCommandInput,
  DescribeRepositoriesCommandInput,
  ListTagsForResourceCommandInput,
  Tag,
} from '@aws-sdk/client-ecr';
import type { World } from '../world.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

/** Images pushed by builds: `repository:tag` → the world key of the build that pushes it. */
export type PushedImages = Map<string, string>;

export function inMemoryEcr(world: World, images: PushedImages): InMemoryService {
  const repositories = new Map<string, Tag[]>();
  const arnOf = (name: string) => `arn:aws:ecr:us-east-1:123456789012:repository/${name}`;
  const describe = (name: string) => ({
    repositoryName: name,
    repositoryArn: arnOf(name),
    repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
  });
  return {
    CreateRepository: (input: CreateRepositoryCommandInput) => {
      const name = input.repositoryName ?? '';
      if (repositories.has(name)) throw awsError('ecr', 'RepositoryAlreadyExistsException', `${name} exists`);
      repositories.set(name, input.tags ?? []);
      return { repository: describe(name) };
    },
    DescribeRepositories: (input: DescribeRepositoriesCommandInput) => {
      const names = input.repositoryNames ?? [...repositories.keys()];
      const missing = names.find((name) => !repositories.has(name));
      if (missing !== undefined) throw awsError('ecr', 'RepositoryNotFoundException', `${missing} not found`);
      return { repositories: names.map(describe) };
    },
    ListTagsForResource: (input: ListTagsForResourceCommandInput) => ({
      tags: [...repositories].find(([name]) => arnOf(name) === input.resourceArn)?.[1] ?? [],
    }),
    PutImageTagMutability: () => ({}),
    DescribeImages: (input: DescribeImagesCommandInput) => {
      const name = input.repositoryName ?? '';
      const tags = (input.imageIds ?? []).map((id) => id.imageTag ?? '');
      const pushed = tags.filter((tag) => {
        const build = images.get(`${name}:${tag}`);
        return build !== undefined && world.ready(build);
      });
      if (pushed.length < tags.length)
        throw awsError('ecr', 'ImageNotFoundException', `no image of tag ${tags.join(', ')} in ${name}`);
      return { imageDetails: pushed.map((tag) => ({ repositoryName: name, imageTags: [tag] })) };
    },
    DeleteRepository: (input: { repositoryName?: string }) => {
      repositories.delete(input.repositoryName ?? '');
      return {};
    },
  };
}
