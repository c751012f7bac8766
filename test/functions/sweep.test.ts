import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resolvePolicy } from '../../core/policy.ts';
import { handler, SweepConfigurationError, type SweepEnv, sweepCore } from '../../functions/sweep.ts';
import {
  clients,
  DAY,
  deployedRecord,
  drift,
  dynamodb,
  eventbridge,
  NOW,
  NOW_S,
  resetSweepMocks,
  tagging,
} from '../support/sweep-fixtures.ts';

const context = {
  functionName: 'modeshift-sweep',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:modeshift-sweep',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/modeshift-sweep',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;

const ENV: SweepEnv = { TABLE_NAME: 'modeshift-environments', BUS_NAME: 'modeshift' };

/** The expiry index lists `expired`, the activity index `idle`; GetItem returns each record. */
function serve(expired: Record<string, unknown>[], idle: Record<string, unknown>[] = []) {
  dynamodb
    .on(QueryCommand, { IndexName: 'byModeAndExpiry' })
    .resolves({ Items: expired.map((item) => marshall(item)) });
  dynamodb
    .on(QueryCommand, { IndexName: 'byModeAndActivity' })
    .resolves({ Items: idle.map((item) => marshall(item)) });
  for (const item of [...expired, ...idle])
    dynamodb
      .on(GetItemCommand, { Key: { pk: { S: item.pk as string }, sk: { S: 'ENV' } } })
      .resolves({ Item: marshall(item) });
}

function modeTags(byEnvironment: Record<string, string>) {
  tagging
    .on(GetResourcesCommand)
    .callsFake((input: { TagFilters?: { Key?: string; Values?: string[] }[] }) => {
      const environment = input.TagFilters?.find((f) => f.Key === 'modeshift:environment')?.Values?.[0] ?? '';
      const mode = byEnvironment[environment] ?? 'development';
      return {
        ResourceTagMappingList: [
          { ResourceARN: `arn:${environment}`, Tags: [{ Key: 'modeshift:mode', Value: mode }] },
        ],
      };
    });
}

const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

const sweep = (env: SweepEnv = ENV) => sweepCore({}, context, { clients, env, now: () => NOW, logger });

beforeEach(() => {
  resetSweepMocks();
  vi.clearAllMocks();
  eventbridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
  }));
});

describe('sweep handler', () => {
  it('requests a down of each expired development environment on the bus it is given', async () => {
    serve([deployedRecord('pr-1', { expiresAt: NOW_S - 60 })]);
    modeTags({});

    const result = await sweep();

    expect(result.requested).toEqual([
      expect.objectContaining({
        project: 'shop',
        environment: 'pr-1',
        reason: 'expired',
        deploymentId: 'sweep-20261126090000',
      }),
    ]);
    expect(result.skipped).toEqual([]);
    expect(result.more).toBe(false);
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ EventBusName: 'modeshift', DetailType: 'Down Requested' })],
    });
  });

  it('requests nothing for an environment whose resources are tagged production, and says why', async () => {
    serve([deployedRecord('main', { expiresAt: NOW_S - 60 })]);
    modeTags({ main: 'production' });

    const result = await sweep();

    expect(result.requested).toEqual([]);
    expect(result.skipped).toEqual([
      expect.objectContaining({
        environment: 'main',
        reason: expect.stringContaining('tag says production'),
      }),
    ]);
    expect(eventbridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('logs each environment it sweeps and each it skips', async () => {
    serve([
      deployedRecord('pr-1', { expiresAt: NOW_S - 60 }),
      deployedRecord('pr-2', { expiresAt: NOW_S - 60 }),
    ]);
    modeTags({ 'pr-2': 'staging' });

    await sweep();

    expect(logger.info).toHaveBeenCalledWith(
      'sweeping environment',
      expect.objectContaining({ environment: 'pr-1', reason: 'expired' }),
    );
    expect(logger.info).toHaveBeenCalledWith(
      'skipping environment',
      expect.objectContaining({ environment: 'pr-2', reason: expect.stringContaining('tag says staging') }),
    );
  });

  it('reports a down request the bus refused as failed', async () => {
    serve([deployedRecord('pr-1', { expiresAt: NOW_S - 60 })]);
    modeTags({});
    eventbridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });

    const result = await sweep();

    expect(result.requested).toEqual([]);
    expect(result.failed).toEqual([
      expect.objectContaining({ environment: 'pr-1', errorCode: 'InternalFailure' }),
    ]);
    expect(logger.error).toHaveBeenCalledWith(
      'down request not accepted',
      expect.objectContaining({ environment: 'pr-1' }),
    );
  });

  it('sweeps idle environments after SWEEP_MAX_IDLE_SECONDS', async () => {
    serve([], [deployedRecord('pr-idle', { lastActivityAt: NOW_S - 2 * DAY })]);
    modeTags({});

    const result = await sweep({ ...ENV, SWEEP_MAX_IDLE_SECONDS: String(DAY) });

    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byModeAndActivity',
      ExpressionAttributeValues: expect.objectContaining({ ':cutoff': { N: String(NOW_S - DAY) } }),
    });
    expect(result.requested).toEqual([expect.objectContaining({ environment: 'pr-idle', reason: 'idle' })]);
  });

  it('sweeps no idle environment when SWEEP_MAX_IDLE_SECONDS is 0', async () => {
    serve([]);

    await sweep({ ...ENV, SWEEP_MAX_IDLE_SECONDS: '0' });

    expect(dynamodb).not.toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byModeAndActivity' });
  });

  it('stops at SWEEP_LIMIT and leaves the rest for the next run', async () => {
    serve([
      deployedRecord('pr-1', { expiresAt: NOW_S - 120 }),
      deployedRecord('pr-2', { expiresAt: NOW_S - 60 }),
    ]);
    modeTags({});

    const result = await sweep({ ...ENV, SWEEP_LIMIT: '1' });

    expect(result.requested.map((down) => down.environment)).toEqual(['pr-1']);
    expect(result.more).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('limit reached'), { limit: 1 });
  });

  it('refuses to run without TABLE_NAME', async () => {
    await expect(sweep({ BUS_NAME: 'modeshift' })).rejects.toThrow(
      new SweepConfigurationError('TABLE_NAME is not set'),
    );
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('refuses a SWEEP_LIMIT that is not a whole number of 1 or more', async () => {
    await expect(sweep({ ...ENV, SWEEP_LIMIT: '0' })).rejects.toThrow(/SWEEP_LIMIT: "0"/);
    await expect(sweep({ ...ENV, SWEEP_LIMIT: 'ten' })).rejects.toThrow(/SWEEP_LIMIT: "ten"/);
  });

  it('runs the core through middy with the Lambda context (a misconfiguration surfaces as the error)', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('BUS_NAME', 'modeshift');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(handler({}, context)).rejects.toBeInstanceOf(SweepConfigurationError);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});

describe('sweep handler — drift of staging and production environments', () => {
  beforeEach(() => {
    resetSweepMocks();
    logger.info.mockReset();
    logger.warn.mockReset();
    logger.error.mockReset();
    serve([]);
  });

  it('publishes an Environment Drifted event per setting that differs from the recorded policy, and changes nothing', async () => {
    const policy = resolvePolicy('production').policy;
    // A production record has no sweepMode: only development environments are swept.
    const { sweepMode: _sweepMode, ...live } = deployedRecord('live', {
      mode: 'production',
      policy: JSON.stringify(policy),
    });
    dynamodb.on(ScanCommand).resolves({
      Items: [
        marshall(live),
        marshall(deployedRecord('pr-1', { policy: JSON.stringify(resolvePolicy('development').policy) })),
      ],
    });
    tagging
      .on(GetResourcesCommand)
      .callsFake((input: { TagFilters?: { Key?: string; Values?: string[] }[] }) => {
        const environment = input.TagFilters?.find((f) => f.Key === 'modeshift:environment')?.Values?.[0];
        return {
          ResourceTagMappingList:
            environment === 'live'
              ? [{ ResourceARN: 'arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/live/web' }]
              : [],
        };
      });
    drift.logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        { logGroupName: '/modeshift/shop/live/web', retentionInDays: 1 },
        { logGroupName: '/modeshift/shop/live/api', retentionInDays: policy.logRetentionDays },
      ],
    });
    drift.route53.on(ListHostedZonesCommand).resolves({ HostedZones: [] });
    drift.codebuild.on(ListProjectsCommand).resolves({ projects: [] });
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });

    const result = await sweep();

    expect(result.drift).toMatchObject({ audited: 1, failed: [], unpublished: 0 });
    expect(result.drift.drifted).toEqual([
      expect.objectContaining({ project: 'shop', environment: 'live', mode: 'production' }),
    ]);
    const published = eventbridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'Environment Drifted');
    expect(published.map((entry) => JSON.parse(entry.Detail ?? '{}'))).toEqual([
      {
        project: 'shop',
        environment: 'live',
        mode: 'production',
        resource: 'log-group /modeshift/shop/live/web',
        setting: 'logRetentionDays',
        expected: String(policy.logRetentionDays),
        actual: '1',
        detail: `log-group /modeshift/shop/live/web: logRetentionDays is 1, production mode says ${policy.logRetentionDays}`,
      },
    ]);
    // It only reads: no write to any of the environment's services.
    for (const mock of Object.values(drift))
      for (const call of mock.calls())
        expect(call.args[0].constructor.name).toMatch(/^(Describe|List|BatchGet|Get)/);
  });

  it('goes on to the next environment when one cannot be read, and reports it', async () => {
    const policy = JSON.stringify(resolvePolicy('staging').policy);
    dynamodb.on(ScanCommand).resolves({
      Items: [
        marshall(deployedRecord('a', { mode: 'staging', policy })),
        marshall(deployedRecord('b', { mode: 'staging', policy })),
      ],
    });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    drift.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    drift.route53
      .on(ListHostedZonesCommand)
      .rejectsOnce(new Error('Rate exceeded'))
      .resolves({ HostedZones: [] });
    drift.codebuild.on(ListProjectsCommand).resolves({ projects: [] });

    const result = await sweep();

    expect(result.drift).toEqual({
      audited: 2,
      drifted: [],
      failed: [{ project: 'shop', environment: 'a', error: 'Rate exceeded' }],
      unpublished: 0,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'drift audit failed',
      expect.objectContaining({ environment: 'a' }),
    );
  });
});
