/** The artifact bucket's lifecycle rules as the SST app sets them (stacks/artifact-bucket.ts). */
import { ARTIFACT_LIFECYCLE_RULES } from '../core/artifact-lifecycle.ts';

/** core/artifact-lifecycle.ts ARTIFACT_LIFECYCLE_RULES, in the Pulumi AWS provider's shape. */
export function artifactLifecycleRules() {
  return ARTIFACT_LIFECYCLE_RULES.map((rule) => ({
    id: rule.ID,
    status: rule.Status,
    filter:
      'Tag' in rule.Filter
        ? { tag: { key: rule.Filter.Tag.Key, value: rule.Filter.Tag.Value } }
        : { prefix: rule.Filter.Prefix },
    ...('Expiration' in rule ? { expiration: { days: rule.Expiration.Days } } : {}),
    ...('AbortIncompleteMultipartUpload' in rule
      ? {
          abortIncompleteMultipartUpload: {
            daysAfterInitiation: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation,
          },
        }
      : {}),
  }));
}
