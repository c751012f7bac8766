/**
 * The lease that serializes changes to a shared network (core/shared-network.ts)
 * between environments: one item per shared network in the environments table,
 * taken with a conditional write and given back when the work is done.
 *
 * It is held for an environment, by the steps of it that are at work: a set
 * of tokens. The branches of one deploy that run at once (its NAT gateways,
 * its load balancer and target groups) change different pieces, so they share
 * it, and it is free again when the last of them gives its token back
 * (DynamoDB removes a set once it is empty). Another environment waits until
 * then. A step that dies holding it leaves its token behind: the lease runs
 * out {@link LEASE_MS} after it was last taken, and another environment then
 * takes it over; the environment's own next run shares it at once.
 *
 * Hand-written over a lock library: two conditional writes are all it takes,
 * and the lock libraries for DynamoDB bring a table layout and a heartbeat of
 * their own.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StepError } from '../../step-errors.ts';

/** How long a lease holds after it was last taken without being given back: longer than any step's work under it. */
export const LEASE_MS = 2 * 60_000;
/** How long a step waits for a lease before it gives up. */
const WAIT_MS = LEASE_MS + 30_000;
const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 1_000;

/** Where the lease lives and who asks for it. */
export interface LeaseRequest {
  /** The environments table. */
  readonly table: string;
  /** The shared network's record key (`<project>#shared.<mode>`). */
  readonly key: string;
  /** The environment it is held for, `<project>/<environment>`: its steps share it. */
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
  /** The two ways in: join (free, or held for this environment) and take over (run out). */
  const WAYS_IN = {
    // Its token joins those of the environment's other steps at work.
    join: {
      UpdateExpression: 'SET leaseEnvironment = :environment, leaseUntil = :until ADD leaseTokens :token',
      ConditionExpression: 'attribute_not_exists(leaseTokens) OR leaseEnvironment = :environment',
    },
    // The tokens left behind by steps that died go.
    'take over': {
      UpdateExpression: 'SET leaseEnvironment = :environment, leaseUntil = :until, leaseTokens = :token',
      ConditionExpression: 'leaseUntil < :now',
    },
  } as const;
  const take = (now: number, how: keyof typeof WAYS_IN) =>
    ddb.send(
      new UpdateItemCommand({
        TableName: request.table,
        Key: key,
        ...WAYS_IN[how],
        ExpressionAttributeValues: {
          ':environment': { S: request.holder },
          ':until': { N: String(now + LEASE_MS) },
          ':token': { SS: [token] },
          ...(how === 'take over' ? { ':now': { N: String(now) } } : {}),
        },
      }),
    );
  const giveUpAt = clock.now() + WAIT_MS;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const now = clock.now();
    if ((await taken(() => take(now, 'join'))) || (await taken(() => take(now, 'take over')))) break;
    if (now >= giveUpAt) {
      throw new StepError(
        'Modeshift.SharedNetworkBusy',
        `the shared network ${request.key} stayed leased by another environment's deploy or down for ${Math.round(WAIT_MS / 1000)} s; try again`,
      );
    }
    await clock.sleep(pause);
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
  try {
    return await work();
  } finally {
    // Its token out of the set; the set, and so the lease, goes with the last one.
    await ddb.send(
      new UpdateItemCommand({
        TableName: request.table,
        Key: key,
        UpdateExpression: 'DELETE leaseTokens :token',
        ExpressionAttributeValues: { ':token': { SS: [token] } },
      }),
    );
  }
}

/** Whether the conditional write went through; false when its condition did not hold. */
async function taken(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
