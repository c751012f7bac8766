/**
 * FindDatabases: the environment's RDS instances, found by their tags, for
 * the down workflow to delete one by one.
 */
import { DescribeDBInstancesCommand, paginateDescribeDBInstances, RDSClient } from '@aws-sdk/client-rds';
import { isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type FindDatabasesInput = EnvironmentStepInput;

export interface FindDatabasesOutput {
  readonly databases: Array<{
    readonly instance: string;
    /** Whether down has to turn deletion protection off before deleting it. */
    readonly deletionProtection: boolean;
  }>;
}

/**
 * Every RDS instance tagged with this project and environment that is not
 * already being deleted (a repeated down finds nothing left to delete).
 */
export const findDatabases = defineStep({
  name: 'FindDatabases',
  clients: { rds: RDSClient },
  sends: [DescribeDBInstancesCommand],
  async run(input: FindDatabasesInput, { rds }): Promise<FindDatabasesOutput> {
    const identity = { project: input.project, environment: input.environment };
    const databases: Array<{ instance: string; deletionProtection: boolean }> = [];
    for await (const page of paginateDescribeDBInstances({ client: rds }, {})) {
      for (const instance of page.DBInstances ?? []) {
        if (instance.DBInstanceIdentifier === undefined) continue;
        if (instance.DBInstanceStatus === 'deleting') continue;
        if (!isTaggedForEnvironment(instance.TagList, identity)) continue;
        databases.push({
          instance: instance.DBInstanceIdentifier,
          deletionProtection: instance.DeletionProtection ?? false,
        });
      }
    }
    return { databases };
  },
});

export const handler = lambdaHandler(findDatabases);
