/**
 * Build contexts: each local folder a service builds from, packed as tar.gz and put where CodeBuild reads it.
 *
 * The archive is streamed: tar → size cap → gzip → an S3 multipart upload in
 * {@link PART_BYTES} parts, so memory stays at a few parts whatever the
 * context's size. A context whose archive grows past the cap is refused as
 * soon as it does; its multipart upload is aborted, so nothing of it is left
 * in the bucket, and the other services' uploads are stopped too. Each context
 * is tagged so that the bucket expires it (core/artifact-lifecycle.ts).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { create as createTar } from 'tar';
import { BUILD_CONTEXT_TAGGING } from '../core/artifact-lifecycle.ts';
import { formatByteSize } from '../core/byte-size.ts';
import type { BuildUpload } from '../core/compose.ts';
import { InputError } from '../core/errors.ts';
import { hasAwsErrorName } from '../functions/aws/errors.ts';

/**
 * The largest build context uploaded, in bytes of the uncompressed archive (what `du` says of the
 * folder, give or take the tar headers): `deploy --max-context-size` changes it. @default 500 MiB
 */
export const DEFAULT_MAX_CONTEXT_BYTES = 500 * 1024 ** 2;

/** The size of each uploaded part: S3's smallest. The upload holds at most {@link QUEUE_SIZE} + 1 of them. */
export const PART_BYTES = 5 * 1024 ** 2;
/** Parts uploaded at once, per context. */
const QUEUE_SIZE = 2;

/** A build context larger than the cap: refused, with the flag that raises it. */
export class ContextTooLargeError extends InputError {
  override name = 'ContextTooLargeError';
}

export interface UploadOptions {
  /** The cap on each context's uncompressed archive, in bytes. @default {@link DEFAULT_MAX_CONTEXT_BYTES} */
  readonly maxContextBytes?: number;
}

/** `s3://bucket/key` → bucket and key. */
function splitS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`${url} is not an S3 URL`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/** Passes bytes through, counting them; fails with {@link ContextTooLargeError} once they pass the cap. */
function sizeCap(upload: BuildUpload, maxBytes: number): Transform & { readonly bytes: () => number } {
  let total = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      total += chunk.length;
      if (total > maxBytes) {
        callback(
          new ContextTooLargeError([
            {
              path: `services.${upload.service}.build.context`,
              message: `${upload.localPath} is more than ${formatByteSize(maxBytes)} (${formatByteSize(total)} packed so far, uncompressed); nothing was uploaded. Leave large files out of the build context, or raise the cap with --max-context-size (e.g. --max-context-size 2GiB)`,
            },
          ]),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  return Object.assign(cap, { bytes: () => total });
}

/**
 * Streams one context to S3; resolves to the uncompressed bytes packed. `signal` stops it (another
 * context failed): its multipart upload is aborted before the promise settles.
 */
async function uploadContext(
  upload: BuildUpload,
  s3: S3Client,
  maxBytes: number,
  signal: AbortSignal,
): Promise<number> {
  const { bucket, key } = splitS3Url(upload.s3Url);
  // Symbolic links are packed as links, never followed: their targets stay out of the archive. With
  // `entries` (what .dockerignore leaves, core/build-digest.ts), exactly those are packed.
  const tar =
    upload.entries === undefined
      ? createTar({ cwd: upload.localPath, portable: true, noMtime: true, follow: false }, ['.'])
      : createTar(
          { cwd: upload.localPath, portable: true, noMtime: true, follow: false, noDirRecurse: true },
          upload.entries.length === 0 ? ['.'] : upload.entries.map((entry) => entry.replace(/\/$/, '')),
        );
  const cap = sizeCap(upload, maxBytes);
  const gzip = createGzip();
  const sent = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: key,
      Body: gzip,
      ContentType: 'application/gzip',
      Tagging: BUILD_CONTEXT_TAGGING,
    },
    partSize: PART_BYTES,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  // A packing error (the cap, a stop) destroys gzip, the upload's body: the upload fails and aborts
  // its multipart upload. An upload error destroys gzip too, so the packing does not wait for a reader.
  const packing = pipeline(tar as AsyncIterable<Buffer>, cap, gzip, { signal }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const uploading = sent.done().then(
    () => undefined,
    (error: unknown) => {
      gzip.destroy(error as Error);
      return error;
    },
  );
  const [packError, uploadError] = await Promise.all([packing, uploading]);
  const failure = packError instanceof ContextTooLargeError ? packError : (uploadError ?? packError);
  if (failure !== undefined) throw failure;
  return cap.bytes();
}

/** Whether the bucket holds the key already: a content-addressed context that is not uploaded again. */
async function isUploaded(s3: S3Client, s3Url: string): Promise<boolean> {
  const { bucket, key } = splitS3Url(s3Url);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'NotFound') || hasAwsErrorName(error, 'NoSuchKey')) return false;
    throw error;
  }
}

/** One context: uploaded, with the uncompressed bytes packed, or found in the bucket already. */
export interface UploadedContext {
  readonly service: string;
  readonly s3Url: string;
  readonly bytes: number;
  /** false when the bucket held this digest's archive already, so nothing was sent. */
  readonly uploaded: boolean;
}

/**
 * Uploads every build context the bucket does not hold yet; returns what was done per service. The
 * first context refused or failed stops the others' uploads, and is the error thrown.
 */
export async function uploadBuildContexts(
  uploads: readonly BuildUpload[],
  clients: { s3: S3Client },
  options: UploadOptions = {},
): Promise<UploadedContext[]> {
  const maxBytes = options.maxContextBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
  const stop = new AbortController();
  let first: unknown;
  const settled = await Promise.allSettled(
    uploads.map(async (upload): Promise<UploadedContext> => {
      try {
        // Only a content-addressed key (entries known) names its content: a fixed key is always sent.
        if (upload.entries !== undefined && (await isUploaded(clients.s3, upload.s3Url)))
          return { service: upload.service, s3Url: upload.s3Url, bytes: 0, uploaded: false };
        const bytes = await uploadContext(upload, clients.s3, maxBytes, stop.signal);
        return { service: upload.service, s3Url: upload.s3Url, bytes, uploaded: true };
      } catch (error) {
        first ??= error;
        stop.abort();
        throw error;
      }
    }),
  );
  if (first !== undefined) throw first;
  return settled.map((result) => (result as PromiseFulfilledResult<UploadedContext>).value);
}
