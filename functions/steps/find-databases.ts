/**
 * FindDatabases: the environment's RDS instances, found by their tags, for
 * the down workflow to delete one by one.
 */
import {
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { assertSubnetGroupOwned } from '../aws/rds/db-subnet-group.ts';
import { environmentDatabases } from '../aws/rds/environment-databases.ts';
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
  /**
   * Whether the environment's subnet group exists. The down deletes it only then: IAM authorises a delete
   * by its tags, so deleting one that does not exist is refused (AccessDenied), not found missing.
   */
  readonly subnetGroup: boolean;
}

/**
 * Every RDS instance tagged with this project and environment that is not
 * already being deleted (a repeated down finds nothing left to delete).
 * An RDS subnet group of the environment's name that is not tagged for it
 * stops the step with `Modeshift.NotOwned`.
 */
export const findDatabases = defineStep({
  name: 'FindDatabases',
  clients: { rds: RDSClient },
  sends: [DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand],
  async run(input: FindDatabasesInput, { rds }): Promise<FindDatabasesOutput> {
    const identity = { project: input.project, environment: input.environment };
    // DeleteDbSubnetGroup deletes by name after this step: a group of that name that is another's stops the down here.
    const subnetGroup = await assertSubnetGroupOwned(rds, input.names.dbSubnetGroup, identity);
    const databases = (await environmentDatabases(rds, identity)).map((instance) => ({
      instance: instance.DBInstanceIdentifier as string,
      deletionProtection: instance.DeletionProtection ?? false,
    }));
    return { databases, subnetGroup };
  },
});

export const handler = lambdaHandler(findDatabases);
