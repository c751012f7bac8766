/**
 * DeleteAccessLogBucket: empties and deletes the load balancer's access-log
 * bucket, in the modes whose policy does not retain access logs on down.
 */
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  S3Client,
} from '@aws-sdk/client-s3';
import { accessLogBucketName } from '../../core/names.ts';
import { assertOwned, type EnvironmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of DeleteAccessLogBucket, as the down workflow passes it. */
export interface DeleteAccessLogBucketInput extends EnvironmentStepInput {
  readonly accountId: string;
  readonly region: string;
}

/** Nothing to hand on. */
export type DeleteAccessLogBucketOutput = Record<string, never>;

/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

/**
 * Deleting the bucket can race a last log file the load balancer delivers
 * while it goes away: empty and try again this many times.
 */
const DELETE_ATTEMPTS = 3;

/**
 * Deletes every object version and delete marker, then the bucket; nothing to
 * do when the bucket does not exist.
 *
 * @throws StepError `Modeshift.NotOwned` when the bucket is not tagged
 * for this environment.
 * @throws StepError `Modeshift.BucketNotEmptied` when S3 refuses to delete
 * some objects (object lock, legal hold).
 */
export const deleteAccessLogBucket = defineStep({
  name: 'DeleteAccessLogBucket',
  clients: { s3: S3Client },
  sends: [GetBucketTaggingCommand, ListObjectVersionsCommand, DeleteObjectsCommand, DeleteBucketCommand],
  async run(input: DeleteAccessLogBucketInput, { s3 }): Promise<DeleteAccessLogBucketOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const bucket = accessLogBucketName(input.project, input.environment, input.accountId, input.region);
    // Every call names this account as the bucket's owner: a same-named bucket elsewhere is refused (403).
    const ours: OwnedBucket = { Bucket: bucket, ExpectedBucketOwner: input.accountId };

    let tags: Awaited<ReturnType<typeof bucketTags>>;
    try {
      tags = await bucketTags(s3, ours);
    } catch (error) {
      if (hasAwsErrorName(error, 'NoSuchBucket')) return {};
      throw error;
    }
    assertOwned(`S3 bucket ${bucket}`, tags, owner);

    for (let attempt = 1; ; attempt += 1) {
      await emptyBucket(s3, ours);
      try {
        await s3.send(new DeleteBucketCommand(ours));
        return {};
      } catch (error) {
        if (hasAwsErrorName(error, 'NoSuchBucket')) return {};
        if (!hasAwsErrorName(error, 'BucketNotEmpty') || attempt >= DELETE_ATTEMPTS) throw error;
      }
    }
  },
});

/** The access-log bucket, and the account that must own it (`ExpectedBucketOwner`). */
interface OwnedBucket {
  readonly Bucket: string;
  readonly ExpectedBucketOwner: string;
}

async function bucketTags(s3: S3Client, ours: OwnedBucket) {
  try {
    return (await s3.send(new GetBucketTaggingCommand(ours))).TagSet ?? [];
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchTagSet')) return [];
    throw error;
  }
}

/** Every version and delete marker, page by page, in DeleteObjects batches of up to 1000. */
async function emptyBucket(s3: S3Client, ours: OwnedBucket): Promise<void> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        ...ours,
        MaxKeys: DELETE_BATCH,
        ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap(
      (entry) =>
        entry.Key === undefined
          ? []
          : [{ Key: entry.Key, ...(entry.VersionId ? { VersionId: entry.VersionId } : {}) }],
    );
    for (let start = 0; start < objects.length; start += DELETE_BATCH) {
      await deleteObjects(s3, ours, objects.slice(start, start + DELETE_BATCH));
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
}

async function deleteObjects(s3: S3Client, ours: OwnedBucket, objects: ObjectIdentifier[]): Promise<void> {
  const bucket = ours.Bucket;
  const result = await s3.send(
    new DeleteObjectsCommand({ ...ours, Delete: { Objects: objects, Quiet: true } }),
  );
  const failed = result.Errors?.[0];
  if (failed !== undefined) {
    throw new StepError(
      'Modeshift.BucketNotEmptied',
      `S3 bucket "${bucket}": ${result.Errors?.length} object(s) could not be deleted, the first ` +
        `"${failed.Key}" (${failed.Code}: ${failed.Message}); remove them and run down again`,
    );
  }
}

export const handler = lambdaHandler(deleteAccessLogBucket);
