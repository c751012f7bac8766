/**
 * The hourly drift audit (docs/reliability.md): every staging and production
 * environment that is deployed, its policy settings read back from AWS and
 * compared with the mode and overrides it was deployed with (the record's
 * policy). Each difference is published as an `Environment Drifted` event;
 * nothing is changed. A redeploy of the same request repairs what it finds.
 * The full audit, orphans and missing resources included, needs the compose
 * file: `modeshift audit`.
 */
import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type DriftClients, observeSettings } from '../functions/aws/audit/environment-state.ts';
import { type Finding, settingDrift } from './audit.ts';
import type { Policy } from './policy.ts';

/** The modes whose environments the sweep audits: development ones come and go by design. */
export const AUDITED_MODES: ReadonlySet<string> = new Set(['staging', 'production']);

/** PutEvents takes at most ten entries a call. */
const EVENTS_PER_CALL = 10;

export interface DriftSweepOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly clients: DriftClients;
  readonly eventbridge: EventBridgeClient;
  readonly busName: string;
  readonly now: Date;
  /** Whether to publish the events. @default true; false for a dry run */
  readonly publish?: boolean;
}

export interface DriftedEnvironment {
  readonly project: string;
  readonly environment: string;
  readonly mode: string;
  readonly findings: readonly Finding[];
}

export interface DriftSweepResult {
  /** How many environments were audited. */
  readonly audited: number;
  /** The environments with at least one drifted setting. */
  readonly drifted: readonly DriftedEnvironment[];
  /** Environments whose settings could not be read, with the error; the others are audited all the same. */
  readonly failed: ReadonlyArray<{
    readonly project: string;
    readonly environment: string;
    readonly error: string;
  }>;
  /** Events the bus refused. */
  readonly unpublished: number;
}

interface AuditedRecord {
  readonly project: string;
  readonly environment: string;
  readonly mode: string;
  readonly policy: Policy;
}

/** The deployed staging and production environments, with the policy each was deployed with. */
async function auditedRecords(dynamodb: DynamoDBClient, tableName: string): Promise<AuditedRecord[]> {
  const found: AuditedRecord[] = [];
  const pages = paginateScan(
    { client: dynamodb },
    {
      TableName: tableName,
      FilterExpression: 'sk = :record AND #status = :deployed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':record': { S: 'ENV' }, ':deployed': { S: 'deployed' } },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const record = unmarshall(item) as { pk?: string; mode?: string; policy?: string };
      const [project, environment] = (record.pk ?? '').split('#');
      if (!project || !environment || !record.mode || !AUDITED_MODES.has(record.mode) || !record.policy)
        continue;
      found.push({ project, environment, mode: record.mode, policy: JSON.parse(record.policy) as Policy });
    }
  }
  return found.sort((a, b) =>
    a.project === b.project ? a.environment.localeCompare(b.environment) : a.project.localeCompare(b.project),
  );
}

/** Audits every deployed staging and production environment's settings; publishes one event per finding. */
export async function sweepDrift(options: DriftSweepOptions): Promise<DriftSweepResult> {
  const records = await auditedRecords(options.dynamodb, options.tableName);
  const drifted: DriftedEnvironment[] = [];
  const failed: Array<{ project: string; environment: string; error: string }> = [];
  for (const record of records) {
    try {
      const settings = await observeSettings(options.clients, {
        project: record.project,
        environment: record.environment,
        // Only the access-log bucket's name needs them, and the settings read none from it.
        accountId: '',
        region: '',
      });
      const findings = settingDrift(record.policy, record.mode, settings);
      if (findings.length > 0)
        drifted.push({
          project: record.project,
          environment: record.environment,
          mode: record.mode,
          findings,
        });
    } catch (error) {
      failed.push({
        project: record.project,
        environment: record.environment,
        error: (error as Error).message,
      });
    }
  }
  const unpublished = options.publish === false ? 0 : await publish(drifted, options);
  return { audited: records.length, drifted, failed, unpublished };
}

/** One `Environment Drifted` event per finding; returns how many the bus refused. */
async function publish(drifted: readonly DriftedEnvironment[], options: DriftSweepOptions): Promise<number> {
  const entries = drifted.flatMap((environment) =>
    environment.findings.map((finding) => ({
      Source: 'modeshift',
      DetailType: 'Environment Drifted',
      EventBusName: options.busName,
      Time: options.now,
      Detail: JSON.stringify({
        project: environment.project,
        environment: environment.environment,
        mode: environment.mode,
        resource: finding.resource,
        setting: finding.setting,
        expected: finding.expected,
        actual: finding.actual,
        detail: finding.detail,
      }),
    })),
  );
  let refused = 0;
  for (let start = 0; start < entries.length; start += EVENTS_PER_CALL) {
    const { FailedEntryCount = 0 } = await options.eventbridge.send(
      new PutEventsCommand({ Entries: entries.slice(start, start + EVENTS_PER_CALL) }),
    );
    refused += FailedEntryCount;
  }
  return refused;
}
