import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findLogSources, followLogLines, type LogSource, readLogLines } from '../../cli/environment-logs.ts';

const logs = mockClient(CloudWatchLogsClient);
const client = () => new CloudWatchLogsClient({ region: 'us-east-1' });

const source = (service: string, kind: 'service' | 'build' = 'service'): LogSource => ({
  label: kind === 'service' ? service : `build:${service}`,
  service,
  kind,
  logGroupName:
    kind === 'service' ? `/modeshift/shop/pr-1/${service}` : `/aws/codebuild/shop--pr-1--${service}`,
});

const event = (id: string, timestamp: number, message = id): FilteredLogEvent => ({
  eventId: id,
  timestamp,
  message,
  logStreamName: 's',
});

beforeEach(() => logs.reset());

describe('finding an environment’s log groups', () => {
  it('pages through the groups, keeps only its services’ own, and labels builds', async () => {
    logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/modeshift/shop/pr-1/' })
      .resolvesOnce({
        logGroups: [{ logGroupName: '/modeshift/shop/pr-1/web', retentionInDays: 1 }],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        logGroups: [
          { logGroupName: '/modeshift/shop/pr-1/api' },
          { logGroupName: '/modeshift/shop/pr-1/api/nested' },
        ],
      });
    logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/codebuild/shop--pr-1--' })
      .resolves({ logGroups: [{ logGroupName: '/aws/codebuild/shop--pr-1--web' }] });

    const sources = await findLogSources(client(), { project: 'shop', environment: 'pr-1', builds: true });

    expect(sources.map(({ label, logGroupName }) => [label, logGroupName])).toEqual([
      ['api', '/modeshift/shop/pr-1/api'],
      ['web', '/modeshift/shop/pr-1/web'],
      ['build:web', '/aws/codebuild/shop--pr-1--web'],
    ]);
    expect(sources[1]?.retentionInDays).toBe(1);
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, { nextToken: 'page-2' });
  });

  it('keeps only the services asked for, and reads no build groups unless asked', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [{ logGroupName: '/modeshift/shop/pr-1/api' }, { logGroupName: '/modeshift/shop/pr-1/web' }],
    });

    const sources = await findLogSources(client(), {
      project: 'shop',
      environment: 'pr-1',
      services: ['web'],
    });

    expect(sources.map((found) => found.label)).toEqual(['web']);
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 1);
  });
});

describe('reading a window of lines', () => {
  it('merges the groups’ lines in time order across pages, each labelled with its service', async () => {
    logs
      .on(FilterLogEventsCommand, { logGroupName: '/modeshift/shop/pr-1/web' })
      .resolvesOnce({ events: [event('w1', 1000), event('w2', 3000)], nextToken: 'more' })
      .resolvesOnce({ events: [event('w3', 5000)] });
    logs
      .on(FilterLogEventsCommand, { logGroupName: '/modeshift/shop/pr-1/api' })
      .resolves({ events: [event('a1', 2000), event('a2', 4000, 'last line\n')] });

    const lines = await readLogLines(client(), [source('web'), source('api')], {
      startTime: 0,
      endTime: 10_000,
      filterPattern: 'ERROR',
    });

    expect(lines.map((line) => `${line.label}:${line.eventId}`)).toEqual([
      'web:w1',
      'api:a1',
      'web:w2',
      'api:a2',
      'web:w3',
    ]);
    expect(lines[3]?.message).toBe('last line');
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: '/modeshift/shop/pr-1/web',
      startTime: 0,
      endTime: 10_000,
      filterPattern: 'ERROR',
      nextToken: 'more',
    });
  });
});

describe('following the lines', () => {
  it('gives each line once across overlapping polls, and a line that became searchable late', async () => {
    const polls: FilteredLogEvent[][] = [
      [event('1', 10_000), event('2', 20_000)],
      // the next poll reads again from 30 s before the newest line: 1 and 2 come back, 3 is new
      [event('1', 10_000), event('2', 20_000), event('3', 25_000)],
      // 4 was written before 3 but became searchable only now
      [event('2', 20_000), event('4', 22_000), event('3', 25_000)],
      [],
    ];
    let poll = 0;
    logs.on(FilterLogEventsCommand).callsFake(async () => ({ events: polls[poll] ?? [] }));
    const stop = new AbortController();
    const batches: string[][] = [];
    const starts: number[] = [];

    for await (const batch of followLogLines(
      client(),
      { startTime: 0 },
      {
        findSources: async () => [source('web')],
        lookbackMs: 30_000,
        sleep: async () => {
          poll += 1;
          if (poll === polls.length) stop.abort();
        },
        signal: stop.signal,
      },
    )) {
      batches.push(batch.map((line) => line.eventId));
    }
    for (const call of logs.commandCalls(FilterLogEventsCommand))
      starts.push(call.args[0].input.startTime ?? -1);

    expect(batches).toEqual([['1', '2'], ['3'], ['4']]);
    expect(starts).toEqual([0, 0, 0, 0]);
  });

  it('reads from the newest line less the look-back, once lines are older than it', async () => {
    let poll = 0;
    logs
      .on(FilterLogEventsCommand)
      .callsFake(async () => ({ events: poll === 0 ? [event('1', 100_000)] : [event('2', 100_500)] }));
    const stop = new AbortController();
    const seen: string[] = [];

    for await (const batch of followLogLines(
      client(),
      { startTime: 50_000 },
      {
        findSources: async () => [source('web')],
        lookbackMs: 10_000,
        sleep: async () => {
          poll += 1;
          if (poll === 2) stop.abort();
        },
        signal: stop.signal,
      },
    )) {
      seen.push(...batch.map((line) => line.eventId));
    }

    expect(seen).toEqual(['1', '2']);
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.startTime)).toEqual([
      50_000, 90_000,
    ]);
  });

  it('waits at least 250 ms per group between polls, to stay within CloudWatch’s request rate', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const stop = new AbortController();
    const waits: number[] = [];
    const groups = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].map((name) => source(name));

    for await (const _ of followLogLines(
      client(),
      { startTime: 0 },
      {
        findSources: async () => (waits.length === 0 ? groups.slice(0, 2) : groups),
        pollMs: 1000,
        sleep: async (ms) => {
          waits.push(ms);
          if (waits.length === 2) stop.abort();
        },
        signal: stop.signal,
      },
    ));

    expect(waits).toEqual([1000, 3000]);
  });

  it('stops without another read once aborted', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const stop = new AbortController();
    stop.abort();

    const batches = [];
    for await (const batch of followLogLines(
      client(),
      { startTime: 0 },
      { findSources: async () => [source('web')], signal: stop.signal },
    ))
      batches.push(batch);

    expect(batches).toEqual([]);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
  });
});
