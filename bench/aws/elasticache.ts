/**
 * In-memory ElastiCache: subnet groups and replication groups with their tags; a group becomes
 * available, takes its final snapshot and is deleted when the latency model says.
 */
import type {
  CreateReplicationGroupCommandInput,
  DeleteReplicationGroupCommandInput,
  DescribeReplicationGroupsCommandInput,
  ReplicationGroup,
  Tag,
} from '@aws-sdk/client-elasticache';
import type { World } from '../world.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryElastiCache(world: World): InMemoryService {
  const groups = new Map<string, { group: ReplicationGroup; tags: Tag[] }>();
  const subnetGroups = new Map<string, Tag[]>();
  const arnOf = (kind: string, name: string) => `arn:aws:elasticache:us-east-1:123456789012:${kind}:${name}`;
  const present = (id: string) => {
    const found = groups.get(id);
    if (found === undefined) return undefined;
    if (world.ready(`delete-cache:${id}`)) {
      groups.delete(id);
      return undefined;
    }
    return found;
  };
  const describe = ({ group }: { group: ReplicationGroup }): ReplicationGroup => {
    const id = group.ReplicationGroupId ?? '';
    const deleting = world.get(`delete-cache:${id}`) !== undefined;
    const available = world.ready(`cache:${id}`);
    return {
      ...group,
      Status: deleting ? 'deleting' : available ? 'available' : 'creating',
      ...(available
        ? {
            NodeGroups: [
              {
                NodeGroupId: '0001',
                PrimaryEndpoint: { Address: `master.${id}.abc123.use1.cache.amazonaws.com`, Port: 6379 },
                NodeGroupMembers: (group.MemberClusters ?? []).map((member) => ({ CacheClusterId: member })),
              },
            ],
          }
        : {}),
    };
  };
  return {
    CreateCacheSubnetGroup: (input: { CacheSubnetGroupName?: string; Tags?: Tag[] }) => {
      const name = input.CacheSubnetGroupName ?? '';
      if (subnetGroups.has(name))
        throw awsError('elasticache', 'CacheSubnetGroupAlreadyExistsFault', `${name} exists`);
      subnetGroups.set(name, input.Tags ?? []);
      return { CacheSubnetGroup: { CacheSubnetGroupName: name, ARN: arnOf('subnetgroup', name) } };
    },
    DescribeCacheSubnetGroups: (input: { CacheSubnetGroupName?: string }) => {
      const name = input.CacheSubnetGroupName ?? '';
      if (!subnetGroups.has(name))
        throw awsError('elasticache', 'CacheSubnetGroupNotFoundFault', `${name} not found`);
      return { CacheSubnetGroups: [{ CacheSubnetGroupName: name, ARN: arnOf('subnetgroup', name) }] };
    },
    DeleteCacheSubnetGroup: (input: { CacheSubnetGroupName?: string }) => {
      subnetGroups.delete(input.CacheSubnetGroupName ?? '');
      return {};
    },
    ListTagsForResource: (input: { ResourceName?: string }) => {
      const name = input.ResourceName ?? '';
      const subnet = [...subnetGroups].find(([group]) => arnOf('subnetgroup', group) === name);
      const group = [...groups.values()].find((candidate) => candidate.group.ARN === name);
      return { TagList: subnet?.[1] ?? group?.tags ?? [] };
    },
    DescribeReplicationGroups: (input: DescribeReplicationGroupsCommandInput) => {
      if (input.ReplicationGroupId !== undefined) {
        const found = present(input.ReplicationGroupId);
        if (!found)
          throw awsError(
            'elasticache',
            'ReplicationGroupNotFoundFault',
            `${input.ReplicationGroupId} not found`,
          );
        return { ReplicationGroups: [describe(found)] };
      }
      return {
        ReplicationGroups: [...groups.keys()].flatMap((id) => {
          const found = present(id);
          return found ? [describe(found)] : [];
        }),
      };
    },
    CreateReplicationGroup: (input: CreateReplicationGroupCommandInput) => {
      const id = input.ReplicationGroupId ?? '';
      if (present(id)) throw awsError('elasticache', 'ReplicationGroupAlreadyExistsFault', `${id} exists`);
      world.forget(`delete-cache:${id}`);
      const members = 1 + (input.ReplicasPerNodeGroup ?? 0);
      const group: ReplicationGroup = {
        ReplicationGroupId: id,
        ARN: arnOf('replicationgroup', id),
        CacheNodeType: input.CacheNodeType,
        MemberClusters: Array.from({ length: members }, (_, i) => `${id}-${String(i + 1).padStart(3, '0')}`),
        AutomaticFailover: input.AutomaticFailoverEnabled ? 'enabled' : 'disabled',
        MultiAZ: input.MultiAZEnabled ? 'enabled' : 'disabled',
        AtRestEncryptionEnabled: input.AtRestEncryptionEnabled,
        TransitEncryptionEnabled: input.TransitEncryptionEnabled,
      };
      groups.set(id, { group, tags: input.Tags ?? [] });
      world.restart(`cache:${id}`, 'elasticache:CreateReplicationGroup');
      return { ReplicationGroup: describe({ group }) };
    },
    DeleteReplicationGroup: (input: DeleteReplicationGroupCommandInput) => {
      const id = input.ReplicationGroupId ?? '';
      const found = present(id);
      if (!found) throw awsError('elasticache', 'ReplicationGroupNotFoundFault', `${id} not found`);
      const snapshot = input.FinalSnapshotIdentifier
        ? world.start(`cache-snapshot:${id}`, 'elasticache:CreateSnapshot').readyAt
        : world.clock.now();
      world.start(`delete-cache:${id}`, 'elasticache:DeleteReplicationGroup', snapshot);
      return { ReplicationGroup: describe(found) };
    },
  };
}
