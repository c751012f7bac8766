/** An environment's RDS instances, found by their project and environment tags. */
import { type DBInstance, paginateDescribeDBInstances, type RDSClient } from '@aws-sdk/client-rds';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';

/** Every RDS instance tagged for the environment that is not already being deleted. */
export async function environmentDatabases(
  rds: RDSClient,
  owner: EnvironmentIdentity,
): Promise<DBInstance[]> {
  const instances: DBInstance[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds }, {})) {
    for (const instance of page.DBInstances ?? []) {
      if (instance.DBInstanceIdentifier === undefined) continue;
      if (instance.DBInstanceStatus === 'deleting') continue;
      if (isTaggedForEnvironment(instance.TagList, owner)) instances.push(instance);
    }
  }
  return instances;
}
