/**
 * How long the artifact bucket keeps what is uploaded to it. Build contexts are
 * read once, by the build a deploy starts (and by a retry of that deploy); the
 * images they make live on in ECR. So a context is tagged when it is uploaded
 * (local/upload-contexts.ts) and the bucket expires what carries the tag; the
 * rest of the bucket (the local engine's execution traces, `executions/…`) is
 * kept. Parts of a multipart upload that never finished (an interrupted
 * deploy) are removed from the whole bucket.
 *
 * One set of rules for both places the bucket is made: the SST app's
 * (stacks/artifact-bucket.ts) and a local target's (local/bootstrap.ts).
 */
import type { LifecycleRule } from '@aws-sdk/client-s3';

/** The tag every uploaded build context carries, which the expiry rule selects by. */
export const BUILD_CONTEXT_TAG = { Key: 'modeshift:artifact', Value: 'build-context' } as const;

/** Days a build context is kept after its upload. */
export const BUILD_CONTEXT_EXPIRY_DAYS = 7;

/** Days the parts of an unfinished multipart upload are kept. */
export const INCOMPLETE_UPLOAD_DAYS = 1;

/** The tag as S3's `x-amz-tagging` header (PutObject's and CreateMultipartUpload's `Tagging`) takes it. */
export const BUILD_CONTEXT_TAGGING = new URLSearchParams([
  [BUILD_CONTEXT_TAG.Key, BUILD_CONTEXT_TAG.Value],
]).toString();

/** The artifact bucket's lifecycle rules, as PutBucketLifecycleConfiguration takes them. */
export const ARTIFACT_LIFECYCLE_RULES = [
  {
    ID: 'expire-build-contexts',
    Status: 'Enabled',
    Filter: { Tag: { ...BUILD_CONTEXT_TAG } },
    Expiration: { Days: BUILD_CONTEXT_EXPIRY_DAYS },
  },
  {
    ID: 'abort-incomplete-uploads',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
  },
] as const satisfies readonly LifecycleRule[];
