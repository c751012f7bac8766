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
const joins = (input: UpdateItemCommandInput) => input.UpdateExpression?.includes('ADD leaseTokens') === true;
const takeovers = (input: UpdateItemCommandInput) => input.ConditionExpression === 'leaseUntil < :now';

beforeEach(() => ddb.reset());

describe('withNetworkLease', () => {
  it('joins the lease for its environment with a conditional write, runs the work, and takes its token out', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    const result = await withNetworkLease(client, REQUEST, async () => 'done', fakeClock());

    expect(result).toBe('done');
    const [take, give] = calls();
    expect(take).toMatchObject({
      TableName: REQUEST.table,
      Key: { pk: { S: REQUEST.key }, sk: { S: 'LEASE' } },
      UpdateExpression: 'SET leaseEnvironment = :environment, leaseUntil = :until ADD leaseTokens :token',
      ConditionExpression: 'attribute_not_exists(leaseTokens) OR leaseEnvironment = :environment',
      ExpressionAttributeValues: {
        ':environment': { S: 'shop/pr-1' },
        ':until': { N: String(1_000_000 + LEASE_MS) },
      },
    });
    const token = take?.ExpressionAttributeValues?.[':token']?.SS?.[0];
    expect(token).toMatch(/^shop\/pr-1\//);
    expect(give).toEqual({
      TableName: REQUEST.table,
      Key: { pk: { S: REQUEST.key }, sk: { S: 'LEASE' } },
      UpdateExpression: 'DELETE leaseTokens :token',
      ExpressionAttributeValues: { ':token': { SS: [token] } },
    });
  });

  it('takes over a lease that ran out, replacing the tokens left behind', async () => {
    ddb.on(UpdateItemCommand).rejectsOnce(taken()).resolves({});
    await withNetworkLease(client, REQUEST, async () => 1, fakeClock());

    const [join, takeover] = calls();
    expect(join && joins(join)).toBe(true);
    expect(takeover).toMatchObject({
      UpdateExpression: 'SET leaseEnvironment = :environment, leaseUntil = :until, leaseTokens = :token',
      ConditionExpression: 'leaseUntil < :now',
      ExpressionAttributeValues: { ':now': { N: '1000000' } },
    });
  });

  it('waits, backing off, while another environment holds it', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(taken())
      .rejectsOnce(taken())
      .rejectsOnce(taken())
      .rejectsOnce(taken())
      .resolves({});
    const clock = fakeClock();
    let ran = 0;
    await withNetworkLease(client, REQUEST, async () => (ran += 1), clock);

    expect(ran).toBe(1);
    expect(clock.pauses).toEqual([200, 400]);
    expect(calls().filter(joins)).toHaveLength(3);
    expect(calls().filter(takeovers)).toHaveLength(2);
  });

  it('takes its token out when the work fails, and the failure goes on', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    const failure = new Error('CreateVpc failed');
    await expect(
      withNetworkLease(client, REQUEST, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls().at(-1)?.UpdateExpression).toBe('DELETE leaseTokens :token');
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
