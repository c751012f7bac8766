import {
  GetItemCommand,
  type GetItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ModeTagReader,
  requestDowns,
  resourceModeTags,
  type SweepCandidate,
  selectForSweep,
} from '../../core/sweep.ts';
import {
  clients,
  DAY,
  deployedRecord,
  dynamodb,
  eventbridge,
  HOUR,
  NOW,
  NOW_S,
  resetSweepMocks,
  tagging,
} from '../support/sweep-fixtures.ts';

const TABLE = 'modeshift-environments';

type Row = Record<string, unknown>;

const RANGE_KEYS: Record<string, string> = {
  byModeAndExpiry: 'expiresAt',
  byModeAndActivity: 'lastActivityAt',
};

/**
 * The environments table behind the mock: GetItem reads the records; Query
 * reads a sparse index over them (`indexView` lets a test make the index
 * disagree with the record, as a stale or forged entry would), evaluating the
 * key condition and paging `pageSize` entries at a time.
 */
function serveTable(records: Row[], options: { pageSize?: number; indexView?: Record<string, Row> } = {}) {
  const pageSize = options.pageSize ?? 1000;
  dynamodb.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
    const key = unmarshall(input.Key ?? {});
    const found = records.find((row) => row.pk === key.pk && row.sk === key.sk);
    return { ...(found ? { Item: marshall(found) } : {}) };
  });
  dynamodb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const range = RANGE_KEYS[input.IndexName ?? ''];
    if (!range) throw new Error(`no index ${input.IndexName}`);
    const names = input.ExpressionAttributeNames ?? {};
    const values = unmarshall(input.ExpressionAttributeValues ?? {});
    const attr = (token: string) => names[token] ?? token;
    const value = (token: string) => values[token];
    const between =
      /^(\S+) = (:\w+) AND (\S+) BETWEEN (:\w+) AND (:\w+)$/.exec(input.KeyConditionExpression ?? '') ??
      undefined;
    const less = /^(\S+) = (:\w+) AND (\S+) < (:\w+)$/.exec(input.KeyConditionExpression ?? '') ?? undefined;
    const match = (row: Row) => {
      if (between) {
        const [, hash, hashValue, sort, low, high] = between as unknown as string[];
        if (attr(sort as string) !== range) throw new Error(`${range} is the range key`);
        const n = row[range] as number;
        return (
          row[attr(hash as string)] === value(hashValue as string) &&
          n >= value(low as string) &&
          n <= value(high as string)
        );
      }
      if (less) {
        const [, hash, hashValue, sort, bound] = less as unknown as string[];
        if (attr(sort as string) !== range) throw new Error(`${range} is the range key`);
        return (
          row[attr(hash as string)] === value(hashValue as string) &&
          (row[range] as number) < value(bound as string)
        );
      }
      throw new Error(`unexpected key condition ${input.KeyConditionExpression}`);
    };
    const entries = records
      .map((row) => ({ ...row, ...(options.indexView?.[row.pk as string] ?? {}) }))
      .filter((row) => row.sweepMode !== undefined && row[range] !== undefined)
      .filter(match)
      .sort(
        (a, b) => (a[range] as number) - (b[range] as number) || String(a.pk).localeCompare(String(b.pk)),
      );
    const startKey = input.ExclusiveStartKey ? unmarshall(input.ExclusiveStartKey) : undefined;
    const from = startKey ? entries.findIndex((row) => row.pk === startKey.pk) + 1 : 0;
    const page = entries.slice(from, from + Math.min(pageSize, input.Limit ?? pageSize));
    const last = page.at(-1);
    const rest = from + page.length < entries.length;
    return {
      Items: page.map((row) => marshall(row)),
      ...(rest && last
        ? {
            LastEvaluatedKey: marshall({
              pk: last.pk,
              sk: last.sk,
              sweepMode: last.sweepMode,
              [range]: last[range],
            }),
          }
        : {}),
    };
  });
}

/** The tags of every environment's resources: development unless a test says otherwise. */
function tagsOf(byEnvironment: Record<string, string[]> = {}): ModeTagReader {
  return async (_project, environment) =>
    (byEnvironment[environment] ?? ['development']).map((mode) => ({ 'modeshift:mode': mode }));
}

const select = (options: { tags?: ModeTagReader; maxIdleSeconds?: number; limit?: number } = {}) =>
  selectForSweep({
    dynamodb: clients.dynamodb,
    tableName: TABLE,
    now: NOW,
    tags: options.tags ?? tagsOf(),
    ...(options.maxIdleSeconds !== undefined ? { maxIdleSeconds: options.maxIdleSeconds } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });

const names = (candidates: readonly { environment: string }[]) => candidates.map((c) => c.environment).sort();

beforeEach(() => {
  resetSweepMocks();
});

describe('selectForSweep — what is due', () => {
  it('selects a development environment whose ttl has passed, as expired', async () => {
    serveTable([
      deployedRecord('pr-1', { expiresAt: NOW_S - HOUR }),
      deployedRecord('pr-2', { expiresAt: NOW_S + HOUR }),
    ]);

    const { selected, skipped, more } = await select();

    expect(selected).toEqual([
      {
        project: 'shop',
        environment: 'pr-1',
        reason: 'expired',
        expiresAt: NOW_S - HOUR,
        lastActivityAt: NOW_S - HOUR,
      },
    ]);
    expect(skipped).toEqual([]);
    expect(more).toBe(false);
  });

  it('selects a development environment idle longer than the maximum, as idle', async () => {
    serveTable([
      deployedRecord('pr-old', { lastActivityAt: NOW_S - 8 * DAY }),
      deployedRecord('pr-recent', { lastActivityAt: NOW_S - 6 * DAY }),
    ]);

    const { selected } = await select();

    expect(selected).toEqual([
      { project: 'shop', environment: 'pr-old', reason: 'idle', lastActivityAt: NOW_S - 8 * DAY },
    ]);
  });

  it('sweeps no idle environment when the maximum idle time is 0', async () => {
    serveTable([deployedRecord('pr-old', { lastActivityAt: NOW_S - 30 * DAY })]);

    const { selected } = await select({ maxIdleSeconds: 0 });

    expect(selected).toEqual([]);
    expect(dynamodb).not.toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byModeAndActivity' });
  });

  it('never selects an environment without a ttl for expiry (expiresAt 0)', async () => {
    serveTable([deployedRecord('pr-forever', { expiresAt: 0 })]);

    const { selected } = await select();

    expect(selected).toEqual([]);
  });

  it('lists an environment both expired and idle once, as expired', async () => {
    serveTable([deployedRecord('pr-1', { expiresAt: NOW_S - DAY, lastActivityAt: NOW_S - 10 * DAY })]);

    const { selected } = await select();

    expect(selected).toHaveLength(1);
    expect(selected[0]).toMatchObject({ environment: 'pr-1', reason: 'expired' });
  });

  it('asks the indexes for development environments only, with queries', async () => {
    serveTable([]);

    await select();

    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'byModeAndExpiry',
      ExpressionAttributeValues: expect.objectContaining({
        ':mode': { S: 'development' },
        ':now': { N: String(NOW_S) },
      }),
    });
    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'byModeAndActivity',
      ExpressionAttributeValues: expect.objectContaining({
        ':mode': { S: 'development' },
        ':cutoff': { N: String(NOW_S - 7 * DAY) },
      }),
    });
    expect(dynamodb).not.toHaveReceivedCommand(ScanCommand);
  });
});

describe('selectForSweep — only development', () => {
  it('selects only the development environments among expired ones of every mode', async () => {
    serveTable([
      deployedRecord('dev', { expiresAt: NOW_S - HOUR }),
      deployedRecord('stage', { mode: 'staging', sweepMode: 'staging', expiresAt: NOW_S - HOUR }),
      deployedRecord('prod', { mode: 'production', sweepMode: 'production', expiresAt: NOW_S - HOUR }),
    ]);

    const { selected, skipped } = await select();

    expect(names(selected)).toEqual(['dev']);
    expect(skipped).toEqual([]);
  });

  it('skips a production record the index lists as development (a forged or stale entry)', async () => {
    serveTable([deployedRecord('main', { mode: 'production', expiresAt: NOW_S - HOUR })]);

    const { selected, skipped } = await select();

    expect(selected).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({
        environment: 'main',
        due: 'expired',
        reason: 'record says mode production, not development',
      }),
    ]);
  });

  it('skips an environment one of whose resources is tagged modeshift:mode=production', async () => {
    serveTable([
      deployedRecord('pr-1', { expiresAt: NOW_S - HOUR }),
      deployedRecord('pr-2', { expiresAt: NOW_S - HOUR }),
    ]);

    const { selected, skipped } = await select({ tags: tagsOf({ 'pr-1': ['development', 'production'] }) });

    expect(names(selected)).toEqual(['pr-2']);
    expect(skipped).toEqual([
      expect.objectContaining({
        environment: 'pr-1',
        reason: expect.stringContaining('tag says production'),
      }),
    ]);
  });

  it('selects a development environment that has no tagged resources left', async () => {
    serveTable([deployedRecord('pr-1', { expiresAt: NOW_S - HOUR })]);

    const { selected } = await select({ tags: tagsOf({ 'pr-1': [] }) });

    expect(names(selected)).toEqual(['pr-1']);
  });

  it("skips an environment whose resources' tags cannot be read", async () => {
    serveTable([deployedRecord('pr-1', { expiresAt: NOW_S - HOUR })]);

    const { selected, skipped } = await select({
      tags: async () => {
        throw new Error('AccessDenied');
      },
    });

    expect(selected).toEqual([]);
    expect(skipped[0]?.reason).toContain('AccessDenied');
  });
});

describe('selectForSweep — record checks', () => {
  it('skips an environment locked by a deployment in progress', async () => {
    serveTable([
      deployedRecord('pr-1', {
        expiresAt: NOW_S - HOUR,
        lockId: 'build-7',
        lockExpiresAt: new Date((NOW_S + HOUR) * 1000).toISOString(),
      }),
    ]);

    const { selected, skipped } = await select();

    expect(selected).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({
        environment: 'pr-1',
        reason: expect.stringMatching(/^locked by build-7 until/),
      }),
    ]);
  });

  it('selects an environment whose lock has expired', async () => {
    serveTable([
      deployedRecord('pr-1', {
        expiresAt: NOW_S - HOUR,
        lockId: 'build-7',
        lockExpiresAt: new Date((NOW_S - 60) * 1000).toISOString(),
      }),
    ]);

    const { selected } = await select();

    expect(names(selected)).toEqual(['pr-1']);
  });

  it('skips an environment already down or tearing down', async () => {
    serveTable([
      deployedRecord('pr-1', { expiresAt: NOW_S - HOUR, status: 'down' }),
      deployedRecord('pr-2', { expiresAt: NOW_S - HOUR, status: 'tearing-down' }),
    ]);

    const { selected, skipped } = await select();

    expect(selected).toEqual([]);
    expect(skipped.map((s) => s.reason).sort()).toEqual([
      'record says status down',
      'record says status tearing-down',
    ]);
  });

  it('skips an environment the index still lists as expired after a redeploy moved its ttl', async () => {
    serveTable([deployedRecord('pr-1', { expiresAt: NOW_S + DAY })], {
      indexView: { 'shop#pr-1': { expiresAt: NOW_S - HOUR } },
    });

    const { selected, skipped } = await select();

    expect(selected).toEqual([]);
    expect(skipped[0]?.reason).toMatch(/^no longer expired/);
  });

  it('reads each record consistently', async () => {
    serveTable([deployedRecord('pr-1', { expiresAt: NOW_S - HOUR })]);

    await select();

    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'shop#pr-1' }, sk: { S: 'ENV' } },
      ConsistentRead: true,
    });
  });
});

describe('selectForSweep — paging and limits', () => {
  const expired = (count: number) =>
    Array.from({ length: count }, (_, i) => deployedRecord(`pr-${i}`, { expiresAt: NOW_S - DAY + i }));

  it('gathers 120 environments over 3 pages with Query, never Scan', async () => {
    serveTable(expired(120), { pageSize: 40 });

    const { selected, more } = await select({ maxIdleSeconds: 0, limit: 500 });

    expect(selected).toHaveLength(120);
    expect(new Set(names(selected)).size).toBe(120);
    expect(more).toBe(false);
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 3);
    expect(dynamodb).toHaveReceivedNthCommandWith(QueryCommand, 2, {
      ExclusiveStartKey: expect.objectContaining({ pk: { S: 'shop#pr-39' } }),
    });
    expect(dynamodb).not.toHaveReceivedCommand(ScanCommand);
  });

  it('stops at the limit, checks no more than it, and says there is more', async () => {
    serveTable(expired(120), { pageSize: 40 });

    const { selected, more } = await select({ limit: 50 });

    expect(selected).toHaveLength(50);
    expect(more).toBe(true);
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 50);
    expect(dynamodb).not.toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byModeAndActivity' });
  });

  it('asks each page for no more entries than the limit still needs', async () => {
    serveTable(expired(120), { pageSize: 40 });

    await select({ limit: 50 });

    expect(dynamodb).toHaveReceivedNthCommandWith(QueryCommand, 1, { Limit: 50 });
    expect(dynamodb).toHaveReceivedNthCommandWith(QueryCommand, 2, { Limit: 10 });
  });

  it('takes the oldest expiry first when the limit cuts the list', async () => {
    serveTable(expired(5));

    const { selected } = await select({ limit: 2 });

    expect(selected.map((c) => c.environment)).toEqual(['pr-0', 'pr-1']);
  });

  it('says there is no more when everything fits in the limit', async () => {
    serveTable(expired(3));

    const { selected, more } = await select({ limit: 50 });

    expect(selected).toHaveLength(3);
    expect(more).toBe(false);
  });
});

describe('requestDowns', () => {
  const candidates: SweepCandidate[] = Array.from({ length: 23 }, (_, i) => ({
    project: 'shop',
    environment: `pr-${i}`,
    reason: i % 2 === 0 ? 'expired' : 'idle',
    lastActivityAt: NOW_S - DAY,
  }));

  it('publishes a Down Requested event per environment, ten to a call', async () => {
    eventbridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));

    const { requested, failed } = await requestDowns(candidates, {
      eventbridge: clients.eventbridge,
      busName: 'modeshift',
      now: NOW,
    });

    expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const sizes = eventbridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    expect(requested).toHaveLength(23);
    expect(failed).toEqual([]);
    const first = eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      EventBusName: 'modeshift',
      Source: 'modeshift',
      DetailType: 'Down Requested',
    });
    expect(JSON.parse(first?.Detail ?? '{}')).toEqual({
      project: 'shop',
      environment: 'pr-0',
      deploymentId: 'sweep-20261126090000',
      reason: 'expired',
    });
  });

  it('reports the entries the bus refused and the batch whose call failed', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: Array.from({ length: 10 }, (_, i) =>
          i === 3 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `id-${i}` },
        ),
      })
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }, { EventId: 'c' }] });

    const { requested, failed } = await requestDowns(candidates, {
      eventbridge: clients.eventbridge,
      busName: 'modeshift',
      now: NOW,
    });

    expect(requested).toHaveLength(12);
    expect(failed).toHaveLength(11);
    expect(failed[0]).toMatchObject({
      environment: 'pr-3',
      errorCode: 'InternalFailure',
      errorMessage: 'try again',
    });
    expect(failed.slice(1).every((down) => down.errorCode === 'ThrottlingException')).toBe(true);
    expect(names(failed.slice(1))).toEqual(names(candidates.slice(10, 20)));
  });
});

describe('resourceModeTags', () => {
  it("reads every page of the environment's resources and returns their distinct modes", async () => {
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:1', Tags: [{ Key: 'modeshift:mode', Value: 'development' }] },
          { ResourceARN: 'arn:2', Tags: [{ Key: 'modeshift:mode', Value: 'development' }] },
        ],
        PaginationToken: 'next',
      })
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:3', Tags: [{ Key: 'modeshift:mode', Value: 'production' }] },
          { ResourceARN: 'arn:4', Tags: [{ Key: 'Name', Value: 'untagged-mode' }] },
        ],
        PaginationToken: '',
      });

    const modes = await resourceModeTags({ tagging: clients.tagging })('shop', 'pr-1');

    expect(modes).toEqual([{ 'modeshift:mode': 'development' }, { 'modeshift:mode': 'production' }]);
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 2);
    expect(tagging).toHaveReceivedNthCommandWith(GetResourcesCommand, 1, {
      TagFilters: [
        { Key: 'modeshift:project', Values: ['shop'] },
        { Key: 'modeshift:environment', Values: ['pr-1'] },
      ],
    });
    expect(tagging).toHaveReceivedNthCommandWith(GetResourcesCommand, 2, { PaginationToken: 'next' });
  });
});
