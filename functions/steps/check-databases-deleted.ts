/**
 * CheckDatabasesDeleted: whether every RDS instance functions/steps/delete-databases.ts deleted
 * is gone, one look at each.
 */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { checkDatabaseDeleted } from '../aws/rds/database-deletion.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface CheckDatabasesDeletedInput {
  readonly databases: ReadonlyArray<{ readonly instance: string }>;
}

export type CheckDatabasesDeletedOutput = TeardownProgress;

const CONCURRENCY = 5;

export const checkDatabasesDeleted = defineStep({
  name: 'CheckDatabasesDeleted',
  clients: { rds: RDSClient },
  sends: [DescribeDBInstancesCommand],
  async run(input: CheckDatabasesDeletedInput, { rds }): Promise<CheckDatabasesDeletedOutput> {
    const results = await mapConcurrently(input.databases, CONCURRENCY, ({ instance }) =>
      checkDatabaseDeleted({ instance }, { rds }),
    );
    return { done: results.every((result) => result.done) };
  },
  settled: (output) => output.done,
});

export const handler = lambdaHandler(checkDatabasesDeleted);
