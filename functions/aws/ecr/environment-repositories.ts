/**
 * An environment's ECR repositories (`<project>/<environment>/<service>`):
 * found by their name prefix and confirmed by their project and environment
 * tags, and deleted with their images.
 */
import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  ListTagsForResourceCommand,
  paginateDescribeRepositories,
} from '@aws-sdk/client-ecr';
import { mapConcurrently } from '../../bounded-concurrency.ts';
import { assertOwned, type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** Tag reads and deletions in flight at once. */
const CONCURRENCY = 5;

/** `<project>/<environment>/`: the prefix of every repository of the environment. */
export function repositoryPrefix(owner: EnvironmentIdentity): string {
  return `${owner.project}/${owner.environment}/`;
}

/** The names of the repositories under the environment's prefix that are tagged for it. */
export async function environmentRepositories(ecr: ECRClient, owner: EnvironmentIdentity): Promise<string[]> {
  const prefix = repositoryPrefix(owner);
  const candidates: Array<{ name: string; arn: string }> = [];
  for await (const page of paginateDescribeRepositories({ client: ecr }, {})) {
    for (const repository of page.repositories ?? []) {
      const { repositoryName: name, repositoryArn: arn } = repository;
      if (name?.startsWith(prefix) && arn !== undefined) candidates.push({ name, arn });
    }
  }
  const owned = await mapConcurrently(candidates, CONCURRENCY, async (repository) => {
    const { tags } = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository.arn }));
    return isTaggedForEnvironment(tags, owner);
  });
  return candidates.filter((_, index) => owned[index]).map((repository) => repository.name);
}

/**
 * Throws `Modeshift.NotOwned` unless the repository called `name` is tagged
 * for this environment. A repository just created by this environment is.
 */
export async function assertRepositoryOwned(
  ecr: ECRClient,
  name: string,
  owner: EnvironmentIdentity,
): Promise<void> {
  const { repositories = [] } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
  const arn = repositories.find((repository) => repository.repositoryName === name)?.repositoryArn;
  if (arn === undefined) return;
  const { tags } = await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  assertOwned(`ECR repository ${name}`, tags, owner);
}

/** Deletes the repositories and their images; one already gone is fine. */
export async function deleteRepositories(ecr: ECRClient, names: readonly string[]): Promise<void> {
  await mapConcurrently(names, CONCURRENCY, async (repositoryName) => {
    try {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    } catch (error) {
      if (!hasAwsErrorName(error, 'RepositoryNotFoundException')) throw error;
    }
  });
}
