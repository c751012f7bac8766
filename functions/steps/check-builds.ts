/**
 * CheckBuilds: whether every image build StartBuilds started has finished,
 * with one BatchGetBuilds per hundred builds. A build that failed, stopped or
 * timed out fails the deploy, naming the services whose builds did.
 */
import { BatchGetBuildsCommand, type Build, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { StartedBuild } from './start-builds.ts';
import { StepError } from './step-error.ts';

export interface CheckBuildsInput {
  readonly builds: readonly StartedBuild[];
}

export interface CheckBuildsOutput {
  readonly done: boolean;
  /** Seconds the workflow waits before looking again while not done. */
  readonly retryAfterSeconds: number;
}

/** BatchGetBuilds takes at most 100 ids a call. */
const BATCH_SIZE = 100;
const RETRY_AFTER_SECONDS = 10;

export async function checkBuilds(
  input: CheckBuildsInput,
  clients: { codebuild: CodeBuildClient },
): Promise<CheckBuildsOutput> {
  const found = new Map<string, Build>();
  for (let start = 0; start < input.builds.length; start += BATCH_SIZE) {
    const ids = input.builds.slice(start, start + BATCH_SIZE).map((build) => build.id);
    const { builds = [] } = await clients.codebuild.send(new BatchGetBuildsCommand({ ids }));
    for (const build of builds) if (build.id !== undefined) found.set(build.id, build);
  }
  const missing = input.builds.filter((build) => !found.has(build.id));
  if (missing.length > 0) {
    throw new StepError(
      'Modeshift.BuildFailed',
      `CodeBuild does not know the builds of ${missing.map((build) => `${build.service} (${build.id})`).join(', ')}`,
    );
  }
  const failed = input.builds.filter((build) => {
    const status = found.get(build.id)?.buildStatus;
    return status !== 'IN_PROGRESS' && status !== 'SUCCEEDED';
  });
  if (failed.length > 0) {
    throw new StepError(
      'Modeshift.BuildFailed',
      `image builds failed: ${failed.map((build) => `${build.service} (${build.id}: ${found.get(build.id)?.buildStatus})`).join(', ')}`,
    );
  }
  const done = input.builds.every((build) => found.get(build.id)?.buildStatus === 'SUCCEEDED');
  return { done, retryAfterSeconds: done ? 0 : RETRY_AFTER_SECONDS };
}
