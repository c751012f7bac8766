// End-to-end: `modeshift audit` on the local AWS. Settings changed behind modeshift's back are named,
// a redeploy of the same request repairs them; orphans and missing resources are named; every down is
// audited clean against what its mode keeps.
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  type ECSClient,
  PutClusterCapacityProvidersCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ModifyDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesByNameCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { databaseNames, environmentNames, serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { listRecords } from '../../functions/aws/route53/zone-records.ts';
import { runCli, SHOP_EXAMPLE } from '../support/cli.ts';
import { auditShop, deployShop, downShop, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const audit = (environment: string, ...extra: string[]) =>
  runCli(['audit', '-f', SHOP_EXAMPLE, '--env', environment, '--endpoint', aws.endpoint(), ...extra]);

/** Sets the TTL of the first record with one in the public zone `zone`; returns its name. */
async function changeRecordTtl(zone: string, ttl: number): Promise<string> {
  const route53 = aws.target().clients('route53') as Route53Client;
  const { HostedZones = [] } = await route53.send(new ListHostedZonesByNameCommand({ DNSName: zone }));
  const hostedZone = HostedZones.find((candidate) => candidate.Name === `${zone}.`);
  const records = await listRecords(route53, hostedZone?.Id ?? '');
  const record = records.find((set) => set.TTL !== undefined && set.Type !== 'NS' && set.Type !== 'SOA');
  if (!record) throw new Error(`no record with a TTL in ${zone}`);
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZone?.Id,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...record, TTL: ttl } }] },
    }),
  );
  return (record.Name ?? '').replace(/\.$/, '');
}

describe('modeshift audit on the local AWS', () => {
  it('names each setting changed behind its back; a redeploy of the same request repairs them all', async () => {
    const target = aws.target();
    expect((await deployShop(target, 'production')).status).toBe('SUCCEEDED');
    const clean = await audit('main');
    expect(clean.stdout, clean.stderr).toContain('clean: no orphans, no drift, nothing missing');
    expect(clean.code).toBe(0);

    const names = environmentNames('shop', 'main');
    const instance = databaseNames('shop', 'main', 'db').instance;
    const logGroup = serviceNames('shop', 'main', 'api').logGroup;
    await (target.clients('rds') as RDSClient).send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: instance,
        DeletionProtection: false,
        MultiAZ: false,
        BackupRetentionPeriod: 3,
        ApplyImmediately: true,
      }),
    );
    await (target.clients('cloudwatchlogs') as CloudWatchLogsClient).send(
      new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: 1 }),
    );
    const record = await changeRecordTtl('shop.example.com', 5);
    await (target.clients('ecs') as ECSClient).send(
      new PutClusterCapacityProvidersCommand({
        cluster: names.cluster,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
    );
    await (target.clients('ecs') as ECSClient).send(
      new UpdateServiceCommand({ cluster: names.cluster, service: 'web', enableExecuteCommand: true }),
    );

    const drifted = await audit('main');
    expect(drifted.code).toBe(1);
    const lines = drifted.stdout.split('\n').filter((line) => line.startsWith('drift: '));
    expect(lines).toEqual(
      expect.arrayContaining([
        `drift: db-instance ${instance}: dbDeletionProtection is false, production mode says true`,
        `drift: db-instance ${instance}: dbMultiAz is false, production mode says true`,
        `drift: db-instance ${instance}: dbBackupRetentionDays is 3, production mode says 30`,
        `drift: log-group ${logGroup}: logRetentionDays is 1, production mode says ${resolvePolicy('production').policy.logRetentionDays}`,
        expect.stringMatching(
          new RegExp(
            `^drift: record ${record.replace(/\./g, '\\.')} \\w+: dnsTtlSeconds is 5, production mode says 3600$`,
          ),
        ),
        `drift: ecs-cluster ${names.cluster}: capacityProvider is FARGATE_SPOT, production mode says FARGATE`,
        'drift: ecs-service web: executeCommand is true, production mode says false',
      ]),
    );
    expect(lines).toHaveLength(7);
    expect(drifted.stderr).toContain('audit: 0 orphaned, 7 drifted, 0 missing');
    const json = JSON.parse((await audit('main', '--json')).stdout) as { counts: Record<string, number> };
    expect(json.counts).toEqual({ orphan: 0, drift: 7, missing: 0 });

    expect((await deployShop(target, 'production')).status).toBe('SUCCEEDED');
    const repaired = await audit('main');
    expect(repaired.stdout, repaired.stderr).toContain('clean: no orphans, no drift, nothing missing');
    expect(repaired.code).toBe(0);
  });

  it('names an orphan and a missing resource of a deployed environment; a development down leaves nothing', async () => {
    const target = aws.target();
    expect((await deployShop(target, 'development', 'dev')).status).toBe('SUCCEEDED');
    const logs = target.clients('cloudwatchlogs') as CloudWatchLogsClient;
    await logs.send(
      new CreateLogGroupCommand({
        logGroupName: '/modeshift/shop/dev/retired',
        tags: { 'modeshift:project': 'shop', 'modeshift:environment': 'dev' },
      }),
    );
    const ecs = target.clients('ecs') as ECSClient;
    const { DeleteServiceCommand } = await import('@aws-sdk/client-ecs');
    await ecs.send(
      new DeleteServiceCommand({
        cluster: environmentNames('shop', 'dev').cluster,
        service: 'worker',
        force: true,
      }),
    );

    const found = await audit('dev');
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(
      /^orphan: log-group \/modeshift\/shop\/dev\/retired .*not in the compose file/m,
    );
    expect(found.stdout).toMatch(
      /^missing: ecs-service worker: the environment is deployed and it does not exist$/m,
    );

    expect((await downShop(target, 'dev')).status).toBe('SUCCEEDED');
    const report = await auditShop(target, 'dev');
    // The hand-made log group is under the environment's prefix and tagged for it: down removes it too.
    expect(report).toMatchObject({ checkedAs: 'down', clean: true, findings: [] });
    expect(report.observed.resources).toEqual([]);
  });

  it('after a confirmed production down, finds exactly what production keeps', async () => {
    const target = aws.target();
    expect((await deployShop(target, 'production')).status).toBe('SUCCEEDED');
    expect((await downShop(target, 'main', 'main')).status).toBe('SUCCEEDED');

    const report = await auditShop(target);
    expect(report).toMatchObject({ checkedAs: 'down', clean: true });
    const kinds = [...new Set(report.observed.resources.map((resource) => resource.type))].sort();
    expect(kinds).toEqual([
      'access-log-bucket',
      'automated-snapshot',
      'final-snapshot',
      'hosted-zone',
      'log-group',
    ]);
  });

  it('after a promotion from development to production, names what the development deploy left behind', async () => {
    const target = aws.target();
    // Promoted in place: a network of its own from the start (network dedicated).
    expect((await deployShop(target, 'development', 'main', { network: 'dedicated' })).status).toBe(
      'SUCCEEDED',
    );
    expect((await deployShop(target, 'production')).status).toBe('SUCCEEDED');

    const report = await auditShop(target);
    expect(report).toMatchObject({ checkedAs: 'deployed', mode: 'production', status: 'deployed' });
    // Development's zone (main.shop.example.com), its certificate, and the certificate's validation
    // record there at development's 60-second TTL. Nothing else: the build projects, reused images and
    // all, are at production's compute type.
    expect(
      report.findings.map(({ kind, resource, setting, actual }) => ({ kind, resource, setting, actual })),
    ).toEqual([
      {
        kind: 'orphan',
        resource: expect.stringMatching(/^certificate /),
        setting: undefined,
        actual: undefined,
      },
      {
        kind: 'orphan',
        resource: 'hosted-zone main.shop.example.com',
        setting: undefined,
        actual: undefined,
      },
      {
        kind: 'drift',
        resource: expect.stringMatching(/^record _\w+\.main\.shop\.example\.com CNAME$/),
        setting: 'dnsTtlSeconds',
        actual: '60',
      },
    ]);
    // Production's own records all carry its TTL.
    const production = report.observed.settings.filter(
      (read) => read.setting === 'dnsTtlSeconds' && !read.resource.includes('main.shop.example.com'),
    );
    expect(production.length).toBeGreaterThan(0);
    expect(new Set(production.map((read) => read.value))).toEqual(new Set(['3600']));
  });
});
