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

/** Seconds between looks at an instance that is still being deleted. */
const RETRY_AFTER_SECONDS = 30;

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
    return present
      ? { done: false, retryAfterSeconds: RETRY_AFTER_SECONDS }
      : { done: true, retryAfterSeconds: 0 };
  } catch (error) {
    if (hasAwsErrorName(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) {
      return { done: true, retryAfterSeconds: 0 };
    }
    throw error;
  }
}
