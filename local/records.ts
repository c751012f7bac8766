/** The environments table read back: an environment's record and its history. */
import { type DynamoDBClient, GetItemCommand, paginateScan, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type AppUrl, appUrls, type PublicService } from '../core/app-urls.ts';
import { environmentNames } from '../core/names.ts';
import type { TeamVpc } from '../core/request.ts';
import type { SharedNetworkSpec } from '../core/shared-network.ts';

export interface EnvironmentRecord {
  readonly project: string;
  readonly environment: string;
  readonly status: string;
  readonly mode?: string;
  readonly requestedMode?: string;
  readonly lastDeploymentId?: string;
  readonly lockId?: string;
  readonly lockExpiresAt?: string;
  /** The execution that holds the lock, recorded by its AcquireLock: a later request takes over a lock whose holder has ended. */
  readonly lockExecution?: string;
  readonly expiresAt?: number;
  /** The mode the sweep indexes the environment under: set only while a development environment is deployed. */
  readonly sweepMode?: string;
  /** Epoch seconds of the last deploy or down. */
  readonly lastActivityAt?: number;
  readonly lastError?: string;
  readonly deployedAt?: string;
  readonly downAt?: string;
  readonly policy?: Record<string, unknown>;
  /** The public services of the last successful deploy and the hostname each answers on. */
  readonly publicServices?: readonly PublicService[];
  /** The load balancer's DNS name, when the environment has one. */
  readonly loadBalancerDnsName?: string;
  /** Where the app answers, one URL per public service (core/app-urls.ts). */
  readonly urls?: readonly AppUrl[];
  /** The team's VPC the last successful deploy went into (`vpc`); absent for a VPC of its own. */
  readonly teamVpc?: TeamVpc;
  /**
   * The project's shared network the last successful deploy ran in (`network: shared`); null for a
   * network of its own; absent when no deploy since `network` existed recorded it.
   */
  readonly sharedNetwork?: Pick<SharedNetworkSpec, 'environment' | 'mode' | 'loadBalancer'> | null;
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
  /** A deploy's images, as JSON: `{ built: [service], reused: [service] }`. */
  readonly images?: string;
  /** A deploy's services that got an ECS deployment, as a JSON array. */
  readonly rolled?: string;
  /** A down's stores destroyed and what it kept, as JSON (the down workflow's TeardownSummary). */
  readonly teardown?: string;
}

/** What a down destroyed and kept, as its history entry records it. */
export interface TeardownSummary {
  readonly destroyed: {
    readonly databases: ReadonlyArray<{ readonly instance: string }>;
    readonly caches: ReadonlyArray<{ readonly replicationGroup: string }>;
    /** Whether the environment's hosted zone went too (development). */
    readonly hostedZone: boolean;
  };
  readonly kept: {
    readonly databaseSnapshots: readonly string[];
    readonly cacheSnapshots: readonly string[];
    /** Whether the load balancer's access logs were kept (production). */
    readonly accessLogs: boolean;
  };
}

/** The teardown a down's history entry records; undefined for entries that record none (deploys, failures, older downs). */
export function teardownSummary(entry: HistoryEntry | undefined): TeardownSummary | undefined {
  return entry?.teardown === undefined ? undefined : (JSON.parse(entry.teardown) as TeardownSummary);
}

/**
 * A teardown for a person: `destroyed: database a, cache b` and, when any were
 * kept, `kept: final snapshot a-final-…, access logs`.
 */
export function teardownLines(summary: TeardownSummary): string[] {
  const destroyed = [
    ...summary.destroyed.databases.map(({ instance }) => `database ${instance}`),
    ...summary.destroyed.caches.map(({ replicationGroup }) => `cache ${replicationGroup}`),
    ...(summary.destroyed.hostedZone ? ['hosted zone'] : []),
  ];
  const kept = [
    ...[...summary.kept.databaseSnapshots, ...summary.kept.cacheSnapshots].map(
      (snapshot) => `final snapshot ${snapshot}`,
    ),
    ...(summary.kept.accessLogs ? ['access logs'] : []),
  ];
  return [
    `destroyed: ${destroyed.length > 0 ? destroyed.join(', ') : 'no database, cache or hosted zone'}`,
    ...(kept.length > 0 ? [`kept: ${kept.join(', ')}`] : []),
  ];
}

/** What a deploy changed: the images it built, those it found built already, and the services it rolled out. */
export interface DeployChanges {
  readonly built: readonly string[];
  readonly reused: readonly string[];
  readonly rolled: readonly string[];
}

/** The changes a deploy's history entry records; undefined for entries that record none (older ones, downs, failures). */
export function deployChanges(entry: HistoryEntry | undefined): DeployChanges | undefined {
  if (entry?.images === undefined || entry.rolled === undefined) return undefined;
  const images = JSON.parse(entry.images) as { built?: string[]; reused?: string[] };
  return {
    built: images.built ?? [],
    reused: images.reused ?? [],
    rolled: JSON.parse(entry.rolled) as string[],
  };
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
  return environmentRecordOf(unmarshall(Item) as Record<string, unknown>);
}

/** A record item as the CLI shows it: JSON attributes parsed, the app's URLs derived. */
export function environmentRecordOf(item: Record<string, unknown>): EnvironmentRecord {
  const json = <T>(value: unknown): T | undefined =>
    typeof value === 'string' ? (JSON.parse(value) as T) : undefined;
  const policy = json<Record<string, unknown>>(item.policy);
  const publicServices = json<PublicService[]>(item.publicServices);
  const loadBalancerDnsName = json<{ dnsName?: string }>(item.loadBalancer)?.dnsName;
  const teamVpc = json<EnvironmentRecord['teamVpc'] | null>(item.teamVpc);
  const sharedNetwork = json<EnvironmentRecord['sharedNetwork']>(item.sharedNetwork);
  const {
    pk: _pk,
    sk: _sk,
    requestedPolicy: _requested,
    loadBalancer: _loadBalancer,
    publicServices: _publicServices,
    teamVpc: _teamVpc,
    sharedNetwork: _sharedNetwork,
    ...rest
  } = item;
  // Records written before the lock named them carry only their key, `project#environment`.
  const [project, environment] = typeof item.pk === 'string' ? item.pk.split('#') : [];
  return {
    ...(project !== undefined && environment !== undefined ? { project, environment } : {}),
    ...(rest as unknown as EnvironmentRecord),
    ...(policy ? { policy } : {}),
    ...(publicServices ? { publicServices } : {}),
    ...(loadBalancerDnsName !== undefined ? { loadBalancerDnsName } : {}),
    ...(teamVpc ? { teamVpc } : {}),
    ...(sharedNetwork !== undefined
      ? {
          sharedNetwork:
            sharedNetwork === null
              ? null
              : {
                  environment: sharedNetwork.environment,
                  mode: sharedNetwork.mode,
                  loadBalancer: sharedNetwork.loadBalancer,
                },
        }
      : {}),
    ...(publicServices ? { urls: appUrls(publicServices, loadBalancerDnsName) } : {}),
  };
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

export interface ListEnvironmentsOptions {
  /** Only this project's environments. @default every project */
  readonly project?: string;
  /** Items each Scan page evaluates. @default DynamoDB's own (1 MB a page) */
  readonly pageSize?: number;
}

/**
 * Every environment record in the table (not their history), sorted by project
 * and environment, read page by page: the table holds one record per
 * environment besides its history entries, and no index holds them all.
 */
export async function listEnvironments(
  dynamodb: DynamoDBClient,
  table: string,
  options: ListEnvironmentsOptions = {},
): Promise<EnvironmentRecord[]> {
  const records: EnvironmentRecord[] = [];
  const pages = paginateScan(
    { client: dynamodb, ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}) },
    {
      TableName: table,
      FilterExpression:
        options.project === undefined ? 'sk = :record' : 'sk = :record AND begins_with(pk, :project)',
      ExpressionAttributeValues: {
        ':record': { S: 'ENV' },
        ...(options.project !== undefined
          ? { ':project': { S: `${environmentNames(options.project, '').recordKey}` } }
          : {}),
      },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) records.push(environmentRecordOf(unmarshall(item)));
  }
  return records.sort((a, b) =>
    a.project === b.project ? a.environment.localeCompare(b.environment) : a.project.localeCompare(b.project),
  );
}
