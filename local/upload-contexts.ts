/** Build contexts: each local folder a service builds from, packed as tar.gz and put where CodeBuild reads it. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { create as createTar } from 'tar';
import type { BuildUpload } from '../core/compose.ts';

/** `s3://bucket/key` → bucket and key. */
function splitS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`${url} is not an S3 URL`);
  return { bucket: match[1] as string, key: match[2] as string };
}

async function packFolder(folder: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = createTar({ gzip: true, cwd: folder, portable: true, noMtime: true }, ['.']);
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Uploads every build context; returns the bytes uploaded per service. */
export async function uploadBuildContexts(
  uploads: readonly BuildUpload[],
  clients: { s3: S3Client },
): Promise<Array<{ service: string; s3Url: string; bytes: number }>> {
  return Promise.all(
    uploads.map(async (upload) => {
      const body = await packFolder(upload.localPath);
      const { bucket, key } = splitS3Url(upload.s3Url);
      await clients.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip' }),
      );
      return { service: upload.service, s3Url: upload.s3Url, bytes: body.length };
    }),
  );
}
