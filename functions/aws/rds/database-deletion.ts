/**
 * CheckDatabaseDeleted: whether an RDS instance the down workflow deleted is
 * gone yet.
 */
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { TeardownProgress } from '../../resource-refs.ts';
import { hasAwsErrorName } from '../errors.ts';

export interface CheckDatabaseDeletedInput {
  /** The RDS instance identifier. */
  readonly instance: string;
}

export type CheckDatabaseDeletedOutput = TeardownProgress;

/** Done once RDS no longer knows the instance; otherwise look again in 30 seconds. */
export async function checkDatabaseDeleted(
  input: CheckDatabaseDeletedInput,
  clients: { rds: RDSClient },
): Promise<CheckDatabaseDeletedOutput> {
  try {
    const { DBInstances } = await clients.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: input.instance }),
    );
    const present = (DBInstances ?? []).some((instance) => instance.DBInstanceIdentifier === input.instance);
    return present ? { done: false } : { done: true };
  } catch (error) {
    if (hasAwsErrorName(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) {
      return { done: true };
    }
    throw error;
  }
}
