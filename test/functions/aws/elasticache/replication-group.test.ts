import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CacheSpec, modeshiftTags } from '../../../../core/execution-input.ts';
import { environmentNames } from '../../../../core/names.ts';
import { MODE_POLICIES, type Mode, type Policy } from '../../../../core/policy.ts';
import {
  type EnsureCacheInput,
  ensureCache,
} from '../../../../functions/aws/elasticache/replication-group.ts';
import { StepError } from '../../../../functions/step-errors.ts';
import { networkRef } from '../../../support/step-inputs.ts';

const elasticache = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({ region: 'us-east-1' });

const cache: CacheSpec = {
  name: 'cache',
  replicationGroup: 'shop-pr-42-cache-1a2b3c4d',
  engine: 'redis',
  version: '7.1',
};
const network = { ...networkRef(), securityGroups: { ...networkRef().securityGroups, cache: 'sg-cache' } };
const ARN = `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${cache.replicationGroup}`;

function inputFor(mode: Mode, options: { policy?: Partial<Policy>; force?: boolean } = {}): EnsureCacheInput {
  return {
    cache,
    policy: { ...MODE_POLICIES[mode], ...options.policy },
    network,
    names: environmentNames('shop', 'pr-42'),
    tags: modeshiftTags('shop', 'pr-42', mode, 'deploy-2'),
    force: options.force ?? false,
  };
}

/** An available group as ElastiCache describes it, `replicas` replicas beside its primary. */
function group(replicas: number, overrides: Partial<ReplicationGroup> = {}): ReplicationGroup {
  const failover = replicas > 0 ? 'enabled' : 'disabled';
  return {
    ReplicationGroupId: cache.replicationGroup,
    ARN,
    Status: 'available',
    CacheNodeType: replicas > 0 ? 'cache.m7g.large' : 'cache.t4g.micro',
    AutomaticFailover: failover,
    MultiAZ: failover,
    AtRestEncryptionEnabled: true,
    TransitEncryptionEnabled: false,
    MemberClusters: Array.from({ length: replicas + 1 }, (_, i) => `${cache.replicationGroup}-00${i + 1}`),
    NodeGroups: [
      {
        NodeGroupId: '0001',
        PrimaryEndpoint: {
          Address: `master.${cache.replicationGroup}.abc.use1.cache.amazonaws.com`,
          Port: 6379,
        },
        NodeGroupMembers: Array.from({ length: replicas + 1 }, (_, i) => ({ CacheClusterId: `m${i}` })),
      },
    ],
    ...overrides,
  };
}

function existing(found: ReplicationGroup, mode: Mode = 'development') {
  elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [found] });
  elasticache
    .on(ListTagsForResourceCommand)
    .resolves({ TagList: modeshiftTags('shop', 'pr-42', mode, 'deploy-1') });
}

beforeEach(() => {
  elasticache.reset();
});

describe('EnsureCache', () => {
  it.each([
    ['development', 'cache.t4g.micro', 0, false],
    ['staging', 'cache.m7g.large', 1, true],
    ['production', 'cache.m7g.large', 1, true],
  ] as const)(
    'creates a %s cache: %s, %i replicas, failover and Multi-AZ %s, encrypted at rest, in the private subnets',
    async (mode, nodeType, replicas, failover) => {
      elasticache
        .on(DescribeReplicationGroupsCommand)
        .rejects(new ReplicationGroupNotFoundFault({ message: 'not found', $metadata: {} }));
      elasticache.on(CreateReplicationGroupCommand).resolves({});

      const result = await ensureCache(inputFor(mode), { elasticache: client });

      expect(elasticache).toHaveReceivedCommandWith(CreateReplicationGroupCommand, {
        ReplicationGroupId: cache.replicationGroup,
        Engine: 'redis',
        EngineVersion: '7.1',
        CacheNodeType: nodeType,
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: replicas,
        AutomaticFailoverEnabled: failover,
        MultiAZEnabled: failover,
        AtRestEncryptionEnabled: true,
        TransitEncryptionEnabled: false,
        CacheSubnetGroupName: 'shop--pr-42',
        SecurityGroupIds: ['sg-cache'],
        Port: 6379,
        Tags: modeshiftTags('shop', 'pr-42', mode, 'deploy-2'),
      });
      expect(result).toEqual({ ready: false, status: 'creating', warnings: [] });
    },
  );

  it('creates a missing cache from the snapshot the request names, and never restores over an existing one', async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .rejects(new ReplicationGroupNotFoundFault({ message: 'not found', $metadata: {} }));
    elasticache.on(CreateReplicationGroupCommand).resolves({});
    const snapshot = `${cache.replicationGroup}-final-20261126070000`;

    await ensureCache({ ...inputFor('production'), cache: { ...cache, snapshot } }, { elasticache: client });
    expect(elasticache).toHaveReceivedCommandWith(CreateReplicationGroupCommand, {
      SnapshotName: snapshot,
      CacheNodeType: 'cache.m7g.large',
    });

    elasticache.reset();
    existing(group(1), 'production');
    const kept = await ensureCache(
      { ...inputFor('production'), cache: { ...cache, snapshot } },
      { elasticache: client },
    );
    expect(elasticache).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
    expect(kept.warnings).toEqual([expect.stringContaining(`snapshot ${snapshot} is not restored over it`)]);
  });

  it('is ready with its primary endpoint when it is as the mode says, and changes nothing', async () => {
    existing(group(1), 'staging');

    const result = await ensureCache(inputFor('staging'), { elasticache: client });

    expect(result).toEqual({
      ready: true,
      status: 'available',
      warnings: [],
      endpoint: {
        name: 'cache',
        replicationGroup: cache.replicationGroup,
        endpoint: `master.${cache.replicationGroup}.abc.use1.cache.amazonaws.com`,
        port: 6379,
      },
    });
    expect(elasticache).not.toHaveReceivedCommand(ModifyReplicationGroupCommand);
    expect(elasticache).not.toHaveReceivedCommand(IncreaseReplicaCountCommand);
    expect(elasticache).not.toHaveReceivedCommand(DecreaseReplicaCountCommand);
  });

  it('promotes development to staging one change at a time: a replica first, then failover and Multi-AZ, then the node type', async () => {
    existing(group(0));
    await expect(ensureCache(inputFor('staging'), { elasticache: client })).resolves.toMatchObject({
      ready: false,
    });
    expect(elasticache).toHaveReceivedCommandWith(IncreaseReplicaCountCommand, {
      NewReplicaCount: 1,
      ApplyImmediately: true,
    });
    expect(elasticache).not.toHaveReceivedCommand(ModifyReplicationGroupCommand);

    elasticache.reset();
    existing(
      group(1, { AutomaticFailover: 'disabled', MultiAZ: 'disabled', CacheNodeType: 'cache.t4g.micro' }),
    );
    await ensureCache(inputFor('staging'), { elasticache: client });
    expect(elasticache).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });

    elasticache.reset();
    existing(group(1, { CacheNodeType: 'cache.t4g.micro' }));
    await ensureCache(inputFor('staging'), { elasticache: client });
    expect(elasticache).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      CacheNodeType: 'cache.m7g.large',
      ApplyImmediately: true,
    });
  });

  it('defers a node type change to the maintenance window in production, and is ready meanwhile', async () => {
    existing(group(1, { CacheNodeType: 'cache.r7g.large' }), 'production');

    const result = await ensureCache(inputFor('production'), { elasticache: client });

    expect(elasticache).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      CacheNodeType: 'cache.m7g.large',
      ApplyImmediately: false,
    });
    expect(result.ready).toBe(true);
  });

  it('turns failover off before it takes the last replica away', async () => {
    existing(group(1), 'staging');
    await ensureCache(inputFor('development', { policy: { cacheNodeType: 'cache.m7g.large' } }), {
      elasticache: client,
    });
    expect(elasticache).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
    });
    expect(elasticache).not.toHaveReceivedCommand(DecreaseReplicaCountCommand);

    elasticache.reset();
    existing(group(1, { AutomaticFailover: 'disabled', MultiAZ: 'disabled' }), 'staging');
    await ensureCache(inputFor('development', { policy: { cacheNodeType: 'cache.m7g.large' } }), {
      elasticache: client,
    });
    expect(elasticache).toHaveReceivedCommandWith(DecreaseReplicaCountCommand, { NewReplicaCount: 0 });
  });

  it('refuses to change in-transit encryption in place unless forced, and forced keeps it with a warning', async () => {
    existing(group(1), 'staging');
    const tls = { cacheTransitEncryption: true };

    const refused = ensureCache(inputFor('staging', { policy: tls }), { elasticache: client });
    await expect(refused).rejects.toThrowError(StepError);
    await expect(
      ensureCache(inputFor('staging', { policy: tls }), { elasticache: client }),
    ).rejects.toThrowError(
      /in-transit encryption is off but the policy asks for on; modeshift does not change it in place/,
    );

    const forced = await ensureCache(inputFor('staging', { policy: tls, force: true }), {
      elasticache: client,
    });
    expect(forced.ready).toBe(true);
    expect(forced.warnings).toEqual([expect.stringContaining('kept as it is (forced)')]);
  });

  it("stops with Modeshift.NotOwned at a group of the environment's name that is another's", async () => {
    elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group(0)] });
    elasticache
      .on(ListTagsForResourceCommand)
      .resolves({ TagList: modeshiftTags('shop', 'pr-43', 'development', 'x') });

    await expect(ensureCache(inputFor('development'), { elasticache: client })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(elasticache).not.toHaveReceivedCommand(ModifyReplicationGroupCommand);
  });
});
