import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDatabaseDeleted } from '../../../../functions/aws/rds/database-deletion.ts';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });

beforeEach(() => {
  rds.reset();
});

describe('CheckDatabaseDeleted', () => {
  it('is done once RDS no longer knows the instance', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(
        new DBInstanceNotFoundFault({ message: 'DBInstance shop-pr-42-db not found.', $metadata: {} }),
      );

    const result = await checkDatabaseDeleted({ instance: 'shop-pr-42-db' }, { rds: client });

    expect(result).toEqual({ done: true });
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
    });
  });

  it('looks again in 30 seconds while the instance is still being deleted', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'shop-pr-42-db', DBInstanceStatus: 'deleting' }],
    });

    const result = await checkDatabaseDeleted({ instance: 'shop-pr-42-db' }, { rds: client });

    expect(result).toEqual({ done: false });
  });

  it('lets other errors propagate', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(new Error('AccessDenied'));

    await expect(checkDatabaseDeleted({ instance: 'shop-pr-42-db' }, { rds: client })).rejects.toThrow(
      'AccessDenied',
    );
  });
});
