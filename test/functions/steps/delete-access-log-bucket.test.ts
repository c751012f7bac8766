import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListObjectVersionsCommand,
  NoSuchBucket,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { accessLogBucketName, environmentNames } from '../../../core/names.ts';
import {
  type DeleteAccessLogBucketInput,
  deleteAccessLogBucket,
} from '../../../functions/steps/delete-access-log-bucket.ts';

const s3 = mockClient(S3Client);
const clients = { s3: new S3Client({ region: 'us-east-1' }) };

const input: DeleteAccessLogBucketInput = {
  project: 'shop',
  environment: 'pr-42',
  names: environmentNames('shop', 'pr-42'),
  environmentTags: modeshiftTags('shop', 'pr-42', 'development', '').slice(0, 2),
  accountId: '111122223333',
  region: 'eu-west-1',
};
const BUCKET = accessLogBucketName('shop', 'pr-42', '111122223333', 'eu-west-1');

const s3Error = (name: string) =>
  new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode: 409 } });

const versions = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    Key: `shop-pr-42/AWSLogs/log-${from + i}.gz`,
    VersionId: `v${from + i}`,
  }));

function taggedBucket(tags = modeshiftTags('shop', 'pr-42', 'development', 'deploy-1')) {
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: tags });
  s3.on(DeleteObjectsCommand).resolves({});
}

beforeEach(() => {
  s3.reset();
});

describe('DeleteAccessLogBucket', () => {
  it('does nothing when the bucket does not exist', async () => {
    s3.on(GetBucketTaggingCommand).rejects(new NoSuchBucket({ message: 'no bucket', $metadata: {} }));

    const result = await deleteAccessLogBucket(input, clients);

    expect(result).toEqual({});
    expect(s3).toHaveReceivedCommandWith(GetBucketTaggingCommand, { Bucket: BUCKET });
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('deletes an empty bucket of this environment', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });

    await deleteAccessLogBucket(input, clients);

    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, { Bucket: BUCKET });
  });

  it('names this account as the owner on every call, so a same-named bucket in another account is refused', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false, Versions: versions(0, 2) });

    await deleteAccessLogBucket(input, clients);

    const calls = s3.calls().map((call) => call.args[0]);
    expect(calls).toHaveLength(4);
    for (const command of calls) {
      expect(command.input, command.constructor.name).toMatchObject({
        Bucket: BUCKET,
        ExpectedBucketOwner: '111122223333',
      });
    }
  });

  it('deletes every object version and delete marker, page by page, before the bucket', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: true,
      Versions: versions(0, 2),
      DeleteMarkers: [{ Key: 'shop-pr-42/AWSLogs/log-0.gz', VersionId: 'marker-0' }],
      NextKeyMarker: 'shop-pr-42/AWSLogs/log-1.gz',
      NextVersionIdMarker: 'v1',
    });
    s3.on(ListObjectVersionsCommand, {
      KeyMarker: 'shop-pr-42/AWSLogs/log-1.gz',
      VersionIdMarker: 'v1',
    }).resolves({
      IsTruncated: false,
      Versions: versions(2, 1),
    });

    await deleteAccessLogBucket(input, clients);

    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: BUCKET,
      Delete: {
        Objects: [...versions(0, 2), { Key: 'shop-pr-42/AWSLogs/log-0.gz', VersionId: 'marker-0' }],
        Quiet: true,
      },
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: BUCKET,
      Delete: { Objects: versions(2, 1), Quiet: true },
    });
    const order = s3.calls().map((call) => call.args[0].constructor.name);
    expect(order.at(-1)).toBe('DeleteBucketCommand');
  });

  it('deletes in batches of at most 1000 objects', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: versions(0, 800),
      DeleteMarkers: versions(800, 400),
    });

    await deleteAccessLogBucket(input, clients);

    const batches = s3
      .commandCalls(DeleteObjectsCommand)
      .map((call) => call.args[0].input.Delete?.Objects?.length);
    expect(batches).toEqual([1000, 200]);
  });

  it('empties again when a last log file lands before the bucket is deleted', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false, Versions: versions(0, 1) });
    s3.on(DeleteBucketCommand).rejectsOnce(s3Error('BucketNotEmpty')).resolves({});

    await deleteAccessLogBucket(input, clients);

    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 2);
    expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 2);
  });

  it('stops with BucketNotEmptied when S3 refuses to delete an object', async () => {
    taggedBucket();
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false, Versions: versions(0, 2) });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'shop-pr-42/AWSLogs/log-1.gz', Code: 'AccessDenied', Message: 'object is locked' }],
    });

    await expect(deleteAccessLogBucket(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.BucketNotEmptied',
      message: expect.stringContaining('log-1.gz'),
    });
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('never empties a bucket of that name tagged for another environment', async () => {
    taggedBucket(modeshiftTags('shop-pr', '42', 'production', 'deploy-1'));

    await expect(deleteAccessLogBucket(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining(BUCKET),
    });
    expect(s3).not.toHaveReceivedCommand(ListObjectVersionsCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('never empties an untagged bucket of that name', async () => {
    s3.on(GetBucketTaggingCommand).rejects(s3Error('NoSuchTagSet'));

    await expect(deleteAccessLogBucket(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });
});
