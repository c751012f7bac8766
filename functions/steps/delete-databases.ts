/**
 * DeleteDatabases: the environment's RDS instances, all at once: deletion
 * protection turned off where it is on, then deleted with a final snapshot
 * (`<instance>-final-<stamp>`) or without one, as the workflow's
 * FinalSnapshotPolicy chose. An instance already gone or already being
 * deleted counts as deleted; functions/steps/check-databases-deleted.ts waits for them.
 */
import { DeleteDBInstanceCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { hasAwsErrorName } from '../aws/errors.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import { defineStep } from '../step.ts';

export interface DeleteDatabasesInput {
  /** The instances functions/steps/find-databases.ts found, and whether each is protected. */
  readonly databases: ReadonlyArray<{ readonly instance: string; readonly deletionProtection: boolean }>;
  /** true: keep a final snapshot of each (production); false: delete without one. */
  readonly finalSnapshot: boolean;
  /** `YYYYMMDDhhmmss` of the down request, in the final snapshot identifiers. */
  readonly stamp: string;
}

export interface DeleteDatabasesOutput {
  /** The final snapshots asked for, by identifier. */
  readonly snapshots: readonly string[];
}

const CONCURRENCY = 5;

function isGone(error: unknown): boolean {
  return (
    hasAwsErrorName(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound') ||
    // Already being deleted (an earlier attempt of this step).
    hasAwsErrorName(error, 'InvalidDBInstanceStateFault')
  );
}

export const deleteDatabases = defineStep({
  name: 'DeleteDatabases',
  clients: { rds: RDSClient },
  sends: [ModifyDBInstanceCommand, DeleteDBInstanceCommand],
  async run(input: DeleteDatabasesInput, { rds }): Promise<DeleteDatabasesOutput> {
    const snapshots = await mapConcurrently(
      input.databases,
      CONCURRENCY,
      async ({ instance, deletionProtection }) => {
        try {
          if (deletionProtection) {
            await rds.send(
              new ModifyDBInstanceCommand({
                DBInstanceIdentifier: instance,
                DeletionProtection: false,
                ApplyImmediately: true,
              }),
            );
          }
          const snapshot = `${instance}-final-${input.stamp}`;
          await rds.send(
            new DeleteDBInstanceCommand(
              input.finalSnapshot
                ? {
                    DBInstanceIdentifier: instance,
                    SkipFinalSnapshot: false,
                    FinalDBSnapshotIdentifier: snapshot,
                    DeleteAutomatedBackups: false,
                  }
                : { DBInstanceIdentifier: instance, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
            ),
          );
          return input.finalSnapshot ? [snapshot] : [];
        } catch (error) {
          if (isGone(error)) return [];
          throw error;
        }
      },
    );
    return { snapshots: snapshots.flat() };
  },
});

export const handler = lambdaHandler(deleteDatabases);
