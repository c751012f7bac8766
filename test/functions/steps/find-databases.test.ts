import {
  type DBInstance,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { type FindDatabasesInput, findDatabases } from '../../../functions/steps/find-databases.ts';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });

const input: FindDatabasesInput = {
  project: 'shop',
  environment: 'pr-42',
  names: environmentNames('shop', 'pr-42'),
  environmentTags: modeshiftTags('shop', 'pr-42', 'development', '').slice(0, 2),
};

function instance(identifier: string, project: string, environment: string, extra: Partial<DBInstance> = {}) {
  return {
    DBInstanceIdentifier: identifier,
    DBInstanceStatus: 'available',
    DeletionProtection: false,
    TagList: modeshiftTags(project, environment, 'production', 'deploy-1'),
    ...extra,
  } satisfies DBInstance;
}

/** The environment's subnet group exists, tagged with `tags`. */
function subnetGroupOf(tags: ReturnType<typeof modeshiftTags>) {
  rds.on(DescribeDBSubnetGroupsCommand).resolves({
    DBSubnetGroups: [
      { DBSubnetGroupName: 'shop--pr-42', DBSubnetGroupArn: 'arn:aws:rds:us-east-1:1:subgrp:shop--pr-42' },
    ],
  });
  rds.on(ListTagsForResourceCommand).resolves({ TagList: tags });
}

beforeEach(() => {
  rds.reset();
  rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [] });
});

describe('FindDatabases', () => {
  it('finds only the instances tagged with this project and environment', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        instance('shop-pr-42-db', 'shop', 'pr-42'),
        instance('shop-pr-43-db', 'shop', 'pr-43'),
        instance('shop-pr-42-db-copy', 'blog', 'pr-42'),
        { DBInstanceIdentifier: 'shop-pr-42-untagged', DBInstanceStatus: 'available', TagList: [] },
      ],
    });

    const result = await findDatabases(input, { rds: client });

    expect(result).toEqual({
      databases: [{ instance: 'shop-pr-42-db', deletionProtection: false }],
      subnetGroup: false,
    });
  });

  it('reports deletion protection so down can turn it off first', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [instance('shop-pr-42-db', 'shop', 'pr-42', { DeletionProtection: true })],
    });

    const result = await findDatabases(input, { rds: client });

    expect(result.databases).toEqual([{ instance: 'shop-pr-42-db', deletionProtection: true }]);
  });

  it('leaves out instances that are already being deleted', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        instance('shop-pr-42-db', 'shop', 'pr-42', { DBInstanceStatus: 'deleting' }),
        instance('shop-pr-42-cache', 'shop', 'pr-42', { DBInstanceStatus: 'backing-up' }),
      ],
    });

    const result = await findDatabases(input, { rds: client });

    expect(result.databases.map((database) => database.instance)).toEqual(['shop-pr-42-cache']);
  });

  it('reads every page of instances', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [instance('shop-pr-42-a', 'shop', 'pr-42')], Marker: 'page-2' })
      .resolvesOnce({ DBInstances: [instance('shop-pr-42-b', 'shop', 'pr-42')] });

    const result = await findDatabases(input, { rds: client });

    expect(result.databases.map((database) => database.instance)).toEqual(['shop-pr-42-a', 'shop-pr-42-b']);
    expect(rds).toHaveReceivedNthCommandWith(DescribeDBInstancesCommand, 2, { Marker: 'page-2' });
  });

  it('finds nothing when the account has no instances', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });

    const result = await findDatabases(input, { rds: client });

    expect(result).toEqual({ databases: [], subnetGroup: false });
  });

  it('says whether the subnet group exists, so that the down deletes it only then (IAM refuses deleting a missing one)', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    subnetGroupOf(modeshiftTags('shop', 'pr-42', 'development', 'd'));

    expect(await findDatabases(input, { rds: client })).toEqual({ databases: [], subnetGroup: true });
  });

  it('refuses a subnet group of the environment’s name that is another’s, which the down would delete by name', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    subnetGroupOf(modeshiftTags('shop-pr', '42', 'production', 'd'));

    await expect(findDatabases(input, { rds: client })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('RDS subnet group shop--pr-42 belongs to shop-pr/42, not shop/pr-42'),
    });
  });
});
