/**
 * The environment's RDS subnet group, which the workflows create and delete by
 * name (aws-sdk Tasks): the steps that run before them check that a group of
 * that name is the environment's.
 */
import {
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { assertOwned, type EnvironmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/**
 * Whether an RDS subnet group called `name` exists; throws `Modeshift.NotOwned` when it does and is not
 * tagged for `owner`.
 */
export async function assertSubnetGroupOwned(
  rds: RDSClient,
  name: string,
  owner: EnvironmentIdentity,
): Promise<boolean> {
  let arn: string | undefined;
  try {
    const { DBSubnetGroups = [] } = await rds.send(
      new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }),
    );
    arn = DBSubnetGroups.find((group) => group.DBSubnetGroupName === name)?.DBSubnetGroupArn;
  } catch (error) {
    if (hasAwsErrorName(error, 'DBSubnetGroupNotFoundFault')) return false;
    throw error;
  }
  if (arn === undefined) return false;
  const { TagList } = await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  assertOwned(`RDS subnet group ${name}`, TagList, owner);
  return true;
}
