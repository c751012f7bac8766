/**
 * One managed cache of the environment as an ElastiCache replication group
 * (Redis OSS or Valkey, cluster mode off): the mode's node type, its replicas
 * (automatic failover and Multi-AZ with one or more), encryption at rest, and
 * TLS in transit when the mode asks for it. Created when absent; an existing
 * group is brought to the mode one change at a time, as ElastiCache takes
 * them, and is ready once it is available with no change left.
 */
import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { CACHE_PORT } from '../../../core/cache-engines.ts';
import type { CacheSpec, Tag } from '../../../core/execution-input.ts';
import type { EnvironmentNames } from '../../../core/names.ts';
import type { Policy } from '../../../core/policy.ts';
import type { CacheEndpoint, NetworkRef, Progress } from '../../resource-refs.ts';
import { StepError } from '../../step-errors.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

export interface EnsureCacheInput {
  readonly cache: CacheSpec;
  readonly policy: Policy;
  readonly network: NetworkRef;
  readonly names: EnvironmentNames;
  readonly tags: readonly Tag[];
  /** The request's force: a setting ElastiCache cannot change in place is then left as it is, with a warning. */
  readonly force: boolean;
}

export interface EnsureCacheOutput extends Progress {
  readonly endpoint?: CacheEndpoint;
  /** ElastiCache's status: creating, available, modifying, … */
  readonly status: string;
  readonly warnings: string[];
}

/** The settings the mode asks of a replication group. */
export function wantedCacheSettings(policy: Policy) {
  const failover = policy.cacheReplicas >= 1;
  return {
    nodeType: policy.cacheNodeType,
    replicas: policy.cacheReplicas,
    automaticFailover: failover,
    multiAz: failover,
    atRestEncryption: policy.storageEncrypted,
    transitEncryption: policy.cacheTransitEncryption,
  };
}

/** Replicas of the group's primary: its member clusters but one. */
export function replicaCount(group: ReplicationGroup): number {
  const members = group.NodeGroups?.[0]?.NodeGroupMembers?.length ?? group.MemberClusters?.length ?? 1;
  return Math.max(0, members - 1);
}

const enabled = (status: string | undefined) => status === 'enabled' || status === 'enabling';

export async function ensureCache(
  input: EnsureCacheInput,
  clients: { elasticache: ElastiCacheClient },
): Promise<EnsureCacheOutput> {
  const { cache, policy } = input;
  const { elasticache } = clients;
  const existing = await describeGroup(elasticache, cache.replicationGroup);
  if (existing === undefined) return createGroup(input, elasticache);

  const { TagList } = await elasticache.send(new ListTagsForResourceCommand({ ResourceName: existing.ARN }));
  assertOwned(
    `ElastiCache replication group ${cache.replicationGroup}`,
    TagList,
    environmentIdentity(input.tags),
  );
  const status = existing.Status ?? 'unknown';
  const notRestored =
    cache.snapshot === undefined
      ? []
      : [
          `ElastiCache replication group ${cache.replicationGroup} exists: snapshot ${cache.snapshot} is not restored over it (a deploy never replaces a cache's data; take the environment down first to restore)`,
        ];
  if (status === 'create-failed') {
    throw new StepError(
      'Modeshift.CacheFailed',
      `ElastiCache replication group ${cache.replicationGroup} is ${status}: it needs a person (see its events in the ElastiCache console) before the deployment can go on`,
    );
  }
  const warnings = [...notRestored, ...immutableSettingWarnings(existing, input)];
  if (status !== 'available') return waiting(status, warnings);

  const wanted = wantedCacheSettings(policy);
  const name = { ReplicationGroupId: cache.replicationGroup };
  const replicas = replicaCount(existing);
  const failover = enabled(existing.AutomaticFailover);
  // One change per call, in the order ElastiCache accepts them: a replica before failover needs it,
  // failover off before the last replica goes.
  if (replicas < wanted.replicas) {
    await elasticache.send(
      new IncreaseReplicaCountCommand({ ...name, NewReplicaCount: wanted.replicas, ApplyImmediately: true }),
    );
    return waiting('modifying', warnings);
  }
  if (failover !== wanted.automaticFailover || enabled(existing.MultiAZ) !== wanted.multiAz) {
    await elasticache.send(
      new ModifyReplicationGroupCommand({
        ...name,
        AutomaticFailoverEnabled: wanted.automaticFailover,
        MultiAZEnabled: wanted.multiAz,
        ApplyImmediately: true,
      }),
    );
    return waiting('modifying', warnings);
  }
  if (replicas > wanted.replicas) {
    await elasticache.send(
      new DecreaseReplicaCountCommand({ ...name, NewReplicaCount: wanted.replicas, ApplyImmediately: true }),
    );
    return waiting('modifying', warnings);
  }
  // ElastiCache shows no pending node type: a change deferred to the maintenance window is asked
  // for again by each deploy until it is applied, which ElastiCache takes as the same request.
  if (existing.CacheNodeType !== wanted.nodeType) {
    await elasticache.send(
      new ModifyReplicationGroupCommand({
        ...name,
        CacheNodeType: wanted.nodeType,
        ApplyImmediately: policy.applyImmediately,
      }),
    );
    // Applied now, the group goes through "modifying"; deferred, it keeps serving as it is.
    if (policy.applyImmediately) return waiting('modifying', warnings);
  }
  const primary = existing.NodeGroups?.[0]?.PrimaryEndpoint;
  if (primary?.Address === undefined) return waiting(status, warnings);
  return {
    ready: true,
    status,
    warnings,
    endpoint: {
      name: cache.name,
      replicationGroup: cache.replicationGroup,
      endpoint: primary.Address,
      port: primary.Port ?? CACHE_PORT,
    },
  };
}

/**
 * What ElastiCache cannot change on an existing group. Encryption at rest never changes in place
 * (a warning, as for RDS). TLS in transit would change every client's URL, so a deploy is refused
 * unless forced; forced, the group keeps its setting and the deploy says so.
 */
function immutableSettingWarnings(group: ReplicationGroup, input: EnsureCacheInput): string[] {
  const { cache, policy } = input;
  const warnings: string[] = [];
  const id = cache.replicationGroup;
  if (
    group.AtRestEncryptionEnabled !== undefined &&
    group.AtRestEncryptionEnabled !== policy.storageEncrypted
  ) {
    warnings.push(
      `ElastiCache replication group ${id}: encryption at rest is ${onOff(group.AtRestEncryptionEnabled)} but the policy asks for ${onOff(policy.storageEncrypted)}; ElastiCache cannot change it in place (take the environment down and deploy it again)`,
    );
  }
  if (
    group.TransitEncryptionEnabled !== undefined &&
    group.TransitEncryptionEnabled !== policy.cacheTransitEncryption
  ) {
    const message = `ElastiCache replication group ${id}: in-transit encryption is ${onOff(group.TransitEncryptionEnabled)} but the policy asks for ${onOff(policy.cacheTransitEncryption)}; modeshift does not change it in place, because every client's URL changes with it (redis:// and rediss://)`;
    if (!input.force) {
      throw new StepError(
        'Modeshift.CacheSettingImmutable',
        `${message}: deploy with --set cacheTransitEncryption=${String(group.TransitEncryptionEnabled)}, or take the environment down first, or repeat with force to keep the cache as it is`,
      );
    }
    warnings.push(`${message}; kept as it is (forced)`);
  }
  return warnings;
}

async function describeGroup(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<ReplicationGroup | undefined> {
  try {
    const { ReplicationGroups } = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    return ReplicationGroups?.find((group) => group.ReplicationGroupId === id);
  } catch (error) {
    if (hasAwsErrorName(error, 'ReplicationGroupNotFoundFault')) return undefined;
    throw error;
  }
}

async function createGroup(
  input: EnsureCacheInput,
  elasticache: ElastiCacheClient,
): Promise<EnsureCacheOutput> {
  const { cache, policy, network, names } = input;
  const wanted = wantedCacheSettings(policy);
  const securityGroup = network.securityGroups.cache;
  if (securityGroup === undefined) {
    throw new StepError(
      'Modeshift.InvalidInput',
      `network.securityGroups.cache is missing: EnsureNetwork makes the caches' security group when the request has caches`,
    );
  }
  try {
    await elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: cache.replicationGroup,
        ReplicationGroupDescription: `modeshift ${names.prefix} ${cache.name}`,
        Engine: cache.engine,
        EngineVersion: cache.version,
        CacheNodeType: wanted.nodeType,
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: wanted.replicas,
        AutomaticFailoverEnabled: wanted.automaticFailover,
        MultiAZEnabled: wanted.multiAz,
        AtRestEncryptionEnabled: wanted.atRestEncryption,
        TransitEncryptionEnabled: wanted.transitEncryption,
        CacheSubnetGroupName: names.cacheSubnetGroup,
        SecurityGroupIds: [securityGroup],
        Port: CACHE_PORT,
        ...(cache.snapshot !== undefined ? { SnapshotName: cache.snapshot } : {}),
        Tags: input.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
    return waiting('creating', []);
  } catch (error) {
    // Created meanwhile by an earlier attempt: the next call finds it and checks its tags.
    if (hasAwsErrorName(error, 'ReplicationGroupAlreadyExistsFault')) return waiting('creating', []);
    if (cache.snapshot !== undefined && hasAwsErrorName(error, 'SnapshotNotFoundFault')) {
      throw new StepError(
        'Modeshift.SnapshotNotFound',
        `cache ${cache.name}: snapshot ${cache.snapshot} does not exist (see the environment's final snapshots with modeshift audit, or name another)`,
      );
    }
    throw error;
  }
}

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

function waiting(status: string, warnings: string[]): EnsureCacheOutput {
  return { ready: false, status, warnings };
}
