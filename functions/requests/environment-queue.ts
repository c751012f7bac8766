/**
 * One deployment per environment at a time, and what happens to a request
 * that arrives while one runs: it is **queued, superseding** any request
 * already queued for that environment (the newest wins: an older queued
 * deploy would be overwritten by the newer one anyway). When the running
 * workflow ends, its outcome event starts the queued request.
 *
 * The lock is the environment record's `lockId`/`lockExpiresAt`, the same the
 * workflows take (a workflow re-takes the lock its request was given and
 * names itself its holder, `lockExecution`). A lock is taken over when its
 * expiry has passed (a crashed run), or when its holder execution has ended
 * without releasing it (a failure path that failed too): at once, instead of
 * at its expiry (lock-takeover.ts).
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { environmentNames } from '../../core/names.ts';
import { hasAwsErrorName } from '../aws/errors.ts';

/** A request waiting for its environment: the detail it came with. */
export interface QueuedRequest {
  readonly kind: 'deploy' | 'down';
  readonly deploymentId: string;
  readonly detail: unknown;
  readonly queuedAt: string;
}

export interface QueueContext {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly now: Date;
}

/** The environment record's key. */
export const recordKey = (project: string, environment: string) => ({
  pk: { S: environmentNames(project, environment).recordKey },
  sk: { S: 'ENV' },
});

/**
 * Takes the environment's lock for a request, unless another request holds
 * it and it has not expired. Re-taking a lock the same deployment holds
 * succeeds (a retried handler, a workflow after its handler). A lock whose
 * holder execution has ended is taken over by lock-takeover.ts.
 */
export async function acquireLock(
  context: QueueContext,
  request: { project: string; environment: string; deploymentId: string; lockExpiresAt: string },
): Promise<boolean> {
  const names = {
    '#lockId': 'lockId',
    '#lockExpiresAt': 'lockExpiresAt',
    '#project': 'project',
    '#environment': 'environment',
  };
  const values = {
    ':id': { S: request.deploymentId },
    ':expires': { S: request.lockExpiresAt },
    ':project': { S: request.project },
    ':environment': { S: request.environment },
  };
  // A free (or expired) lock: this request is newer than anything still queued, which it supersedes.
  // Until its workflow names itself the holder, the lock has none (an expired holder's name goes).
  try {
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(request.project, request.environment),
        UpdateExpression:
          'SET #lockId = :id, #lockExpiresAt = :expires, #project = :project, #environment = :environment REMOVE #queued, #lockExecution',
        ConditionExpression: 'attribute_not_exists(#lockId) OR #lockExpiresAt < :now',
        ExpressionAttributeNames: { ...names, '#queued': 'queued', '#lockExecution': 'lockExecution' },
        ExpressionAttributeValues: { ...values, ':now': { S: context.now.toISOString() } },
      }),
    );
    return true;
  } catch (error) {
    if (!hasAwsErrorName(error, 'ConditionalCheckFailedException')) throw error;
  }
  // The lock this deployment holds already: re-taken, the queue left as it is.
  try {
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(request.project, request.environment),
        UpdateExpression:
          'SET #lockId = :id, #lockExpiresAt = :expires, #project = :project, #environment = :environment',
        ConditionExpression: '#lockId = :id',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'ConditionalCheckFailedException')) return false;
    throw error;
  }
}

/** Releases a lock this deployment holds (a start that failed); another's lock is left alone. */
export async function releaseLock(
  context: QueueContext,
  request: { project: string; environment: string; deploymentId: string },
): Promise<void> {
  try {
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(request.project, request.environment),
        UpdateExpression: 'REMOVE #lockId, #lockExpiresAt, #lockExecution',
        ConditionExpression: '#lockId = :id',
        ExpressionAttributeNames: {
          '#lockId': 'lockId',
          '#lockExpiresAt': 'lockExpiresAt',
          '#lockExecution': 'lockExecution',
        },
        ExpressionAttributeValues: { ':id': { S: request.deploymentId } },
      }),
    );
  } catch (error) {
    if (!hasAwsErrorName(error, 'ConditionalCheckFailedException')) throw error;
  }
}

/**
 * Queues a request for a busy environment. It supersedes a request queued
 * before it; the superseded one's deployment id is returned.
 */
export async function enqueue(
  context: QueueContext,
  project: string,
  environment: string,
  request: QueuedRequest,
): Promise<{ superseded?: string } | undefined> {
  let Attributes: Record<string, { S?: string }> | undefined;
  try {
    ({ Attributes } = await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(project, environment),
        UpdateExpression: 'SET #queued = :queued',
        // Only behind a live lock of another request: otherwise no workflow's end would start it.
        ConditionExpression: 'attribute_exists(#lockId) AND #lockId <> :id AND #lockExpiresAt >= :now',
        ExpressionAttributeNames: {
          '#queued': 'queued',
          '#lockId': 'lockId',
          '#lockExpiresAt': 'lockExpiresAt',
        },
        ExpressionAttributeValues: {
          ':queued': { S: JSON.stringify(request) },
          ':id': { S: request.deploymentId },
          ':now': { S: context.now.toISOString() },
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    ));
  } catch (error) {
    if (hasAwsErrorName(error, 'ConditionalCheckFailedException')) return undefined;
    throw error;
  }
  const previous = Attributes?.queued?.S;
  if (previous === undefined) return {};
  const superseded = (JSON.parse(previous) as QueuedRequest).deploymentId;
  return superseded === request.deploymentId ? {} : { superseded };
}

/**
 * Takes the queued request off the queue and the lock for it in one write,
 * when the environment is free; undefined when nothing is queued or the
 * environment is still busy. `finished` is the execution whose outcome event
 * calls this: its event is the last thing it does, so a lock it still holds
 * (its failure path could not release it) is free for the queued request.
 */
export async function dequeue(
  context: QueueContext,
  project: string,
  environment: string,
  lockExpiresAt: string,
  finished?: string,
): Promise<QueuedRequest | undefined> {
  const { Item } = await context.dynamodb.send(
    new GetItemCommand({
      TableName: context.tableName,
      Key: recordKey(project, environment),
      ConsistentRead: true,
    }),
  );
  const text = Item?.queued?.S;
  if (text === undefined) return undefined;
  const queued = JSON.parse(text) as QueuedRequest;
  const heldByFinished = finished === undefined ? '' : ' OR #lockExecution = :finished';
  try {
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(project, environment),
        UpdateExpression: 'SET #lockId = :id, #lockExpiresAt = :expires REMOVE #queued, #lockExecution',
        ConditionExpression: `#queued = :queued AND (attribute_not_exists(#lockId) OR #lockId = :id OR #lockExpiresAt < :now${heldByFinished})`,
        ExpressionAttributeNames: {
          '#lockId': 'lockId',
          '#lockExpiresAt': 'lockExpiresAt',
          '#lockExecution': 'lockExecution',
          '#queued': 'queued',
        },
        ExpressionAttributeValues: {
          ':id': { S: queued.deploymentId },
          ':expires': { S: lockExpiresAt },
          ':now': { S: context.now.toISOString() },
          ':queued': { S: text },
          ...(finished === undefined ? {} : { ':finished': { S: finished } }),
        },
      }),
    );
    return queued;
  } catch (error) {
    if (hasAwsErrorName(error, 'ConditionalCheckFailedException')) return undefined;
    throw error;
  }
}
