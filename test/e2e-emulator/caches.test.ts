// End-to-end against the local AWS (moto, with emulator/moto_server.py's ElastiCache fixes): a
// compose file with x-defang-redis deploys a replication group per the mode's table, its services
// receive the cache's URL, and down keeps a final snapshot in production and nothing elsewhere.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import {
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { describe, expect, it } from 'vitest';
import { formatPs } from '../../cli/commands/ps.ts';
import { readPs } from '../../cli/environment-ps.ts';
import { withLatestSnapshots } from '../../cli/restore-latest.ts';
import { loadComposeFile } from '../../core/compose.ts';
import { cacheNames, databaseNames, environmentNames } from '../../core/names.ts';
import { MODE_POLICIES, MODES, type Mode, resolvePolicy } from '../../core/policy.ts';
import { readServiceWiring } from '../../local/read-back.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { auditComposeFile, callsOf, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const COMPOSE = `name: cachy
services:
  web:
    image: nginx:1.27
    ports:
      - target: 80
        mode: ingress
    depends_on: [cache]
  worker:
    image: busybox:1.36
    command: ["sleep", "infinity"]
  cache:
    image: redis:7
    x-defang-redis: true
`;
const FILE = join(mkdtempSync(join(tmpdir(), 'modeshift-caches-')), 'compose.yaml');
writeFileSync(FILE, COMPOSE);
/** The same app with a managed Postgres too, which the web service uses. */
const FILE_WITH_DATABASE = join(mkdtempSync(join(tmpdir(), 'modeshift-caches-')), 'compose.yaml');
writeFileSync(
  FILE_WITH_DATABASE,
  `${COMPOSE.replace('depends_on: [cache]', 'depends_on: [cache, db]')}  db:\n    image: postgres:16\n    x-defang-postgres: true\n`,
);
const GROUP = cacheNames('cachy', 'main', 'cache').replicationGroup;

let deployments = 0;

async function deploy(target: Target, mode: Mode) {
  deployments += 1;
  const composed = loadComposeFile(FILE, {
    environment: 'main',
    mode,
    deploymentId: `caches-${deployments}-${mode}`,
    variables: {},
  });
  return deployOnTarget(target, { ...composed, resolved: resolvePolicy(composed.request.mode) });
}

async function audit(target: Target) {
  const report = await auditComposeFile(target, { file: FILE, project: 'cachy', environment: 'main' });
  return report.findings.map((finding) => `${finding.kind}: ${finding.detail}`);
}

const elasticache = (target: Target) => target.clients('elasticache') as ElastiCacheClient;

async function replicationGroups(target: Target) {
  const { ReplicationGroups = [] } = await elasticache(target).send(new DescribeReplicationGroupsCommand({}));
  return ReplicationGroups;
}

describe.each(MODES)('a managed cache on the local AWS — %s', (mode) => {
  const policy = MODE_POLICIES[mode];

  it("deploys a replication group with the mode's node type, replicas, failover and encryption, in the environment's private subnets behind its own security group", async () => {
    const target = aws.target();
    expect((await deploy(target, mode)).status).toBe('SUCCEEDED');

    const [group, ...others] = await replicationGroups(target);
    expect(others).toEqual([]);
    const failover = policy.cacheReplicas > 0 ? 'enabled' : 'disabled';
    expect(group).toMatchObject({
      ReplicationGroupId: GROUP,
      Engine: 'redis',
      CacheNodeType: policy.cacheNodeType,
      AutomaticFailover: failover,
      MultiAZ: failover,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: false,
    });
    expect(group?.MemberClusters).toHaveLength(1 + policy.cacheReplicas);
    const { TagList } = await elasticache(target).send(
      new ListTagsForResourceCommand({ ResourceName: group?.ARN }),
    );
    expect(TagList).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'cachy' },
        { Key: 'modeshift:environment', Value: 'main' },
        { Key: 'modeshift:mode', Value: mode },
      ]),
    );

    // moto keeps neither the subnet group nor the security groups of a replication group: the call says them.
    const names = environmentNames('cachy', 'main');
    const [created] = callsOf(target, 'elasticache', 'CreateReplicationGroupCommand') as Array<{
      CacheSubnetGroupName: string;
      SecurityGroupIds: string[];
      EngineVersion: string;
    }>;
    expect(created).toMatchObject({ CacheSubnetGroupName: names.cacheSubnetGroup, EngineVersion: '7.1' });
    const { CacheSubnetGroups = [] } = await elasticache(target).send(
      new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: names.cacheSubnetGroup }),
    );
    const [createdNetwork] = callsOf(target, 'elasticache', 'CreateCacheSubnetGroupCommand') as Array<{
      SubnetIds: string[];
    }>;
    expect(CacheSubnetGroups[0]?.Subnets?.map((subnet) => subnet.SubnetIdentifier).sort()).toEqual(
      [...(createdNetwork?.SubnetIds ?? [])].sort(),
    );
    const ec2 = target.clients('ec2') as EC2Client;
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: created?.SecurityGroupIds }),
    );
    const { SecurityGroups: servicesGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-name', Values: [names.serviceSecurityGroup] }],
      }),
    );
    expect(SecurityGroups.map((group) => group.GroupName)).toEqual([names.cacheSecurityGroup]);
    expect(SecurityGroups[0]?.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
        IpRanges: [],
        UserIdGroupPairs: [expect.objectContaining({ GroupId: servicesGroups[0]?.GroupId })],
      }),
    ]);
    expect(await audit(target)).toEqual([]);

    const ps = await readPs(
      {
        dynamodb: target.clients('dynamodb') as DynamoDBClient,
        ecs: target.clients('ecs') as ECSClient,
        elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
        rds: target.clients('rds') as RDSClient,
        elasticache: elasticache(target),
        route53: target.clients('route53') as Route53Client,
        wafv2: target.clients('wafv2') as WAFV2Client,
        cloudwatch: target.clients('cloudwatch') as CloudWatchClient,
        ec2: target.clients('ec2') as EC2Client,
      },
      {
        project: 'cachy',
        environment: 'main',
        tableName: target.names.tableName,
        region: target.names.region,
      },
    );
    expect(ps?.caches, 'ps shows the cache as AWS reports it').toEqual([
      {
        replicationGroup: GROUP,
        status: 'available',
        nodeType: policy.cacheNodeType,
        replicas: policy.cacheReplicas,
        transitEncryption: false,
        atRestEncryption: true,
        endpoint: group?.NodeGroups?.[0]?.PrimaryEndpoint?.Address,
      },
    ]);
    expect(ps && formatPs(ps)).toMatch(
      new RegExp(
        `\\n${GROUP} +available +${policy.cacheNodeType.replaceAll('.', '\\.')} +${policy.cacheReplicas} +on +off +\\S+`,
      ),
    );
  });

  it('gives the service that depends on it the URL of the cache, by its compose name, which the private zone resolves to the primary', async () => {
    const target = aws.target();
    expect((await deploy(target, mode)).status).toBe('SUCCEEDED');

    const web = await readServiceWiring(target, 'cachy', 'main', 'web');
    expect(web.connection).toEqual({
      REDIS_URL: 'redis://cache:6379',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6379',
    });
    const worker = await readServiceWiring(target, 'cachy', 'main', 'worker');
    expect(worker.connection).toEqual({});

    const route53 = target.clients('route53') as Route53Client;
    const { HostedZones = [] } = await route53.send(new ListHostedZonesCommand({}));
    const privateZone = HostedZones.find((zone) => zone.Name?.includes('main.cachy.internal'));
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: privateZone?.Id }),
    );
    const record = ResourceRecordSets.find((set) => set.Name?.startsWith('cache.'));
    const [group] = await replicationGroups(target);
    expect(record).toMatchObject({
      Type: 'CNAME',
      TTL: policy.dnsTtlSeconds,
      ResourceRecords: [{ Value: group?.NodeGroups?.[0]?.PrimaryEndpoint?.Address }],
    });
  });

  it(
    mode === 'production'
      ? 'keeps a final snapshot of the cache on a confirmed down, and nothing else of it'
      : 'leaves nothing of the cache after down: no group, no snapshot, no subnet group',
    async () => {
      const target = aws.target();
      expect((await deploy(target, mode)).status).toBe('SUCCEEDED');

      const down = await downOnTarget(target, {
        project: 'cachy',
        environment: 'main',
        ...(mode === 'production' ? { confirm: 'main' } : {}),
      });

      expect(down.status).toBe('SUCCEEDED');
      expect(down.teardown, 'down records what it destroyed and kept').toEqual({
        destroyed: {
          databases: [],
          caches: [{ replicationGroup: GROUP }],
          hostedZone: mode === 'development',
        },
        kept: {
          databaseSnapshots: [],
          cacheSnapshots:
            mode === 'production' ? [expect.stringMatching(new RegExp(`^${GROUP}-final-\\d{14}$`))] : [],
          accessLogs: mode === 'production',
        },
      });
      expect(await replicationGroups(target)).toEqual([]);
      const { Snapshots = [] } = await elasticache(target).send(new DescribeSnapshotsCommand({}));
      if (mode === 'production') {
        expect(Snapshots.map((snapshot) => snapshot.SnapshotName)).toEqual([
          expect.stringMatching(new RegExp(`^${GROUP}-final-\\d{14}$`)),
        ]);
        const snapshot = Snapshots[0];
        const { TagList } = await elasticache(target).send(
          new ListTagsForResourceCommand({ ResourceName: snapshot?.ARN }),
        );
        expect(TagList, 'the kept snapshot is the environment’s').toEqual(
          expect.arrayContaining([
            { Key: 'modeshift:project', Value: 'cachy' },
            { Key: 'modeshift:environment', Value: 'main' },
          ]),
        );
        expect(down.resources, 'down reports the snapshot it kept').toContain(snapshot?.ARN);
        expect(callsOf(target, 'elasticache', 'CreateSnapshotCommand')).toEqual([
          {
            ReplicationGroupId: GROUP,
            SnapshotName: snapshot?.SnapshotName,
            Tags: [
              { Key: 'modeshift:project', Value: 'cachy' },
              { Key: 'modeshift:environment', Value: 'main' },
            ],
          },
        ]);
      } else {
        expect(Snapshots).toEqual([]);
        expect(callsOf(target, 'elasticache', 'CreateSnapshotCommand')).toEqual([]);
      }
      expect(callsOf(target, 'elasticache', 'DeleteReplicationGroupCommand')).toEqual([
        { ReplicationGroupId: GROUP, RetainPrimaryCluster: false },
      ]);
      const subnetGroups = await elasticache(target)
        .send(
          new DescribeCacheSubnetGroupsCommand({
            CacheSubnetGroupName: environmentNames('cachy', 'main').cacheSubnetGroup,
          }),
        )
        .then(
          (found) => found.CacheSubnetGroups ?? [],
          () => [],
        );
      expect(subnetGroups).toEqual([]);
      expect(await audit(target)).toEqual([]);
    },
  );
});

describe('a managed cache changed behind modeshift’s back', () => {
  it('is reported as drift by the audit, naming the setting, the cache and the mode’s value', async () => {
    const target = aws.target();
    expect((await deploy(target, 'staging')).status).toBe('SUCCEEDED');
    expect(await audit(target)).toEqual([]);

    await elasticache(target).send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: GROUP,
        CacheNodeType: 'cache.t4g.small',
        ApplyImmediately: true,
      }),
    );

    expect(await audit(target)).toEqual([
      `drift: cache ${GROUP}: cacheNodeType is cache.t4g.small, staging mode says cache.m7g.large`,
    ]);
  });
});

describe('a managed cache promoted on the local AWS', () => {
  it('gets a replica, failover, Multi-AZ and the larger node type in place when development becomes staging, and loses them again', async () => {
    const target = aws.target();
    expect((await deploy(target, 'development')).status).toBe('SUCCEEDED');
    const [before] = await replicationGroups(target);

    expect((await deploy(target, 'staging')).status).toBe('SUCCEEDED');
    const [promoted, ...others] = await replicationGroups(target);
    expect(others, 'the same group, changed in place').toEqual([]);
    expect(promoted?.ARN).toBe(before?.ARN);
    expect(promoted).toMatchObject({
      CacheNodeType: 'cache.m7g.large',
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
    });
    expect(promoted?.MemberClusters).toHaveLength(2);
    expect(callsOf(target, 'elasticache', 'IncreaseReplicaCountCommand')).toEqual([
      expect.objectContaining({ ReplicationGroupId: GROUP, NewReplicaCount: 1 }),
    ]);
    expect(callsOf(target, 'elasticache', 'CreateReplicationGroupCommand')).toHaveLength(1);

    const demotion = await deploy(target, 'development');
    expect(demotion.status, `${demotion.failedState}: ${demotion.error} ${demotion.cause ?? ''}`).toBe(
      'SUCCEEDED',
    );
    const [demoted] = await replicationGroups(target);
    expect(demoted).toMatchObject({
      CacheNodeType: 'cache.t4g.micro',
      AutomaticFailover: 'disabled',
      MultiAZ: 'disabled',
    });
    expect(demoted?.MemberClusters).toHaveLength(1);
    expect(await audit(target)).toEqual([]);
  });
});

describe('coming back from production’s final snapshots on the local AWS', () => {
  it('creates the database and the cache from the snapshots the confirmed down kept, and a second deploy restores over nothing', async () => {
    const target = aws.target();
    const composed = (id: string) =>
      loadComposeFile(FILE_WITH_DATABASE, {
        environment: 'main',
        mode: 'production',
        deploymentId: id,
        variables: {},
      });
    const first = composed('restore-1');
    expect((await deployOnTarget(target, { ...first, resolved: resolvePolicy('production') })).status).toBe(
      'SUCCEEDED',
    );
    expect(
      (await downOnTarget(target, { project: 'cachy', environment: 'main', confirm: 'main' })).status,
    ).toBe('SUCCEEDED');
    const clients = { rds: target.clients('rds') as RDSClient, elasticache: elasticache(target) };

    const logged: string[] = [];
    const restoring = await withLatestSnapshots(
      { ...composed('restore-2'), resolved: resolvePolicy('production') },
      clients,
      (line) => logged.push(line),
    );
    const restored = await deployOnTarget(target, restoring);
    expect(restored.status, `${restored.failedState}: ${restored.error}`).toBe('SUCCEEDED');

    const instance = databaseNames('cachy', 'main', 'db').instance;
    const [restoredFrom] = callsOf(target, 'rds', 'RestoreDBInstanceFromDBSnapshotCommand') as Array<{
      DBSnapshotIdentifier: string;
    }>;
    expect(restoredFrom?.DBSnapshotIdentifier).toMatch(new RegExp(`^${instance}-final-\\d{14}$`));
    expect(callsOf(target, 'rds', 'CreateDBInstanceCommand'), 'one create: the first deploy').toHaveLength(1);
    const { DBInstances = [] } = await clients.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }),
    );
    expect(DBInstances[0]).toMatchObject({
      MultiAZ: true,
      DeletionProtection: true,
      DBInstanceClass: 'db.m7g.large',
    });
    const created = callsOf(target, 'elasticache', 'CreateReplicationGroupCommand') as Array<{
      SnapshotName?: string;
    }>;
    expect(created.map((call) => call.SnapshotName)).toEqual([
      undefined,
      expect.stringMatching(new RegExp(`^${GROUP}-final-\\d{14}$`)),
    ]);
    expect(logged).toEqual([
      `restore: database db from ${restoredFrom?.DBSnapshotIdentifier}`,
      `restore: cache cache from ${created[1]?.SnapshotName}`,
    ]);

    const again = await withLatestSnapshots(
      { ...composed('restore-3'), resolved: resolvePolicy('production') },
      clients,
      () => {},
    );
    expect(again.request.databases[0]?.snapshot, 'an existing database is not restored over').toBeUndefined();
    expect(again.request.caches[0]?.snapshot).toBeUndefined();
  });

  it('stops before anything changes when a missing store has no final snapshot', async () => {
    const target = aws.target();
    const composed = loadComposeFile(FILE_WITH_DATABASE, {
      environment: 'fresh',
      mode: 'production',
      deploymentId: 'restore-none',
      variables: {},
    });

    await expect(
      withLatestSnapshots(
        { ...composed, resolved: resolvePolicy('production') },
        { rds: target.clients('rds') as RDSClient, elasticache: elasticache(target) },
        () => {},
      ),
    ).rejects.toThrowError(/--restore-latest: database db has no final snapshot/);
  });
});
