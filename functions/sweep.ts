/**
 * The sweep handler, run by the CronV2 schedule: selects the development
 * environments past their TTL or idle too long (core/sweep.ts) and publishes
 * a `Down Requested` event for each; the down handler does the rest. Then it
 * audits the deployed staging and production environments' settings against
 * their mode (core/drift-sweep.ts) and publishes an `Environment Drifted`
 * event for each difference, changing nothing.
 *
 * Configuration (environment variables): `TABLE_NAME`, `BUS_NAME`,
 * `SWEEP_MAX_IDLE_SECONDS` (default 7 days; 0 sweeps no idle ones),
 * `SWEEP_LIMIT` (default 50 per run).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { Route53Client } from '@aws-sdk/client-route-53';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type DriftSweepResult, sweepDrift } from '../core/drift-sweep.ts';
import { asPrincipal } from '../core/principal.ts';
import {
  type FailedDownRequest,
  type RequestedDown,
  requestDowns,
  resourceModeTags,
  type SkippedCandidate,
  SWEEP_DEFAULTS,
  selectForSweep,
} from '../core/sweep.ts';
import type { DriftClients } from './aws/audit/environment-state.ts';

export interface SweepClients extends DriftClients {
  readonly dynamodb: DynamoDBClient;
  readonly eventbridge: EventBridgeClient;
}

/** What the handler reads from its environment. */
export interface SweepEnv {
  readonly TABLE_NAME?: string | undefined;
  readonly BUS_NAME?: string | undefined;
  readonly SWEEP_MAX_IDLE_SECONDS?: string | undefined;
  readonly SWEEP_LIMIT?: string | undefined;
}

/** What tests (or another wiring) may replace; each has a default for Lambda. */
export interface SweepDeps {
  /** @default clients made once per container from the Lambda's own configuration */
  readonly clients?: SweepClients;
  /** @default process.env */
  readonly env?: SweepEnv;
  /** @default the time of the invocation */
  readonly now?: () => Date;
  /** @default the handler's Powertools logger */
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface SweepResult {
  readonly requested: RequestedDown[];
  readonly failed: FailedDownRequest[];
  readonly skipped: SkippedCandidate[];
  /** true when the limit left candidates for the next run. */
  readonly more: boolean;
  /** The staging and production environments' drift audit. */
  readonly drift: DriftSweepResult;
}

/** The handler's configuration is wrong: a missing or malformed environment variable. */
export class SweepConfigurationError extends Error {
  override name = 'SweepConfigurationError';
}

const logger = new Logger({ serviceName: 'modeshift-sweep' });

let defaultClients: SweepClients | undefined;
/** One set of clients per Lambda container, reused across invocations. */
function lambdaClients(): SweepClients {
  defaultClients ??= {
    dynamodb: new DynamoDBClient({}),
    eventbridge: new EventBridgeClient({}),
    tagging: new ResourceGroupsTaggingAPIClient({}),
    ec2: new EC2Client({}),
    ecs: new ECSClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    rds: new RDSClient({}),
    elasticache: new ElastiCacheClient({}),
    logs: new CloudWatchLogsClient({}),
    route53: new Route53Client({}),
    codebuild: new CodeBuildClient({}),
  };
  return defaultClients;
}

function required(env: SweepEnv, name: 'TABLE_NAME' | 'BUS_NAME'): string {
  const value = env[name];
  if (!value) throw new SweepConfigurationError(`${name} is not set`);
  return value;
}

function wholeNumber(
  env: SweepEnv,
  name: 'SWEEP_MAX_IDLE_SECONDS' | 'SWEEP_LIMIT',
  fallback: number,
  minimum: number,
): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < minimum)
    throw new SweepConfigurationError(
      `${name}: ${JSON.stringify(value)} is not a whole number of ${minimum} or more`,
    );
  return Number(value);
}

/** The sweep itself, for tests and other wirings; `handler` is this with Lambda's middleware. */
export function sweepCore(_event: unknown, _context: Context, deps: SweepDeps = {}): Promise<SweepResult> {
  return asPrincipal('function/Sweep', () => sweep(deps));
}

async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const env = deps.env ?? process.env;
  const log = deps.logger ?? logger;
  const tableName = required(env, 'TABLE_NAME');
  const busName = required(env, 'BUS_NAME');
  const maxIdleSeconds = wholeNumber(env, 'SWEEP_MAX_IDLE_SECONDS', SWEEP_DEFAULTS.maxIdleSeconds, 0);
  const limit = wholeNumber(env, 'SWEEP_LIMIT', SWEEP_DEFAULTS.limit, 1);
  const clients = deps.clients ?? lambdaClients();
  const now = deps.now?.() ?? new Date();

  const selection = await selectForSweep({
    dynamodb: clients.dynamodb,
    tableName,
    now,
    maxIdleSeconds,
    limit,
    tags: resourceModeTags({ tagging: clients.tagging }),
  });
  for (const candidate of selection.selected) log.info('sweeping environment', { ...candidate });
  for (const candidate of selection.skipped) log.info('skipping environment', { ...candidate });

  const { requested, failed } = await requestDowns(selection.selected, {
    eventbridge: clients.eventbridge,
    busName,
    now,
  });
  for (const down of failed) log.error('down request not accepted', { ...down });
  if (selection.more) log.warn('limit reached: the next run takes the rest', { limit });

  const drift = await sweepDrift({
    dynamodb: clients.dynamodb,
    tableName,
    clients,
    eventbridge: clients.eventbridge,
    busName,
    now,
  });
  for (const environment of drift.drifted)
    log.warn('environment drifted from its mode', {
      project: environment.project,
      environment: environment.environment,
      findings: environment.findings.map((finding) => finding.detail),
    });
  for (const environment of drift.failed) log.error('drift audit failed', { ...environment });
  return { requested, failed, skipped: selection.skipped, more: selection.more, drift };
}

/**
 * The Lambda handler. middy calls its handler with a third argument of its
 * own (`{ signal }`), so `sweepCore` is wrapped rather than passed, keeping
 * that argument out of `deps`.
 */
export const handler = middy(function sweepHandler(event: unknown, context: Context) {
  return sweepCore(event, context);
}).use(injectLambdaContext(logger));
