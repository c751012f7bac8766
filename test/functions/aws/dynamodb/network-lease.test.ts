import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LEASE_MS, withNetworkLease } from '../../../../functions/aws/dynamodb/network-lease.ts';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });
const REQUEST = { table: 'modeshift-environments', key: 'shop#shared.development', holder: 'shop/pr-1' };

const taken = () => new ConditionalCheckFailedException({ message: 'taken', $metadata: {} });

/** A clock that moves only when the lease waits. */
function fakeClock(start = 1_000_000) {
  let now = start;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
  };
}

const calls = () =>
  ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input as UpdateItemCommandInput);

beforeEach(() => ddb.reset());

describe('withNetworkLease', () => {
  it('takes the lease with a conditional write, runs the work, and gives it back', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    const clock = fakeClock();
    const result = await withNetworkLease(client, REQUEST, async () => 'done', clock);

    expect(result).toBe('done');
    const [take, give] = calls();
    expect(take).toMatchObject({
      TableName: REQUEST.table,
      Key: { pk: { S: REQUEST.key }, sk: { S: 'LEASE' } },
      ConditionExpression:
        'attribute_not_exists(leaseHolder) OR leaseUntil < :now OR begins_with(leaseHolder, :holder)',
      ExpressionAttributeValues: {
        ':until': { N: String(1_000_000 + LEASE_MS) },
        ':now': { N: '1000000' },
        ':holder': { S: 'shop/pr-1/' },
      },
    });
    expect(take?.ExpressionAttributeValues?.[':token']?.S).toMatch(/^shop\/pr-1\//);
    expect(give).toMatchObject({
      UpdateExpression: 'REMOVE leaseHolder, leaseUntil',
      ConditionExpression: 'leaseHolder = :token',
      ExpressionAttributeValues: { ':token': take?.ExpressionAttributeValues?.[':token'] },
    });
  });

  it('waits, backing off, while another holds it', async () => {
    ddb.on(UpdateItemCommand).rejectsOnce(taken()).rejectsOnce(taken()).resolves({});
    const clock = fakeClock();
    let ran = 0;
    await withNetworkLease(client, REQUEST, async () => (ran += 1), clock);

    expect(ran).toBe(1);
    expect(clock.pauses).toEqual([200, 400]);
    expect(calls()).toHaveLength(4);
  });

  it("lets the environment take back a lease one of its own runs held (that run has ended: the environment's lock)", async () => {
    ddb.on(UpdateItemCommand).resolves({});
    await withNetworkLease(client, REQUEST, async () => 1, fakeClock());
    const [take] = calls();
    expect(take?.ConditionExpression).toContain('begins_with(leaseHolder, :holder)');
    expect(take?.ExpressionAttributeValues?.[':holder']).toEqual({ S: 'shop/pr-1/' });
    // `shop/pr-1/` is no prefix of shop/pr-10's tokens.
    expect(take?.ExpressionAttributeValues?.[':token']?.S?.startsWith('shop/pr-10/')).toBe(false);
  });

  it('gives the lease back when the work fails, and the failure goes on', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    const failure = new Error('CreateVpc failed');
    await expect(
      withNetworkLease(client, REQUEST, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls().at(-1)?.UpdateExpression).toBe('REMOVE leaseHolder, leaseUntil');
  });

  it('gives up with Modeshift.SharedNetworkBusy once it has waited longer than a lease lasts, running nothing', async () => {
    ddb.on(UpdateItemCommand).rejects(taken());
    const clock = fakeClock();
    let ran = false;
    await expect(
      withNetworkLease(
        client,
        REQUEST,
        async () => {
          ran = true;
        },
        clock,
      ),
    ).rejects.toMatchObject({ name: 'Modeshift.SharedNetworkBusy', message: /shop#shared\.development/ });
    expect(ran).toBe(false);
    expect(clock.pauses.reduce((sum, pause) => sum + pause, 0)).toBeGreaterThanOrEqual(LEASE_MS);
  });

  it('passes on an error other than a held lease at once', async () => {
    ddb.on(UpdateItemCommand).rejects(new Error('AccessDeniedException'));
    await expect(withNetworkLease(client, REQUEST, async () => 1, fakeClock())).rejects.toThrow(
      'AccessDeniedException',
    );
    expect(calls()).toHaveLength(1);
  });
});
