import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseSpec, modeshiftTags } from '../../../../core/execution-input.ts';
import { environmentNames } from '../../../../core/names.ts';
import { MODE_POLICIES, type Mode } from '../../../../core/policy.ts';
import { type EnsureDatabaseInput, ensureDatabase } from '../../../../functions/aws/rds/database-instance.ts';
import { networkRef } from '../../../support/step-inputs.ts';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });

const database: DatabaseSpec = {
  name: 'db',
  instance: 'shop-pr-42-db',
  engine: 'postgres',
  version: '16.4',
  storageGiB: 20,
  databaseName: 'shop',
  username: 'shop',
};

const network = networkRef();

function inputFor(mode: Mode, deploymentId = 'deploy-2'): EnsureDatabaseInput {
  return {
    database,
    policy: MODE_POLICIES[mode],
    network,
    names: environmentNames('shop', 'pr-42'),
    tags: modeshiftTags('shop', 'pr-42', mode, deploymentId),
  };
}

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf';

/** An existing instance as RDS describes it, tagged by an earlier development deployment. */
function instance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: 'shop-pr-42-db',
    DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:shop-pr-42-db',
    DBInstanceStatus: 'available',
    DBInstanceClass: 'db.t4g.micro',
    AllocatedStorage: 20,
    StorageEncrypted: true,
    DeletionProtection: false,
    MultiAZ: false,
    BackupRetentionPeriod: 1,
    Endpoint: { Address: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com', Port: 5432 },
    MasterUserSecret: { SecretArn: SECRET_ARN, SecretStatus: 'active' },
    TagList: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    ...overrides,
  };
}

function notFound(): DBInstanceNotFoundFault {
  return new DBInstanceNotFoundFault({ message: 'DBInstance shop-pr-42-db not found.', $metadata: {} });
}

beforeEach(() => {
  rds.reset();
});

describe('EnsureDatabase', () => {
  it('creates a development instance with the burstable class, encryption and no deletion protection', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'creating' } });

    const result = await ensureDatabase(inputFor('development'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
      Engine: 'postgres',
      EngineVersion: '16.4',
      DBInstanceClass: 'db.t4g.micro',
      AllocatedStorage: 20,
      StorageType: 'gp3',
      StorageEncrypted: true,
      DeletionProtection: false,
      MultiAZ: false,
      BackupRetentionPeriod: 1,
      ManageMasterUserPassword: true,
      MasterUsername: 'shop',
      DBName: 'shop',
      DBSubnetGroupName: 'shop--pr-42',
      VpcSecurityGroupIds: ['sg-db'],
      PubliclyAccessible: false,
      CopyTagsToSnapshot: true,
      Tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-2'),
    });
    expect(result).toEqual({
      ready: false,
      endpoint: '',
      status: 'creating',
      warnings: [],
    });
  });

  it('creates a production instance with the production class, deletion protection, a standby and 30 days of backups', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'creating' } });

    await ensureDatabase(inputFor('production'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceClass: 'db.m7g.large',
      StorageEncrypted: true,
      DeletionProtection: true,
      MultiAZ: true,
      BackupRetentionPeriod: 30,
    });
  });

  it('lets RDS manage the master password and never sends one', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'creating' } });

    await ensureDatabase(inputFor('development'), { rds: client });

    const request = rds.commandCalls(CreateDBInstanceCommand)[0]?.args[0].input;
    expect(request?.ManageMasterUserPassword).toBe(true);
    expect(request).not.toHaveProperty('MasterUserPassword');
  });

  it("creates a missing instance from the snapshot the request names, with the mode's class, standby, protection and network", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({ DBInstance: { DBInstanceStatus: 'creating' } });
    const input = inputFor('production');

    const result = await ensureDatabase(
      { ...input, database: { ...database, snapshot: 'shop-pr-42-db-final-20261126070000' } },
      { rds: client },
    );

    expect(rds).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
      DBSnapshotIdentifier: 'shop-pr-42-db-final-20261126070000',
      DBInstanceClass: 'db.m7g.large',
      MultiAZ: true,
      DeletionProtection: true,
      DBSubnetGroupName: 'shop--pr-42',
      VpcSecurityGroupIds: ['sg-db'],
      PubliclyAccessible: false,
      Tags: modeshiftTags('shop', 'pr-42', 'production', 'deploy-2'),
    });
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(result).toEqual({ ready: false, endpoint: '', status: 'creating', warnings: [] });
  });

  it('never restores over an existing instance: it is kept, and the deploy says the snapshot was not used', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });

    const result = await ensureDatabase(
      { ...inputFor('development', 'deploy-1'), database: { ...database, snapshot: 'old-final-1' } },
      { rds: client },
    );

    expect(rds).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
    expect(result.ready).toBe(true);
    expect(result.warnings).toEqual([
      expect.stringContaining('snapshot old-final-1 is not restored over it'),
    ]);
  });

  it('reports an available instance as ready with its endpoint, without creating or modifying it', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });

    const result = await ensureDatabase(inputFor('development', 'deploy-1'), { rds: client });

    expect(result).toEqual({
      ready: true,
      endpoint: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com',
      secretArn: SECRET_ARN,
      status: 'available',
      warnings: [],
    });
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rds).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });

  it('gives an instance without an RDS-managed password secret one, and waits for it', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ MasterUserSecret: undefined })] });
    rds.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance({ DBInstanceStatus: 'modifying' }) });

    const result = await ensureDatabase(inputFor('development', 'deploy-1'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
      ManageMasterUserPassword: true,
    });
    expect(result).toMatchObject({ ready: false, status: 'modifying' });
  });

  it('promotes a development instance to production: class, deletion protection, standby and backups, deferred to the maintenance window', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
    rds.on(ModifyDBInstanceCommand).resolves({
      DBInstance: instance({
        DeletionProtection: true,
        PendingModifiedValues: { DBInstanceClass: 'db.m7g.large' },
      }),
    });

    const result = await ensureDatabase(inputFor('production'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
      DBInstanceClass: 'db.m7g.large',
      DeletionProtection: true,
      MultiAZ: true,
      BackupRetentionPeriod: 30,
      ApplyImmediately: false,
    });
    expect(result).toMatchObject({ ready: true, status: 'available' });
  });

  it('counts a production instance with the class and Multi-AZ changes pending as ready and does not modify it again', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        instance({
          DeletionProtection: true,
          BackupRetentionPeriod: 30,
          PendingModifiedValues: { DBInstanceClass: 'db.m7g.large', MultiAZ: true },
          TagList: modeshiftTags('shop', 'pr-42', 'production', 'deploy-2'),
        }),
      ],
    });

    const result = await ensureDatabase(inputFor('production'), { rds: client });

    expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(result).toMatchObject({ ready: true, endpoint: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com' });
  });

  it('applies a class change immediately outside production and waits for the instance to be modified', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
    rds.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance({ DBInstanceStatus: 'modifying' }) });

    const result = await ensureDatabase(inputFor('staging'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceClass: 'db.m7g.large',
      DeletionProtection: false,
      ApplyImmediately: true,
    });
    expect(result).toMatchObject({ ready: false, status: 'modifying' });
  });

  it('takes a standby added behind its back away again outside production, at once, and waits', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [instance({ DBInstanceClass: 'db.m7g.large', MultiAZ: true, BackupRetentionPeriod: 7 })],
    });
    rds.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance({ DBInstanceStatus: 'modifying' }) });

    const result = await ensureDatabase(inputFor('staging'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      MultiAZ: false,
      ApplyImmediately: true,
    });
    expect(
      rds.commandCalls(ModifyDBInstanceCommand)[0]?.args[0].input,
      'the retention, unchanged, is not sent (RDS starts a backup when it is set)',
    ).not.toHaveProperty('BackupRetentionPeriod');
    expect(result).toMatchObject({ ready: false, status: 'modifying' });
  });

  it("brings backup retention changed behind its back to the mode's days, and is ready at once", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ BackupRetentionPeriod: 0 })] });
    rds.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance() });

    const result = await ensureDatabase(inputFor('development', 'deploy-1'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { BackupRetentionPeriod: 1 });
    expect(result).toMatchObject({ ready: true, status: 'available' });
  });

  it('warns, without failing or modifying, when the instance is unencrypted but the policy asks for encryption', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ StorageEncrypted: false })] });

    const result = await ensureDatabase(inputFor('development'), { rds: client });

    expect(result.ready).toBe(true);
    expect(result.warnings).toEqual([expect.stringContaining('shop-pr-42-db: storage encryption is off')]);
    expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  it('updates the mode and deployment tags of an existing instance', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
    rds.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance() });

    await ensureDatabase(inputFor('production', 'deploy-2'), { rds: client });

    expect(rds).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:shop-pr-42-db',
      Tags: [
        { Key: 'modeshift:mode', Value: 'production' },
        { Key: 'modeshift:deployment', Value: 'deploy-2' },
      ],
    });
  });

  it.each(['creating', 'modifying', 'backing-up', 'deleting'])(
    'waits 30 seconds while the instance is %s, without modifying it',
    async (status) => {
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [instance({ DBInstanceStatus: status, Endpoint: undefined })],
      });

      const result = await ensureDatabase(inputFor('production'), { rds: client });

      expect(result).toMatchObject({ ready: false, status, endpoint: '' });
      expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    },
  );

  it.each(['failed', 'incompatible-network', 'incompatible-parameters'])(
    'fails with Modeshift.DatabaseFailed when the instance is %s',
    async (status) => {
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ DBInstanceStatus: status })] });

      await expect(ensureDatabase(inputFor('development'), { rds: client })).rejects.toMatchObject({
        name: 'Modeshift.DatabaseFailed',
        message: expect.stringContaining(`shop-pr-42-db is ${status}`),
      });
    },
  );

  it('refuses an instance of the same name tagged for another environment', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [instance({ TagList: modeshiftTags('shop', 'pr-43', 'development', 'deploy-9') })],
    });

    await expect(ensureDatabase(inputFor('production'), { rds: client })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('shop-pr-42-db'),
    });
    expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('refuses an untagged instance of the same name', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ TagList: [] })] });

    await expect(ensureDatabase(inputFor('development'), { rds: client })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
  });

  it('lets errors other than a missing instance propagate', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(new Error('AccessDenied'));

    await expect(ensureDatabase(inputFor('development'), { rds: client })).rejects.toThrow('AccessDenied');
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });
});
