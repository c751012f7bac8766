/** In-memory ECR: repositories, found by name. */
import type { CreateRepositoryCommandInput, DescribeRepositoriesCommandInput } from '@aws-sdk/client-ecr';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryEcr(): InMemoryService {
  const repositories = new Set<string>();
  const describe = (name: string) => ({
    repositoryName: name,
    repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${name}`,
    repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
  });
  return {
    CreateRepository: (input: CreateRepositoryCommandInput) => {
      const name = input.repositoryName ?? '';
      if (repositories.has(name)) throw awsError('ecr', 'RepositoryAlreadyExistsException', `${name} exists`);
      repositories.add(name);
      return { repository: describe(name) };
    },
    DescribeRepositories: (input: DescribeRepositoriesCommandInput) => {
      const names = input.repositoryNames ?? [...repositories];
      const missing = names.find((name) => !repositories.has(name));
      if (missing !== undefined) throw awsError('ecr', 'RepositoryNotFoundException', `${missing} not found`);
      return { repositories: names.map(describe) };
    },
    DeleteRepository: (input: { repositoryName?: string }) => {
      repositories.delete(input.repositoryName ?? '');
      return {};
    },
  };
}
