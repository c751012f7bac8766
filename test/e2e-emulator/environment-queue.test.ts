// Against the local AWS's DynamoDB: the environment lock and queue, with real conditional writes.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { acquireLock, dequeue, enqueue } from '../../functions/requests/environment-queue.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const at = (iso: string) => ({
  dynamodb: aws.target().clients('dynamodb') as DynamoDBClient,
  tableName: aws.target().names.tableName,
  now: new Date(iso),
});
const lock = (deploymentId: string, lockExpiresAt: string) => ({
  project: 'shop',
  environment: 'pr-1',
  deploymentId,
  lockExpiresAt,
});

describe('environment lock and queue on the local AWS', () => {
  it('gives the lock to one deployment at a time', async () => {
    expect(await acquireLock(at('2026-11-26T08:00:00Z'), lock('a', '2026-11-26T11:00:00Z'))).toBe(true);

    expect(await acquireLock(at('2026-11-26T08:01:00Z'), lock('b', '2026-11-26T11:01:00Z'))).toBe(false);
    expect(await acquireLock(at('2026-11-26T08:01:00Z'), lock('a', '2026-11-26T11:01:00Z'))).toBe(true);
  });

  it('takes over a lock whose holder crashed once it has expired', async () => {
    await acquireLock(at('2026-11-26T08:00:00Z'), lock('crashed', '2026-11-26T11:00:00Z'));

    expect(await acquireLock(at('2026-11-26T11:00:01Z'), lock('next', '2026-11-26T14:00:01Z'))).toBe(true);
  });

  it('keeps only the newest queued request, and starts it only when the environment is free', async () => {
    await acquireLock(at('2026-11-26T08:00:00Z'), lock('running', '2026-11-26T11:00:00Z'));
    const context = at('2026-11-26T08:05:00Z');
    await enqueue(context, 'shop', 'pr-1', {
      kind: 'deploy',
      deploymentId: 'older',
      detail: {},
      queuedAt: '',
    });

    const queued = await enqueue(context, 'shop', 'pr-1', {
      kind: 'deploy',
      deploymentId: 'newer',
      detail: {},
      queuedAt: '',
    });

    expect(queued?.superseded).toBe('older');
    expect(await dequeue(context, 'shop', 'pr-1', '2026-11-26T11:05:00Z')).toBeUndefined();
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: { pk: { S: 'shop#pr-1' }, sk: { S: 'ENV' } },
        UpdateExpression: 'REMOVE lockId, lockExpiresAt',
      }),
    );
    expect(await dequeue(context, 'shop', 'pr-1', '2026-11-26T11:05:00Z')).toMatchObject({
      deploymentId: 'newer',
    });
    expect(await acquireLock(context, lock('other', '2026-11-26T11:05:00Z'))).toBe(false);
  });
});
