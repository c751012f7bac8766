/**
 * CheckBuilds: whether every image build the builds step started has finished,
 * with one BatchGetBuilds per hundred builds. A build that failed, stopped or
 * timed out fails the deploy, naming the services whose builds did.
 */
import { BatchGetBuildsCommand, type Build, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { lambdaHandler } from '../lambda-handler.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';
import type { StartedBuild } from './start-builds.ts';

export interface CheckBuildsInput {
  readonly builds: readonly StartedBuild[];
}

export interface CheckBuildsOutput {
  readonly done: boolean;
}

/** BatchGetBuilds takes at most 100 ids a call. */
const BATCH_SIZE = 100;

export const checkBuilds = defineStep({
  name: 'CheckBuilds',
  clients: { codebuild: CodeBuildClient },
  sends: [BatchGetBuildsCommand],
  async run(input: CheckBuildsInput, { codebuild }): Promise<CheckBuildsOutput> {
    const found = new Map<string, Build>();
    for (let start = 0; start < input.builds.length; start += BATCH_SIZE) {
      const ids = input.builds.slice(start, start + BATCH_SIZE).map((build) => build.id);
      const { builds = [] } = await codebuild.send(new BatchGetBuildsCommand({ ids }));
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
    return { done };
  },
  settled: (output) => output.done,
});

export const handler = lambdaHandler(checkBuilds);
