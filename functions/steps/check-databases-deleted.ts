/**
 * CheckDatabasesDeleted: whether every RDS instance DeleteDatabases deleted
 * is gone, one look at each.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { checkDatabaseDeleted } from '../aws/rds/database-deletion.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import type { TeardownProgress } from '../resource-refs.ts';

export interface CheckDatabasesDeletedInput {
  readonly databases: ReadonlyArray<{ readonly instance: string }>;
}

export type CheckDatabasesDeletedOutput = TeardownProgress;

const CONCURRENCY = 5;

export async function checkDatabasesDeleted(
  input: CheckDatabasesDeletedInput,
  clients: { rds: RDSClient },
): Promise<CheckDatabasesDeletedOutput> {
  const results = await mapConcurrently(input.databases, CONCURRENCY, ({ instance }) =>
    checkDatabaseDeleted({ instance }, clients),
  );
  return { done: results.every((result) => result.done) };
}
