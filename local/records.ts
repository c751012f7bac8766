/** The environments table read back: an environment's record and its history. */
import { type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { environmentNames } from '../core/names.ts';

export interface EnvironmentRecord {
  readonly project: string;
  readonly environment: string;
  readonly status: string;
  readonly mode?: string;
  readonly requestedMode?: string;
  readonly lastDeploymentId?: string;
  readonly lockId?: string;
  readonly lockExpiresAt?: string;
  readonly expiresAt?: number;
  readonly lastError?: string;
  readonly deployedAt?: string;
  readonly downAt?: string;
  readonly policy?: Record<string, unknown>;
}

export interface HistoryEntry {
  readonly action: 'deploy' | 'down';
  readonly deploymentId: string;
  readonly mode: string;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly executionArn: string;
  readonly warning?: string;
  /** A deploy's overridden settings (`name=value, …`), with `(confirmed)` after a production protection turned off. */
  readonly overrides?: string;
  readonly failedState?: string;
  readonly error?: string;
  readonly cause?: string;
}

export async function readEnvironment(
  dynamodb: DynamoDBClient,
  table: string,
  project: string,
  environment: string,
): Promise<EnvironmentRecord | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: environmentNames(project, environment).recordKey }, sk: { S: 'ENV' } },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const record = unmarshall(Item) as Record<string, unknown>;
  const policy =
    typeof record.policy === 'string' ? (JSON.parse(record.policy) as Record<string, unknown>) : undefined;
  const { pk: _pk, sk: _sk, requestedPolicy: _requested, ...rest } = record;
  return { ...(rest as unknown as EnvironmentRecord), ...(policy ? { policy } : {}) };
}

/** The environment's history, oldest first. */
export async function readHistory(
  dynamodb: DynamoDBClient,
  table: string,
  project: string,
  environment: string,
): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :history)',
        ExpressionAttributeValues: {
          ':pk': { S: environmentNames(project, environment).recordKey },
          ':history': { S: 'HIST#' },
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const { pk: _pk, sk: _sk, policy: _policy, ...entry } = unmarshall(item) as Record<string, unknown>;
      entries.push(entry as unknown as HistoryEntry);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return entries;
}
