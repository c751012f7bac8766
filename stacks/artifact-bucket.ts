import { ARTIFACT_LIFECYCLE_RULES, BUILD_CONTEXT_EXPIRY_DAYS } from '../core/artifact-lifecycle.ts';
import { artifactLifecycleRules } from './artifact-lifecycle.ts';

/**
 * The bucket the CLI uploads build contexts to, for CodeBuild to build from. Old contexts expire
 * (core/artifact-lifecycle.ts): the rules are SST's `lifecycle` with the tag filter and the
 * cleanup of unfinished uploads, which its shorthand cannot say, set through its transform.
 */
export function createArtifactBucket() {
  return new sst.aws.Bucket('Artifacts', {
    // Replaced whole by the transform below; SST makes the lifecycle configuration only when this is not empty.
    lifecycle: ARTIFACT_LIFECYCLE_RULES.map((rule) => ({
      id: rule.ID,
      expiresIn: `${BUILD_CONTEXT_EXPIRY_DAYS} days`,
    })),
    transform: {
      bucket: (args) => {
        args.forceDestroy = $app.stage !== 'production';
      },
      lifecycle: (args) => {
        args.rules = artifactLifecycleRules();
      },
    },
  });
}
