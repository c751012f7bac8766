/**
 * In-memory RDS: subnet groups with their tags, and instances that become available, take
 * their final snapshot and are deleted when the latency model says.
 */
import type {
  AddTagsToResourceCommandInput,
  CreateDBInstanceCommandInput,
  DBInstance,
  DeleteDBInstanceCommandInput,
  DescribeDBInstancesCommandInput,
  ModifyDBInstanceCommandInput,
  Tag,
} from '@aws-sdk/client-rds';
import type { World } from '../world.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryRds(world: World): InMemoryService {
  const instances = new Map<string, DBInstance>();
  const subnetGroups = new Map<string, Tag[]>();
  const subnetGroupArn = (name: string) => `arn:aws:rds:us-east-1:123456789012:subgrp:${name}`;
  const present = (id: string) => {
    const instance = instances.get(id);
    if (instance === undefined) return undefined;
    if (world.ready(`delete-db:${id}`)) {
      instances.delete(id);
      return undefined;
    }
    return instance;
  };
  const describe = (instance: DBInstance): DBInstance => {
    const id = instance.DBInstanceIdentifier ?? '';
    const deleting = world.get(`delete-db:${id}`) !== undefined;
    const available = world.ready(`db:${id}`);
    return {
      ...instance,
      DBInstanceStatus: deleting ? 'deleting' : available ? 'available' : 'creating',
      ...(available
        ? {
            Endpoint: { Address: `${id}.abcdefghijkl.us-east-1.rds.amazonaws.com`, Port: 5432 },
            // ManageMasterUserPassword: RDS keeps the password in a secret of its own.
            MasterUserSecret: {
              SecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-${id}-AbCdEf`,
              SecretStatus: 'active',
            },
          }
        : {}),
    };
  };
  return {
    CreateDBSubnetGroup: (input: { DBSubnetGroupName?: string; Tags?: Tag[] }) => {
      const name = input.DBSubnetGroupName ?? '';
      if (subnetGroups.has(name)) throw awsError('rds', 'DBSubnetGroupAlreadyExistsFault', `${name} exists`);
      subnetGroups.set(name, input.Tags ?? []);
      return { DBSubnetGroup: { DBSubnetGroupName: name, DBSubnetGroupArn: subnetGroupArn(name) } };
    },
    DescribeDBSubnetGroups: (input: { DBSubnetGroupName?: string }) => {
      const name = input.DBSubnetGroupName ?? '';
      if (!subnetGroups.has(name)) throw awsError('rds', 'DBSubnetGroupNotFoundFault', `${name} not found`);
      return { DBSubnetGroups: [{ DBSubnetGroupName: name, DBSubnetGroupArn: subnetGroupArn(name) }] };
    },
    DeleteDBSubnetGroup: (input: { DBSubnetGroupName?: string }) => {
      subnetGroups.delete(input.DBSubnetGroupName ?? '');
      return {};
    },
    ListTagsForResource: (input: { ResourceName?: string }) => {
      const name = input.ResourceName ?? '';
      const group = [...subnetGroups].find(([groupName]) => subnetGroupArn(groupName) === name);
      const instance = [...instances.values()].find((candidate) => candidate.DBInstanceArn === name);
      return { TagList: group?.[1] ?? instance?.TagList ?? [] };
    },
    DescribeDBInstances: (input: DescribeDBInstancesCommandInput) => {
      if (input.DBInstanceIdentifier !== undefined) {
        const instance = present(input.DBInstanceIdentifier);
        if (!instance)
          throw awsError('rds', 'DBInstanceNotFoundFault', `${input.DBInstanceIdentifier} not found`);
        return { DBInstances: [describe(instance)] };
      }
      const all = [...instances.keys()].flatMap((id) => {
        const instance = present(id);
        return instance ? [describe(instance)] : [];
      });
      return { DBInstances: all };
    },
    CreateDBInstance: (input: CreateDBInstanceCommandInput) => {
      const id = input.DBInstanceIdentifier ?? '';
      if (present(id)) throw awsError('rds', 'DBInstanceAlreadyExistsFault', `${id} exists`);
      world.forget(`delete-db:${id}`);
      const instance: DBInstance = {
        DBInstanceIdentifier: id,
        DBInstanceArn: `arn:aws:rds:us-east-1:123456789012:db:${id}`,
        DBInstanceClass: input.DBInstanceClass,
        AllocatedStorage: input.AllocatedStorage,
        StorageEncrypted: input.StorageEncrypted,
        DeletionProtection: input.DeletionProtection,
        MultiAZ: input.MultiAZ ?? false,
        BackupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
        TagList: input.Tags,
      };
      instances.set(id, instance);
      world.restart(`db:${id}`, 'rds:CreateDBInstance');
      return { DBInstance: describe(instance) };
    },
    ModifyDBInstance: (input: ModifyDBInstanceCommandInput) => {
      const instance = present(input.DBInstanceIdentifier ?? '');
      if (!instance) throw awsError('rds', 'DBInstanceNotFoundFault', 'not found');
      if (input.DeletionProtection !== undefined) instance.DeletionProtection = input.DeletionProtection;
      if (input.DBInstanceClass !== undefined) instance.DBInstanceClass = input.DBInstanceClass;
      if (input.MultiAZ !== undefined) instance.MultiAZ = input.MultiAZ;
      if (input.BackupRetentionPeriod !== undefined)
        instance.BackupRetentionPeriod = input.BackupRetentionPeriod;
      return { DBInstance: describe(instance) };
    },
    AddTagsToResource: (_input: AddTagsToResourceCommandInput) => ({}),
    DeleteDBInstance: (input: DeleteDBInstanceCommandInput) => {
      const id = input.DBInstanceIdentifier ?? '';
      const instance = present(id);
      if (!instance) throw awsError('rds', 'DBInstanceNotFoundFault', `${id} not found`);
      if (instance.DeletionProtection)
        throw awsError('rds', 'InvalidDBInstanceStateFault', 'deletion protection');
      const snapshot = input.FinalDBSnapshotIdentifier
        ? world.start(`snapshot:${id}`, 'rds:CreateDBSnapshot').readyAt
        : world.clock.now();
      world.start(`delete-db:${id}`, 'rds:DeleteDBInstance', snapshot);
      return { DBInstance: describe(instance) };
    },
  };
}
