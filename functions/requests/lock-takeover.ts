/**
 * Taking over a lock its holder can no longer release: the workflow names
 * its execution the holder when it takes the lock (AcquireLock,
 * `lockExecution`), and once Step Functions says that execution has ended,
 * a request need not wait for the lock's expiry. Kept apart from the queue
 * (environment-queue.ts), which needs DynamoDB only: the request handlers,
 * which have Step Functions at hand, take over; the end of a workflow, which
 * frees the lock of the execution whose event it is, does not ask.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { hasAwsErrorName } from '../aws/errors.ts';
import { type QueueContext, recordKey } from './environment-queue.ts';

/** What taking over a lock needs besides the queue's: Step Functions, asked whether the holder still runs. */
export interface LockContext extends QueueContext {
  readonly sfn: SFNClient;
}

/** A holder execution that has ended: neither running nor about to run again (a redrive asked for). */
function hasEnded(status: string | undefined): boolean {
  return status !== undefined && status !== 'RUNNING' && status !== 'PENDING_REDRIVE';
}

/**
 * Takes over a lock whose holder execution (`lockExecution`, which the
 * workflow's AcquireLock records) has ended without releasing it: its
 * failure path failed at ReleaseLockAfterFailure, or before it. A lock with
 * no holder execution (a request whose workflow has not started yet), and
 * one whose holder Step Functions does not know, is honoured until its
 * expiry. The write is conditional on the holder read, so of two requests
 * taking over the same lock, one does; and like a free lock's, it
 * supersedes the queued request.
 */
export async function takeOverEndedLock(
  context: LockContext,
  request: { project: string; environment: string; deploymentId: string; lockExpiresAt: string },
): Promise<boolean> {
  const { Item } = await context.dynamodb.send(
    new GetItemCommand({
      TableName: context.tableName,
      Key: recordKey(request.project, request.environment),
      ConsistentRead: true,
    }),
  );
  const holder = Item?.lockId?.S;
  const holderExecution = Item?.lockExecution?.S;
  if (holder === undefined || holderExecution === undefined || holder === request.deploymentId) return false;
  if (!(await executionHasEnded(context.sfn, holderExecution))) return false;
  try {
    await context.dynamodb.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: recordKey(request.project, request.environment),
        UpdateExpression:
          'SET #lockId = :id, #lockExpiresAt = :expires, #project = :project, #environment = :environment REMOVE #queued, #lockExecution',
        ConditionExpression: '#lockId = :holder AND #lockExecution = :holderExecution',
        ExpressionAttributeNames: {
          '#lockId': 'lockId',
          '#lockExpiresAt': 'lockExpiresAt',
          '#lockExecution': 'lockExecution',
          '#project': 'project',
          '#environment': 'environment',
          '#queued': 'queued',
        },
        ExpressionAttributeValues: {
          ':id': { S: request.deploymentId },
          ':expires': { S: request.lockExpiresAt },
          ':project': { S: request.project },
          ':environment': { S: request.environment },
          ':holder': { S: holder },
          ':holderExecution': { S: holderExecution },
        },
      }),
    );
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'ConditionalCheckFailedException')) return false;
    throw error;
  }
}

/** Whether the execution has ended; one Step Functions does not know is taken as running. */
async function executionHasEnded(sfn: SFNClient, executionArn: string): Promise<boolean> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return hasEnded(status);
  } catch (error) {
    if (hasAwsErrorName(error, 'ExecutionDoesNotExist')) return false;
    throw error;
  }
}
