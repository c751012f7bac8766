import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDatabasesDeleted } from '../../../functions/steps/check-databases-deleted.ts';

const rds = mockClient(RDSClient);
const clients = () => ({ rds: new RDSClient({ region: 'us-east-1' }) });

beforeEach(() => {
  rds.reset();
});

describe('CheckDatabasesDeleted', () => {
  it('is done once RDS knows none of the instances', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: 'gone', $metadata: {} }));

    await expect(
      checkDatabasesDeleted({ databases: [{ instance: 'a' }, { instance: 'b' }] }, clients()),
    ).resolves.toEqual({ done: true });
  });

  it('is not done while one of them is still being deleted', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'a' })
      .rejects(new DBInstanceNotFoundFault({ message: 'gone', $metadata: {} }))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'b' })
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'b', DBInstanceStatus: 'deleting' }] });

    await expect(
      checkDatabasesDeleted({ databases: [{ instance: 'a' }, { instance: 'b' }] }, clients()),
    ).resolves.toMatchObject({ done: false });
  });
});
