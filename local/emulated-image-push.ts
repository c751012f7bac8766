/**
 * What CodeBuild does on AWS and the local AWS (moto) does not: push the
 * image a build made. moto records builds and runs none, so no image ever
 * reaches ECR, and a content-addressed image (core/build-digest.ts) would be
 * built again on every deploy. On an emulator target, StartBuilds is followed
 * by the push each build it started would make — a stand-in manifest in the
 * service's repository under the build's image tag and its deployment's trace
 * tag. On AWS the environment's CodeBuild role makes it; the IAM check derives
 * that call from StartBuild (core/iam/calls/service-calls.ts), so this stand-in
 * runs as no principal of modeshift's and is not judged twice.
 */
import {
  type ECRClient,
  ImageAlreadyExistsException,
  ImageTagAlreadyExistsException,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { serviceNames } from '../core/names.ts';
import { outsidePrincipals } from '../core/principal.ts';
import type { LambdaStep } from '../engine/lambda-task.ts';
import type { StartBuildsInput, StartBuildsOutput } from '../functions/steps/start-builds.ts';

/** A Docker image manifest standing in for the image: its config digest names the tag, so tags differ. */
function manifestFor(imageTag: string): string {
  const digest = (seed: string) => `sha256:${Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 2,
      digest: digest(imageTag),
    },
    layers: [],
  });
}

async function putTag(ecr: ECRClient, repositoryName: string, imageTag: string, manifest: string) {
  try {
    await ecr.send(new PutImageCommand({ repositoryName, imageTag, imageManifest: manifest }));
  } catch (error) {
    // Tags are immutable: one pushed already (a re-run of the same deployment) stays, as the buildspec leaves it.
    if (!(error instanceof ImageAlreadyExistsException) && !(error instanceof ImageTagAlreadyExistsException))
      throw error;
  }
}

/** StartBuilds, then the pushes of the builds it started, as their CodeBuild role. */
export function withEmulatedImagePush(startBuilds: LambdaStep): LambdaStep {
  return async function startBuildsAndPush(input, context) {
    const output = (await startBuilds(input, context)) as StartBuildsOutput;
    const request = input as unknown as StartBuildsInput;
    const ecr = context.clients('ecr') as ECRClient;
    await outsidePrincipals(async () => {
      for (const started of output.builds) {
        const build = request.builds.find((candidate) => candidate.service === started.service);
        const imageTag = build?.imageTag ?? request.imageTag;
        const repository = serviceNames(request.project, request.environment, started.service).ecrRepository;
        const manifest = manifestFor(imageTag);
        await putTag(ecr, repository, imageTag, manifest);
        if (imageTag !== request.imageTag) await putTag(ecr, repository, request.imageTag, manifest);
      }
    });
    return output;
  };
}
