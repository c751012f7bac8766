/**
 * The lease that serializes changes to a shared network (core/shared-network.ts):
 * one item per shared network in the environments table, taken with a
 * conditional write and given back when the work is done. A step that dies
 * holding it loses it when it runs out, so a crash never blocks the project's
 * other environments for longer than {@link LEASE_MS}; and the environment it
 * held it for takes it back at once, since the environment's lock lets only one
 * of its runs go at a time: the run that held it has ended. (Steps of one run
 * that overlap, the branches of the deploy's Foundations, change different
 * pieces: its NAT gateways, its load balancer and target groups.)
 *
 * Hand-written over a lock library: the one conditional write is all it
 * takes, and the lock libraries for DynamoDB bring a table layout and a
 * heartbeat of their own.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StepError } from '../../step-errors.ts';

/** How long a lease holds without being given back: longer than any step's work under it. */
export const LEASE_MS = 2 * 60_000;
/** How long a step waits for a lease before it gives up. */
const WAIT_MS = LEASE_MS + 30_000;
const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 3_000;

/** Where the lease lives and who asks for it. */
export interface LeaseRequest {
  /** The environments table. */
  readonly table: string;
  /** The shared network's record key (`<project>#shared.<mode>`). */
  readonly key: string;
  /** The environment it is held for, `<project>/<environment>`: it may take back its own. */
  readonly holder: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` holding the lease, and gives it back however `work` ends.
 *
 * @throws StepError `Modeshift.SharedNetworkBusy` when another environment
 * held it for longer than a lease lasts.
 */
export async function withNetworkLease<T>(
  ddb: DynamoDBClient,
  request: LeaseRequest,
  work: () => Promise<T>,
  clock: { now: () => number; sleep: (ms: number) => Promise<unknown> } = { now: Date.now, sleep },
): Promise<T> {
  const token = `${request.holder}/${randomUUID()}`;
  const key = { pk: { S: request.key }, sk: { S: 'LEASE' } };
  const giveUpAt = clock.now() + WAIT_MS;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const now = clock.now();
    try {
      await ddb.send(
        new UpdateItemCommand({
          TableName: request.table,
          Key: key,
          UpdateExpression: 'SET leaseHolder = :token, leaseUntil = :until',
          ConditionExpression:
            'attribute_not_exists(leaseHolder) OR leaseUntil < :now OR begins_with(leaseHolder, :holder)',
          ExpressionAttributeValues: {
            ':token': { S: token },
            ':until': { N: String(now + LEASE_MS) },
            ':now': { N: String(now) },
            ':holder': { S: `${request.holder}/` },
          },
        }),
      );
      break;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      if (now >= giveUpAt) {
        throw new StepError(
          'Modeshift.SharedNetworkBusy',
          `the shared network ${request.key} stayed leased by another environment's deploy or down for ${Math.round(WAIT_MS / 1000)} s; try again`,
        );
      }
      await clock.sleep(pause);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
  try {
    return await work();
  } finally {
    await ddb
      .send(
        new UpdateItemCommand({
          TableName: request.table,
          Key: key,
          UpdateExpression: 'REMOVE leaseHolder, leaseUntil',
          ConditionExpression: 'leaseHolder = :token',
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      )
      .catch((error: unknown) => {
        // Lost to a takeover after it ran out: nothing of ours to give back.
        if (!isConditionFailed(error)) throw error;
      });
  }
}

function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
