import {
  CreateDBInstanceCommand,
  type DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseSpec, modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { MODE_POLICIES } from '../../../core/policy.ts';
import { ensureDatabases } from '../../../functions/steps/ensure-databases.ts';
import { networkRef } from '../../support/step-inputs.ts';

const rds = mockClient(RDSClient);
const clients = () => ({ rds: new RDSClient({ region: 'us-east-1' }) });

const spec = (name: string): DatabaseSpec => ({
  name,
  instance: `shop-pr-42-${name}`,
  engine: 'postgres',
  version: '16',
  storageGiB: 20,
  databaseName: name,
  username: 'shop',
});

const network = networkRef();

const input = {
  databases: [spec('db'), spec('analytics')],
  policy: MODE_POLICIES.staging,
  network,
  names: environmentNames('shop', 'pr-42'),
  tags: modeshiftTags('shop', 'pr-42', 'staging', 'deploy-1'),
};

const secretOf = (instance: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-${instance}-AbCdEf`;

function available(instance: string, status = 'available'): DBInstance {
  return {
    DBInstanceIdentifier: instance,
    DBInstanceArn: `arn:aws:rds:us-east-1:123456789012:db:${instance}`,
    DBInstanceStatus: status,
    DBInstanceClass: MODE_POLICIES.staging.dbInstanceClass,
    DeletionProtection: false,
    MultiAZ: MODE_POLICIES.staging.dbMultiAz,
    BackupRetentionPeriod: MODE_POLICIES.staging.dbBackupRetentionDays,
    AllocatedStorage: 20,
    StorageEncrypted: true,
    Endpoint: { Address: `${instance}.abc.us-east-1.rds.amazonaws.com`, Port: 5432 },
    MasterUserSecret: { SecretArn: secretOf(instance), SecretStatus: 'active' },
    TagList: modeshiftTags('shop', 'pr-42', 'staging', 'deploy-1'),
  };
}

beforeEach(() => {
  rds.reset();
  rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [] });
});

describe('EnsureDatabases', () => {
  it('creates every missing instance and reports not ready while they are created', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: 'none', $metadata: {} }));
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'creating' } });

    const result = await ensureDatabases(input, clients());

    expect(result).toMatchObject({ ready: false, endpoints: [] });
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, { DBInstanceIdentifier: 'shop-pr-42-db' });
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-42-analytics',
    });
  });

  it('is ready, with every endpoint, once all are available', async () => {
    rds.on(DescribeDBInstancesCommand).callsFake((asked: { DBInstanceIdentifier: string }) => ({
      DBInstances: [available(asked.DBInstanceIdentifier)],
    }));

    const result = await ensureDatabases(input, clients());

    expect(result).toEqual({
      ready: true,
      warnings: [],
      endpoints: [
        {
          name: 'db',
          instance: 'shop-pr-42-db',
          databaseName: 'db',
          username: 'shop',
          endpoint: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com',
          secretArn: secretOf('shop-pr-42-db'),
        },
        {
          name: 'analytics',
          instance: 'shop-pr-42-analytics',
          databaseName: 'analytics',
          username: 'shop',
          endpoint: 'shop-pr-42-analytics.abc.us-east-1.rds.amazonaws.com',
          secretArn: secretOf('shop-pr-42-analytics'),
        },
      ],
    });
  });

  it('is not ready while one of them is still being created', async () => {
    rds.on(DescribeDBInstancesCommand).callsFake((asked: { DBInstanceIdentifier: string }) => ({
      DBInstances: [
        available(
          asked.DBInstanceIdentifier,
          asked.DBInstanceIdentifier.endsWith('db') ? 'available' : 'creating',
        ),
      ],
    }));

    await expect(ensureDatabases(input, clients())).resolves.toMatchObject({ ready: false });
  });
});
