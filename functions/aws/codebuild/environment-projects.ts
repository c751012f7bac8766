/**
 * An environment's CodeBuild projects (`<project>-<environment>-<service>`):
 * found by their name prefix and confirmed by their project and environment
 * tags, and deleted (deletion is immediate; deleting a project that is gone
 * succeeds).
 */
import {
  BatchGetProjectsCommand,
  type CodeBuildClient,
  DeleteProjectCommand,
  paginateListProjects,
} from '@aws-sdk/client-codebuild';
import { mapConcurrently } from '../../bounded-concurrency.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';

/** BatchGetProjects takes at most 100 names a call. */
const BATCH_SIZE = 100;
/** Deletions in flight at once. */
const CONCURRENCY = 5;

/** The names of the projects named `<namePrefix>-…` that are tagged for the environment. */
export async function environmentBuildProjects(
  codebuild: CodeBuildClient,
  namePrefix: string,
  owner: EnvironmentIdentity,
): Promise<string[]> {
  const prefix = `${namePrefix}-`;
  const names: string[] = [];
  for await (const page of paginateListProjects({ client: codebuild }, {})) {
    names.push(...(page.projects ?? []).filter((name) => name.startsWith(prefix)));
  }
  const owned: string[] = [];
  for (let start = 0; start < names.length; start += BATCH_SIZE) {
    const { projects = [] } = await codebuild.send(
      new BatchGetProjectsCommand({ names: names.slice(start, start + BATCH_SIZE) }),
    );
    for (const project of projects) {
      if (project.name !== undefined && isTaggedForEnvironment(project.tags, owner)) owned.push(project.name);
    }
  }
  return owned;
}

/** Deletes the projects. */
export async function deleteBuildProjects(
  codebuild: CodeBuildClient,
  names: readonly string[],
): Promise<void> {
  await mapConcurrently(names, CONCURRENCY, (name) => codebuild.send(new DeleteProjectCommand({ name })));
}
