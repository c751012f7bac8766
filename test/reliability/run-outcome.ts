/**
 * What a run left behind, read back for the fault-injection invariants: the
 * environment's record and history in the environments table, the outcome
 * events it put on the bus, the final snapshots of the databases it deleted,
 * and where its private subnets route.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRouteTablesCommand, DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBSnapshotsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { environmentTagFilters, SUBNET_TAG } from '../../functions/aws/ec2/network-tags.ts';
import { tagValue } from '../../functions/aws/environment-tags.ts';
import {
  type EnvironmentRecord,
  type HistoryEntry,
  readEnvironment,
  readHistory,
} from '../../local/records.ts';
import type { Target } from '../../local/target.ts';
import { callsOf } from '../e2e-emulator/local-aws.ts';
import { PROJECT } from './shop-requests.ts';

export function environmentRecord(
  target: Target,
  environment: string,
): Promise<EnvironmentRecord | undefined> {
  return readEnvironment(
    target.clients('dynamodb') as DynamoDBClient,
    target.names.tableName,
    PROJECT,
    environment,
  );
}

/** The environment's history entries written by one deployment id, oldest first. */
export async function historyOf(
  target: Target,
  environment: string,
  deploymentId: string,
): Promise<HistoryEntry[]> {
  const history = await readHistory(
    target.clients('dynamodb') as DynamoDBClient,
    target.names.tableName,
    PROJECT,
    environment,
  );
  return history.filter((entry) => entry.deploymentId === deploymentId);
}

/** The Detail of every event of this type put on the bus for the environment, parsed. */
export function outcomeEvents(
  target: Target,
  detailType: string,
  environment: string,
): Array<Record<string, unknown>> {
  return callsOf(target, 'eventbridge', 'PutEventsCommand')
    .flatMap((input) => (input.Entries ?? []) as Array<{ DetailType?: string; Detail?: string }>)
    .filter((entry) => entry.DetailType === detailType)
    .map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>)
    .filter((detail) => detail.environment === environment);
}

/**
 * Every DeleteDBInstance call of the run that would lose data: one that
 * skipped the final snapshot, or whose final snapshot does not exist.
 */
export async function deletesWithoutFinalSnapshot(target: Target): Promise<string[]> {
  const rds = target.clients('rds') as RDSClient;
  const problems: string[] = [];
  for (const call of callsOf(target, 'rds', 'DeleteDBInstanceCommand')) {
    const instance = String(call.DBInstanceIdentifier);
    const snapshot = call.FinalDBSnapshotIdentifier;
    if (call.SkipFinalSnapshot !== false || typeof snapshot !== 'string') {
      problems.push(`${instance} was deleted without a final snapshot`);
      continue;
    }
    const found = await rds
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshot }))
      .then((result) => result.DBSnapshots ?? [])
      .catch(() => []);
    if (found.length === 0) problems.push(`${instance}: final snapshot ${snapshot} does not exist`);
  }
  return problems;
}

/**
 * The environment's private subnets whose route table sends nothing to a NAT
 * gateway (in production each zone's private subnet routes 0.0.0.0/0 through
 * its own NAT gateway; without it, tasks there cannot pull images or reach AWS).
 */
export async function privateSubnetsWithoutNat(target: Target, environment: string): Promise<string[]> {
  const ec2 = target.clients('ec2') as EC2Client;
  const filters = environmentTagFilters(PROJECT, environment);
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: filters }));
  const { RouteTables = [] } = await ec2.send(new DescribeRouteTablesCommand({ Filters: filters }));
  return Subnets.filter((subnet) => tagValue(subnet.Tags, SUBNET_TAG)?.startsWith('private'))
    .filter((subnet) => {
      const table = RouteTables.find((candidate) =>
        (candidate.Associations ?? []).some((association) => association.SubnetId === subnet.SubnetId),
      );
      return !(table?.Routes ?? []).some(
        (route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.NatGatewayId !== undefined,
      );
    })
    .map((subnet) => `${tagValue(subnet.Tags, SUBNET_TAG)} (${subnet.SubnetId})`);
}
