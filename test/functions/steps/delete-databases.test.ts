import {
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteDatabases } from '../../../functions/steps/delete-databases.ts';

const rds = mockClient(RDSClient);
const clients = () => ({ rds: new RDSClient({ region: 'us-east-1' }) });

beforeEach(() => {
  rds.reset();
  rds.onAnyCommand().resolves({});
});

describe('DeleteDatabases', () => {
  it('turns deletion protection off first, then deletes with a final snapshot named after the down', async () => {
    const result = await deleteDatabases(
      {
        databases: [{ instance: 'shop-pr-1-db', deletionProtection: true }],
        finalSnapshot: true,
        stamp: '20261126070000',
      },
      clients(),
    );

    expect(result).toEqual({ snapshots: ['shop-pr-1-db-final-20261126070000'] });
    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-db',
      DeletionProtection: false,
      ApplyImmediately: true,
    });
    expect(rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-db',
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'shop-pr-1-db-final-20261126070000',
      DeleteAutomatedBackups: false,
    });
    const calls = rds.calls().map((call) => (call.args[0] as object).constructor.name);
    expect(calls).toEqual(['ModifyDBInstanceCommand', 'DeleteDBInstanceCommand']);
  });

  it('deletes without a snapshot, and without touching protection that is off', async () => {
    const result = await deleteDatabases(
      {
        databases: [
          { instance: 'shop-pr-1-db', deletionProtection: false },
          { instance: 'shop-pr-1-cache', deletionProtection: false },
        ],
        finalSnapshot: false,
        stamp: '20261126070000',
      },
      clients(),
    );

    expect(result).toEqual({ snapshots: [] });
    expect(rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 2);
    expect(rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-cache',
      SkipFinalSnapshot: true,
    });
  });

  it('counts an instance already gone or already being deleted as deleted', async () => {
    rds
      .on(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'gone' })
      .rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }))
      .on(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'deleting' })
      .rejects(new InvalidDBInstanceStateFault({ message: 'already deleting', $metadata: {} }));

    await expect(
      deleteDatabases(
        {
          databases: [
            { instance: 'gone', deletionProtection: false },
            { instance: 'deleting', deletionProtection: false },
          ],
          finalSnapshot: false,
          stamp: 'x',
        },
        clients(),
      ),
    ).resolves.toEqual({ snapshots: [] });
  });
});
