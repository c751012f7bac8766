/**
 * The sweep: which development environments are past their TTL or idle too
 * long, and the Down Requested events that tear them down.
 *
 * Candidates come from two queries on the environments table's sparse
 * indexes (`sweepMode` is set only while an environment is deployed), never a
 * scan. Each candidate is then checked against its own record (read
 * consistently: an index can be stale or forged) and against the tags of its
 * resources; anything that is not plainly a development environment is
 * skipped, with the reason.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { environmentResources } from './environment-resources.ts';
import { environmentNames } from './names.ts';

/** Why an environment is due for teardown. */
export type SweepReason = 'expired' | 'idle';

/** An environment the sweep would take down. */
export interface SweepCandidate {
  readonly project: string;
  readonly environment: string;
  readonly reason: SweepReason;
  /** Epoch seconds the environment's TTL ran out at; absent when it has none. */
  readonly expiresAt?: number;
  /** Epoch seconds of the last deploy or down. */
  readonly lastActivityAt: number;
}

/** A candidate the checks refused: `reason` says why it is skipped, `due` why it was a candidate. */
export interface SkippedCandidate extends Omit<SweepCandidate, 'reason'> {
  readonly reason: string;
  readonly due: SweepReason;
}

/**
 * Reads the `modeshift:mode` tags of an environment's resources: one entry
 * per distinct tag set, e.g. `[{ 'modeshift:mode': 'development' }]`; empty
 * when the environment has no tagged resources.
 */
export type ModeTagReader = (project: string, environment: string) => Promise<Record<string, string>[]>;

export interface SelectForSweepOptions {
  readonly dynamodb: DynamoDBClient;
  /** The environments table (with the byModeAndExpiry and byModeAndActivity indexes). */
  readonly tableName: string;
  /** The time the sweep runs at: expiry and idleness are measured against it. */
  readonly now: Date;
  /**
   * An environment with no deploy or down for longer than this is swept as idle; 0 sweeps no idle ones.
   * @default 604800 (7 days)
   */
  readonly maxIdleSeconds?: number;
  /**
   * The most candidates one run gathers (and so checks and takes down); the rest wait for the next run.
   * @default 50
   */
  readonly limit?: number;
  /** The `modeshift:mode` tags on the environment's resources (see {@link resourceModeTags}). */
  readonly tags: ModeTagReader;
}

export interface SweepSelection {
  readonly selected: SweepCandidate[];
  readonly skipped: SkippedCandidate[];
  /** true when the limit stopped the run before every candidate was read: run again for the rest. */
  readonly more: boolean;
}

export const SWEEP_DEFAULTS = { maxIdleSeconds: 7 * 86_400, limit: 50 } as const;

/** The only mode the sweep ever takes down. */
const SWEPT_MODE = 'development';
const MODE_TAG = 'modeshift:mode';

/** The base of the sweep's errors. */
export class SweepError extends Error {
  override name = 'SweepError';
}

type Item = Record<string, AttributeValue>;

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** `20261126090000`: the UTC time of a sweep, for its deployment ids. */
export function sweepStamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The deployment id of the downs one sweep requests: `sweep-yyyymmddhhmmss`. */
export function sweepDeploymentId(now: Date): string {
  return `sweep-${sweepStamp(now)}`;
}

/** project and environment of an index entry: its attributes, else its record key (`project#environment`). */
function identify(entry: Record<string, unknown>): { project: string; environment: string } | undefined {
  if (typeof entry.project === 'string' && typeof entry.environment === 'string')
    return { project: entry.project, environment: entry.environment };
  if (typeof entry.pk !== 'string') return undefined;
  const [project, environment, ...rest] = entry.pk.split('#');
  if (!project || !environment || rest.length > 0) return undefined;
  return { project, environment };
}

interface IndexQuery {
  readonly reason: SweepReason;
  readonly indexName: string;
  readonly keyCondition: string;
  readonly names: Record<string, string>;
  readonly values: Item;
}

function indexQueries(now: number, maxIdleSeconds: number): IndexQuery[] {
  const mode = { S: SWEPT_MODE };
  const queries: IndexQuery[] = [
    {
      reason: 'expired',
      indexName: 'byModeAndExpiry',
      // expiresAt 0 means "no ttl": BETWEEN 1 leaves those out.
      keyCondition: '#sweepMode = :mode AND #expiresAt BETWEEN :first AND :now',
      names: { '#sweepMode': 'sweepMode', '#expiresAt': 'expiresAt' },
      values: { ':mode': mode, ':first': { N: '1' }, ':now': { N: String(now) } },
    },
  ];
  if (maxIdleSeconds > 0)
    queries.push({
      reason: 'idle',
      indexName: 'byModeAndActivity',
      keyCondition: '#sweepMode = :mode AND #lastActivityAt < :cutoff',
      names: { '#sweepMode': 'sweepMode', '#lastActivityAt': 'lastActivityAt' },
      values: { ':mode': mode, ':cutoff': { N: String(now - maxIdleSeconds) } },
    });
  return queries;
}

function candidateOf(
  identity: { project: string; environment: string },
  reason: SweepReason,
  entry: Record<string, unknown>,
): SweepCandidate {
  return {
    ...identity,
    reason,
    ...(typeof entry.expiresAt === 'number' && entry.expiresAt > 0 ? { expiresAt: entry.expiresAt } : {}),
    lastActivityAt: typeof entry.lastActivityAt === 'number' ? entry.lastActivityAt : 0,
  };
}

/**
 * Gathers up to `limit` distinct candidates from the indexes, expired ones
 * first. `more` is true when the limit was reached with entries possibly left
 * unread (DynamoDB may hand back a last key with nothing after it, so it can
 * be a false alarm, never a miss).
 */
async function gatherCandidates(
  dynamodb: DynamoDBClient,
  tableName: string,
  queries: readonly IndexQuery[],
  limit: number,
): Promise<{ candidates: SweepCandidate[]; more: boolean }> {
  const found = new Map<string, SweepCandidate>();
  const gathered = (more: boolean) => ({ candidates: [...found.values()], more });
  for (const [position, query] of queries.entries()) {
    let start: Item | undefined;
    do {
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: query.indexName,
          KeyConditionExpression: query.keyCondition,
          ExpressionAttributeNames: query.names,
          ExpressionAttributeValues: query.values,
          Limit: limit - found.size,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const entry = unmarshall(item) as Record<string, unknown>;
        const identity = identify(entry);
        if (!identity) continue;
        const key = environmentNames(identity.project, identity.environment).recordKey;
        if (found.has(key)) continue;
        if (found.size >= limit) return gathered(true);
        found.set(key, candidateOf(identity, query.reason, entry));
      }
      start = page.LastEvaluatedKey;
      if (found.size >= limit) return gathered(start !== undefined || position < queries.length - 1);
    } while (start);
  }
  return gathered(false);
}

async function readRecord(
  dynamodb: DynamoDBClient,
  tableName: string,
  candidate: SweepCandidate,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: {
        pk: { S: environmentNames(candidate.project, candidate.environment).recordKey },
        sk: { S: 'ENV' },
      },
      ConsistentRead: true,
    }),
  );
  return Item ? (unmarshall(Item) as Record<string, unknown>) : undefined;
}

function iso(epoch: number): string {
  return new Date(epoch * 1000).toISOString();
}

/**
 * Why the record refuses the candidate, or undefined when it confirms it: the
 * record must say development, deployed, unlocked, and still expired or idle.
 */
function recordRefusal(
  record: Record<string, unknown> | undefined,
  candidate: SweepCandidate,
  now: number,
  maxIdleSeconds: number,
): string | undefined {
  if (!record) return 'no environment record (stale index entry)';
  if (record.mode !== SWEPT_MODE)
    return `record says mode ${typeof record.mode === 'string' ? record.mode : '(none)'}, not ${SWEPT_MODE}`;
  if (record.status === 'down' || record.status === 'tearing-down')
    return `record says status ${String(record.status)}`;
  if (typeof record.lockId === 'string') {
    const lockExpiresAt = Date.parse(String(record.lockExpiresAt ?? ''));
    if (Number.isNaN(lockExpiresAt) || lockExpiresAt > now * 1000)
      return `locked by ${record.lockId} until ${String(record.lockExpiresAt ?? '(no expiry)')}`;
  }
  const expiresAt = typeof record.expiresAt === 'number' ? record.expiresAt : 0;
  const lastActivityAt = typeof record.lastActivityAt === 'number' ? record.lastActivityAt : 0;
  if (candidate.reason === 'expired' && !(expiresAt >= 1 && expiresAt <= now))
    return expiresAt > 0 ? `no longer expired (expires ${iso(expiresAt)})` : 'no longer has a ttl';
  if (candidate.reason === 'idle' && !(maxIdleSeconds > 0 && lastActivityAt < now - maxIdleSeconds))
    return `no longer idle (last activity ${iso(lastActivityAt)})`;
  return undefined;
}

/** Why the resources' tags refuse the candidate: any resource tagged with another mode. */
async function tagRefusal(tags: ModeTagReader, candidate: SweepCandidate): Promise<string | undefined> {
  let found: Record<string, string>[];
  try {
    found = await tags(candidate.project, candidate.environment);
  } catch (error) {
    return `could not read its resources' tags: ${(error as Error).message}`;
  }
  const other = found.map((set) => set[MODE_TAG]).find((mode) => mode !== undefined && mode !== SWEPT_MODE);
  return other === undefined ? undefined : `tag says ${other} (a resource is tagged ${MODE_TAG}=${other})`;
}

/**
 * The development environments to take down now: expired (TTL passed) or
 * idle past `maxIdleSeconds`, at most `limit` per run, each confirmed by its
 * record and its resources' tags. Nothing else is ever selected.
 */
export async function selectForSweep(options: SelectForSweepOptions): Promise<SweepSelection> {
  const maxIdleSeconds = options.maxIdleSeconds ?? SWEEP_DEFAULTS.maxIdleSeconds;
  const limit = options.limit ?? SWEEP_DEFAULTS.limit;
  if (!Number.isInteger(maxIdleSeconds) || maxIdleSeconds < 0)
    throw new SweepError(`maxIdleSeconds: ${maxIdleSeconds} is not a whole number of seconds, 0 or more`);
  if (!Number.isInteger(limit) || limit < 1)
    throw new SweepError(`limit: ${limit} is not a whole number, 1 or more`);
  const now = epochSeconds(options.now);
  const { candidates, more } = await gatherCandidates(
    options.dynamodb,
    options.tableName,
    indexQueries(now, maxIdleSeconds),
    limit,
  );
  const selected: SweepCandidate[] = [];
  const skipped: SkippedCandidate[] = [];
  for (const candidate of candidates) {
    const record = await readRecord(options.dynamodb, options.tableName, candidate);
    const refusal =
      recordRefusal(record, candidate, now, maxIdleSeconds) ?? (await tagRefusal(options.tags, candidate));
    const current = record ? candidateOf(candidate, candidate.reason, record) : candidate;
    if (refusal === undefined) selected.push(current);
    else {
      const { reason: due, ...rest } = current;
      skipped.push({ ...rest, reason: refusal, due });
    }
  }
  return { selected, skipped, more };
}

export interface RequestDownsOptions {
  readonly eventbridge: EventBridgeClient;
  /** The bus the down handler listens on. */
  readonly busName: string;
  /** The sweep's time: it names the downs' deployment id (`sweep-yyyymmddhhmmss`). */
  readonly now: Date;
}

export interface RequestedDown extends SweepCandidate {
  readonly deploymentId: string;
}

export interface FailedDownRequest extends RequestedDown {
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** PutEvents takes at most 10 entries per call. */
const EVENTS_PER_CALL = 10;

/**
 * Publishes a `Down Requested` event for each candidate, ten to a PutEvents
 * call. Entries the bus refused (or a call that failed) are reported in
 * `failed`, not thrown, so one bad batch does not hide the others.
 */
export async function requestDowns(
  candidates: readonly SweepCandidate[],
  options: RequestDownsOptions,
): Promise<{ requested: RequestedDown[]; failed: FailedDownRequest[] }> {
  const deploymentId = sweepDeploymentId(options.now);
  const downs: RequestedDown[] = candidates.map((candidate) => ({ ...candidate, deploymentId }));
  const requested: RequestedDown[] = [];
  const failed: FailedDownRequest[] = [];
  for (let first = 0; first < downs.length; first += EVENTS_PER_CALL) {
    const batch = downs.slice(first, first + EVENTS_PER_CALL);
    try {
      const { Entries = [] } = await options.eventbridge.send(
        new PutEventsCommand({
          Entries: batch.map((down) => ({
            EventBusName: options.busName,
            Source: 'modeshift',
            DetailType: 'Down Requested',
            Time: options.now,
            Detail: JSON.stringify({
              project: down.project,
              environment: down.environment,
              deploymentId: down.deploymentId,
              reason: down.reason,
            }),
          })),
        }),
      );
      for (const [index, down] of batch.entries()) {
        const entry = Entries[index];
        if (entry?.EventId && !entry.ErrorCode) requested.push(down);
        else
          failed.push({
            ...down,
            errorCode: entry?.ErrorCode ?? 'NoEventId',
            errorMessage: entry?.ErrorMessage ?? 'the bus returned no event id for this entry',
          });
      }
    } catch (error) {
      const { name, message } = error as Error;
      for (const down of batch) failed.push({ ...down, errorCode: name, errorMessage: message });
    }
  }
  return { requested, failed };
}

/**
 * A {@link ModeTagReader} on the Resource Groups Tagging API: every resource
 * tagged with the environment's `modeshift:project` and
 * `modeshift:environment`, page by page, reduced to its distinct
 * `modeshift:mode` values.
 */
export function resourceModeTags(clients: { tagging: ResourceGroupsTaggingAPIClient }): ModeTagReader {
  return async function readModeTags(project, environment) {
    const modes = new Set<string>();
    for (const mapping of await environmentResources(clients.tagging, project, environment))
      for (const tag of mapping.Tags ?? []) if (tag.Key === MODE_TAG && tag.Value) modes.add(tag.Value);
    return [...modes].sort().map((mode) => ({ [MODE_TAG]: mode }));
  };
}
