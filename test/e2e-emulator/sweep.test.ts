// End-to-end: `modeshift sweep` against the local AWS, beside a production environment it must not touch.
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { readEnvironment } from '../../local/records.ts';
import { runCli } from '../support/cli.ts';
import { deployShop, expectCleanAudit, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

/** runCli's clock reads 2026-11-26T07:00:00Z: the 1h ttl has run out two hours later. */
const LATER = '2026-11-26T09:00:00Z';

const statusOf = async (environment: string) =>
  (
    await readEnvironment(
      aws.target().clients('dynamodb') as DynamoDBClient,
      aws.target().names.tableName,
      'shop',
      environment,
    )
  )?.status;

describe('modeshift sweep against the local AWS', () => {
  beforeEach(async () => {
    const production = await deployShop(aws.target(), 'production', 'main');
    expect(production.status).toBe('SUCCEEDED');
    const development = await runCli([
      'deploy',
      '-f',
      'examples/shop/compose.yaml',
      '--env',
      'pr-9',
      '--mode',
      'dev',
      '--ttl',
      '1h',
      '--endpoint',
      aws.endpoint(),
      '--quiet',
    ]);
    expect(development.code, development.stderr).toBe(0);
  }, 180_000);

  it('lists the expired development environment and not the production one, touching neither', async () => {
    const swept = await runCli([
      'sweep',
      '--dry-run',
      '--now',
      LATER,
      '--endpoint',
      aws.endpoint(),
      '--json',
    ]);

    expect(swept.code, swept.stderr).toBe(0);
    const report = JSON.parse(swept.stdout);
    expect(report).toMatchObject({ dryRun: true, more: false, skipped: [] });
    expect(report.selected).toEqual([
      expect.objectContaining({
        project: 'shop',
        environment: 'pr-9',
        reason: 'expired',
        expiresAt: Date.parse('2026-11-26T08:00:00Z') / 1000,
      }),
    ]);
    expect(await statusOf('pr-9')).toBe('deployed');
    expect(await statusOf('main')).toBe('deployed');
  });

  it('prints what a dry run would tear down for a person', async () => {
    const swept = await runCli(['sweep', '--dry-run', '--now', LATER, '--endpoint', aws.endpoint()]);

    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toContain('would tear down');
    expect(swept.stdout).toMatch(/shop\/pr-9\s+expired/);
    expect(swept.stdout).not.toContain('shop/main');
  });

  it('selects nothing before the ttl has run out', async () => {
    const swept = await runCli([
      'sweep',
      '--dry-run',
      '--now',
      '2026-11-26T07:30:00Z',
      '--endpoint',
      aws.endpoint(),
      '--json',
    ]);

    expect(swept.code, swept.stderr).toBe(0);
    expect(JSON.parse(swept.stdout).selected).toEqual([]);
  });

  it('takes the expired development environment down and leaves production alone', async () => {
    const swept = await runCli(['sweep', '--now', LATER, '--endpoint', aws.endpoint(), '--json']);

    expect(swept.code, swept.stderr).toBe(0);
    expect(JSON.parse(swept.stdout).swept).toEqual([
      expect.objectContaining({
        environment: 'pr-9',
        reason: 'expired',
        status: 'SUCCEEDED',
        deploymentId: 'sweep-20261126090000',
      }),
    ]);
    expect(await statusOf('pr-9')).toBe('down');
    expect(await statusOf('main')).toBe('deployed');
    expect(JSON.parse(swept.stdout).drift).toEqual({ audited: 1, drifted: [], failed: [], unpublished: 0 });
    await expectCleanAudit(aws.target(), 'pr-9');
  }, 120_000);

  it('audits production’s settings: a retention shortened by hand is reported, and a dry run publishes nothing', async () => {
    const logGroup = serviceNames('shop', 'main', 'web').logGroup;
    await (aws.target().clients('cloudwatchlogs') as CloudWatchLogsClient).send(
      new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: 3 }),
    );
    const expected = {
      project: 'shop',
      environment: 'main',
      mode: 'production',
      findings: [
        expect.objectContaining({
          kind: 'drift',
          resource: `log-group ${logGroup}`,
          setting: 'logRetentionDays',
          expected: String(resolvePolicy('production').policy.logRetentionDays),
          actual: '3',
        }),
      ],
    };

    const dry = await runCli(['sweep', '--dry-run', '--now', LATER, '--endpoint', aws.endpoint(), '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).drift).toEqual({
      audited: 1,
      drifted: [expected],
      failed: [],
      unpublished: 0,
    });

    const text = await runCli(['sweep', '--dry-run', '--now', LATER, '--endpoint', aws.endpoint()]);
    expect(text.stdout).toContain('drift: 1 staging and production environments audited, 1 settings drifted');
    expect(text.stdout).toContain(
      `  shop/main: log-group ${logGroup}: logRetentionDays is 3, production mode says`,
    );
    // Reported, not repaired: the sweep changes nothing.
    const { logGroups = [] } = await (aws.target().clients('cloudwatchlogs') as CloudWatchLogsClient).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup }),
    );
    expect(logGroups[0]?.retentionInDays).toBe(3);
  });
});

describe('modeshift sweep — options', () => {
  it('refuses a --now that is not an ISO time, naming the option', async () => {
    const swept = await runCli(['sweep', '--now', 'tomorrow', '--endpoint', aws.endpoint()]);

    expect(swept.code).toBe(2);
    expect(swept.stderr).toContain('error: --now: "tomorrow" is not an ISO 8601 time');
  });
});
