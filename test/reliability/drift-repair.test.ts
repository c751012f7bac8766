// Reliability: settings changed behind modeshift's back on a production environment are each named by
// `modeshift audit` and by the sweep's drift audit, and one redeploy of the same request repairs them all.
import { type CloudWatchLogsClient, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type ECSClient, PutClusterCapacityProvidersCommand } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ModifyDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesByNameCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { databaseNames, environmentNames, serviceNames } from '../../core/names.ts';
import type { SettingName } from '../../core/policy.ts';
import { listRecords } from '../../functions/aws/route53/zone-records.ts';
import { auditShop, deployShop, useLocalAws } from '../e2e-emulator/local-aws.ts';
import { runCli } from '../support/cli.ts';
import { countReliability } from './stats.ts';

const aws = useLocalAws();

/** One change made by hand, and the setting the audit must name for it. */
interface Tamper {
  readonly setting: SettingName;
  readonly resource: string;
  apply(): Promise<void>;
}

function tampers(): Tamper[] {
  const target = aws.target();
  const names = environmentNames('shop', 'main');
  const instance = databaseNames('shop', 'main', 'db').instance;
  const logGroup = serviceNames('shop', 'main', 'worker').logGroup;
  const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
  const loadBalancerArn = async () =>
    (await elbv2.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }))).LoadBalancers?.[0]
      ?.LoadBalancerArn;
  return [
    {
      setting: 'dbDeletionProtection',
      resource: `db-instance ${instance}`,
      apply: async () => {
        await (target.clients('rds') as RDSClient).send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: instance,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        );
      },
    },
    {
      setting: 'logRetentionDays',
      resource: `log-group ${logGroup}`,
      apply: async () => {
        await (target.clients('cloudwatchlogs') as CloudWatchLogsClient).send(
          new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: 3 }),
        );
      },
    },
    {
      setting: 'capacityProvider',
      resource: `ecs-cluster ${names.cluster}`,
      apply: async () => {
        await (target.clients('ecs') as ECSClient).send(
          new PutClusterCapacityProvidersCommand({
            cluster: names.cluster,
            capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
            defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          }),
        );
      },
    },
    {
      setting: 'lbDeletionProtection',
      resource: `load-balancer ${names.loadBalancer}`,
      apply: async () => {
        await elbv2.send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: await loadBalancerArn(),
            Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
          }),
        );
      },
    },
    {
      setting: 'httpRedirectCode',
      resource: `load-balancer ${names.loadBalancer} listener :80`,
      apply: async () => {
        const { Listeners = [] } = await elbv2.send(
          new DescribeListenersCommand({ LoadBalancerArn: await loadBalancerArn() }),
        );
        const http = Listeners.find((listener) => listener.Port === 80);
        await elbv2.send(
          new ModifyListenerCommand({
            ListenerArn: http?.ListenerArn,
            DefaultActions: [
              {
                Type: 'redirect',
                RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_302' },
              },
            ],
          }),
        );
      },
    },
    {
      setting: 'dnsTtlSeconds',
      resource: 'a record of shop.example.com',
      apply: async () => {
        const route53 = target.clients('route53') as Route53Client;
        const { HostedZones = [] } = await route53.send(
          new ListHostedZonesByNameCommand({ DNSName: 'shop.example.com' }),
        );
        const zone = HostedZones.find((candidate) => candidate.Name === 'shop.example.com.');
        const record = (await listRecords(route53, zone?.Id ?? '')).find(
          (set) => set.Type === 'CNAME' && set.TTL !== undefined,
        );
        if (!record) throw new Error('no CNAME with a TTL in shop.example.com');
        await route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zone?.Id,
            ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...record, TTL: 10 } }] },
          }),
        );
      },
    },
  ];
}

describe('drift: settings changed by hand on a production environment', () => {
  it('are each named by the audit and the sweep, and one redeploy of the same request repairs them all', async () => {
    expect((await deployShop(aws.target(), 'production')).status).toBe('SUCCEEDED');
    expect((await auditShop(aws.target())).findings).toEqual([]);

    const changes = tampers();
    for (const change of changes) await change.apply();
    countReliability('driftInjected', changes.length);

    const audit = await auditShop(aws.target());
    const drifted = audit.findings.filter((finding) => finding.kind === 'drift');
    for (const change of changes) {
      const named = drifted.filter(
        (finding) =>
          finding.setting === change.setting &&
          (change.resource.startsWith('a record')
            ? finding.resource.startsWith('record ')
            : finding.resource === change.resource),
      );
      expect(named, `audit names ${change.setting} on ${change.resource}`).toHaveLength(1);
    }
    expect(audit.findings).toHaveLength(changes.length);

    const swept = await runCli(['sweep', '--dry-run', '--endpoint', aws.endpoint(), '--json']);
    expect(JSON.parse(swept.stdout).drift.drifted[0].findings).toHaveLength(changes.length);

    expect((await deployShop(aws.target(), 'production')).status).toBe('SUCCEEDED');
    const repaired = await auditShop(aws.target());
    expect(repaired.findings).toEqual([]);
    countReliability('driftRepaired', changes.length);
  });
});
