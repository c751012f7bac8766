import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { list } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDigest } from '../../core/build-digest.ts';
import {
  ContextTooLargeError,
  DEFAULT_MAX_CONTEXT_BYTES,
  PART_BYTES,
  uploadBuildContexts,
} from '../../local/upload-contexts.ts';

const s3 = mockClient(S3Client);
const clients = () => ({
  s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
});
const MiB = 1024 ** 2;

let folder: string;
beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
  folder = mkdtempSync(join(tmpdir(), 'modeshift-context-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

/** A context of `mib` MiB that gzip cannot shrink, so its archive is as large. */
function randomContext(mib: number): string {
  for (let i = 0; i < mib; i++) writeFileSync(join(folder, `blob-${i}.bin`), randomBytes(MiB));
  return folder;
}

const upload = (localPath: string, service = 'web') => ({
  service,
  localPath,
  s3Url: `s3://modeshift-artifacts/shop/pr-1/${service}/context.tar.gz`,
});

/** The entries of a tar.gz body: path and type. */
function entriesOf(body: Uint8Array): Array<{ path: string; type: string }> {
  const file = join(folder, '..', `${folder.split('/').at(-1)}.tar.gz`);
  writeFileSync(file, body);
  const entries: Array<{ path: string; type: string }> = [];
  try {
    list({ file, sync: true, onReadEntry: (entry) => entries.push({ path: entry.path, type: entry.type }) });
  } finally {
    rmSync(file, { force: true });
  }
  return entries;
}

describe('build context upload', () => {
  it('puts a small context as one tar.gz object', async () => {
    writeFileSync(join(folder, 'Dockerfile'), 'FROM nginx:1.27\n');

    const [uploaded] = await uploadBuildContexts([upload(folder)], clients());

    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'modeshift-artifacts',
      Key: 'shop/pr-1/web/context.tar.gz',
      ContentType: 'application/gzip',
      Tagging: 'modeshift%3Aartifact=build-context',
    });
    const body = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(entriesOf(body).map((entry) => entry.path)).toContain('./Dockerfile');
    expect(uploaded?.bytes).toBeGreaterThan(0);
  });

  it('packs a symbolic link as a link, never what it points to', async () => {
    symlinkSync('/etc/hostname', join(folder, 'escape'));

    await uploadBuildContexts([upload(folder)], clients());

    const body = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(entriesOf(body)).toContainEqual({ path: './escape', type: 'SymbolicLink' });
  });

  it('streams a large context to S3 in parts, never as one buffer', async () => {
    randomContext(12);

    await uploadBuildContexts([upload(folder)], clients());

    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Key: 'shop/pr-1/web/context.tar.gz',
      Tagging: 'modeshift%3Aartifact=build-context',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect((part.Body as Uint8Array).byteLength).toBeLessThanOrEqual(PART_BYTES);
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { UploadId: 'upload-1' });
  });
});

describe('content-addressed build contexts', () => {
  const addressed = (entries: readonly string[]) => ({
    ...upload(folder),
    s3Url: `s3://modeshift-artifacts/shop/pr-1/web/${buildDigest({ context: folder }).digest}.tar.gz`,
    entries,
  });

  it('packs only what .dockerignore leaves, after finding the digest’s archive missing', async () => {
    writeFileSync(join(folder, 'Dockerfile'), 'FROM node:22\n');
    writeFileSync(join(folder, '.dockerignore'), 'node_modules\n.git\n');
    writeFileSync(join(folder, 'server.js'), 'listen()\n');
    mkdirSync(join(folder, 'node_modules/left-pad'), { recursive: true });
    writeFileSync(join(folder, 'node_modules/left-pad/index.js'), 'pad()\n');
    mkdirSync(join(folder, '.git'));
    writeFileSync(join(folder, '.git/HEAD'), 'ref\n');
    s3.on(HeadObjectCommand).rejects(
      new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
    );
    const request = addressed(buildDigest({ context: folder }).entries);

    const [result] = await uploadBuildContexts([request], clients());

    expect(result?.uploaded).toBe(true);
    const key = request.s3Url.replace('s3://modeshift-artifacts/', '');
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'modeshift-artifacts', Key: key });
    const body = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(
      entriesOf(body)
        .map((entry) => entry.path)
        .sort(),
    ).toEqual(['.dockerignore', 'Dockerfile', 'server.js']);
  });

  it('does not upload a context whose digest’s archive the bucket holds already', async () => {
    writeFileSync(join(folder, 'Dockerfile'), 'FROM node:22\n');
    s3.on(HeadObjectCommand).resolves({ ContentLength: 120 });

    const [result] = await uploadBuildContexts([addressed(['Dockerfile'])], clients());

    expect(result).toMatchObject({ service: 'web', uploaded: false, bytes: 0 });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('stops on an error other than a missing archive, naming it', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(uploadBuildContexts([addressed(['Dockerfile'])], clients())).rejects.toThrow(
      'Access Denied',
    );
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});

describe('build context size cap', () => {
  it('is 500 MiB unless raised', () => {
    expect(DEFAULT_MAX_CONTEXT_BYTES).toBe(500 * MiB);
  });

  it('refuses a context over the cap, naming the service, the size and the flag, and aborts its upload', async () => {
    randomContext(12);

    const refused = uploadBuildContexts([upload(folder, 'api')], clients(), { maxContextBytes: 8 * MiB });

    await expect(refused).rejects.toThrow(ContextTooLargeError);
    await expect(refused).rejects.toThrow(
      /services\.api\.build\.context: .* is more than 8 MiB .*--max-context-size/,
    );
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'upload-1' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('sends nothing when the cap is crossed before the first part is full', async () => {
    randomContext(2);

    await expect(
      uploadBuildContexts([upload(folder)], clients(), { maxContextBytes: 1 * MiB }),
    ).rejects.toThrow(ContextTooLargeError);

    expect(s3.calls()).toHaveLength(0);
  });

  it('stops the other services’ uploads when one context is refused', async () => {
    randomContext(12);
    const small = mkdtempSync(join(tmpdir(), 'modeshift-context-'));
    mkdirSync(join(small, 'src'));
    writeFileSync(join(small, 'src', 'index.js'), 'console.log(1)\n');
    try {
      await expect(
        uploadBuildContexts([upload(folder, 'big'), upload(small, 'small')], clients(), {
          maxContextBytes: 6 * MiB,
        }),
      ).rejects.toThrow(/services\.big\.build\.context/);
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });
});
