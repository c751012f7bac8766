/**
 * `plan` against what is deployed: where the live state is read from (an
 * explicit `--endpoint`, or the deployed app's AWS account), and the live
 * plan as text and as JSON. Without either, `plan` stays offline.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { formatProblem, isInputError, type Problem } from '../core/errors.ts';
import {
  actionCounts,
  type LiveChange,
  type LivePlan,
  type LiveServicePlan,
  type LiveValue,
} from '../core/live-plan.ts';
import { checkModeChange, type Mode, parseMode } from '../core/policy.ts';
import type { ZonePlanEntry } from '../core/zone-plan.ts';
import { type ClientFactory, createClientFactory } from '../engine/clients.ts';
import { StepError } from '../functions/step-errors.ts';
import { openTarget } from '../local/target.ts';
import { accountIdentity, describeAccount, describeEndpoint } from './aws-target.ts';
import { CommandFailedError } from './command-failed.ts';
import { findDeployedApp } from './deployed-app.ts';
import type { Io } from './io.ts';
import { type LiveStateClients, type LiveStateQuery, readLiveState } from './live-state.ts';
import { renderTable, showValue } from './table.ts';

/** Where the live state is read: an AWS API endpoint, or the account of the deployed app. */
export interface LiveSource {
  /** As the output names it: the endpoint's URL, or `the deployed app (table NAME)`. */
  readonly at: string;
  readonly clients: LiveStateClients;
  /** The account's public hosted zones: who holds each zone the deploy writes into (cli/live-zones.ts). */
  readonly route53: Route53Client;
  readonly tableName: string;
  /** Whether the API is the local emulator (local/target.ts), which keeps fewer ECS settings. */
  readonly emulator: boolean;
  close(): Promise<void>;
}

function liveClients(factory: ClientFactory): LiveStateClients {
  return {
    ecs: factory('ecs') as ECSClient,
    rds: factory('rds') as RDSClient,
    elasticache: factory('elasticache') as ElastiCacheClient,
    elbv2: factory('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
    logs: factory('cloudwatchlogs') as CloudWatchLogsClient,
    dynamodb: factory('dynamodb') as DynamoDBClient,
    ssm: factory('ssm') as SSMClient,
    ecr: factory('ecr') as ECRClient,
  };
}

/**
 * The live source `plan` compares with: `--endpoint` when given; else the
 * deployed app when one is found (unless `--offline`); else none, and the
 * plan stays offline. Unlike the other commands, no `--endpoint` never
 * means the embedded local AWS here: it would be empty.
 */
export async function openLiveSource(
  options: { readonly endpoint?: string; readonly offline?: boolean },
  io: Io,
): Promise<LiveSource | undefined> {
  if (options.endpoint !== undefined) {
    const target = await openTarget(options.endpoint, { env: io.env, log: (line) => io.stderr(`${line}\n`) });
    io.stderr(`${describeEndpoint(target)}\n`);
    return {
      at: target.endpoint,
      clients: liveClients(target.clients),
      route53: target.clients('route53') as Route53Client,
      tableName: target.names.tableName,
      emulator: target.emulator,
      close: () => target.close(),
    };
  }
  if (options.offline) return undefined;
  const app = findDeployedApp(io.cwd, io.env);
  if (app === undefined) return undefined;
  io.stderr(`${describeAccount(await accountIdentity(app))}\n`);
  const factory = createClientFactory();
  return {
    at: `the deployed app (table ${app.tableName})`,
    clients: liveClients(factory),
    route53: factory('route53') as Route53Client,
    tableName: app.tableName,
    emulator: false,
    close: async () => {},
  };
}

/** Reads the live state; a resource of the environment's name that is not its own stops the plan. */
export async function readLive(source: LiveSource, query: Omit<LiveStateQuery, 'tableName'>) {
  try {
    return await readLiveState(source.clients, {
      ...query,
      tableName: source.tableName,
      emulator: source.emulator,
    });
  } catch (error) {
    if (error instanceof StepError)
      throw new CommandFailedError(`cannot plan against ${source.at}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The mode the record names, when it is one. */
export function recordedMode(plan: LivePlan): Mode | undefined {
  return plan.deployedMode === undefined ? undefined : parseMode(plan.deployedMode);
}

/**
 * What `plan --json` adds with a live source: `deployed` (where and what), `live` (one entry per
 * resource) and `zones` (what the deploy does with each public zone).
 */
export function livePlanJson(
  source: LiveSource,
  plan: LivePlan,
  missing: readonly Problem[] = [],
  zones: readonly ZonePlanEntry[] = [],
) {
  return {
    deployed: { at: source.at, exists: plan.exists, mode: plan.deployedMode ?? null },
    live: plan.resources,
    /** Which built services' images a deploy builds or reuses, and which services it rolls out or leaves alone. */
    redeploy: plan.services,
    /** Each public zone: create, keep, adopt or refuse, and why. */
    zones,
    /** Config values the services need that are not set: a deploy would be refused for each. */
    missingConfigValues: missing,
  };
}

/** The lines that say a deploy would be refused for config values that are not set. */
export function renderMissingConfigValues(missing: readonly Problem[]): string {
  if (missing.length === 0) return '';
  return [
    `A deploy would be refused: ${missing.length} config value${missing.length === 1 ? ' is' : 's are'} not set.`,
    ...missing.map((problem) => `  ${formatProblem(problem)}`),
    '',
  ].join('\n');
}

/** The lines that say what the deploy does with each public zone; a refused one says how to proceed. */
export function renderZonePlan(zones: readonly ZonePlanEntry[]): string {
  if (zones.length === 0) return '';
  const refused = zones.filter((zone) => zone.action === 'refuse');
  return [
    'Public hosted zones:',
    renderTable(
      ['action', 'zone', 'note'],
      zones.map((zone) => [zone.action, zone.zone, zone.note]),
    ),
    ...(refused.length > 0
      ? [
          `A deploy would be refused: ${refused.length} zone${refused.length === 1 ? ' is' : 's are'} not the environment's to write into.`,
        ]
      : []),
    '',
  ].join('\n');
}

function showLive(value: LiveValue): string {
  return value === null ? '(none)' : showValue(value);
}

function showChange(item: LiveChange): string {
  return `${item.setting} ${showLive(item.from)}→${showLive(item.to)}${item.fromRecord ? '*' : ''}`;
}

/** How the deploy changes the environment's mode, in words; a refused change says why. */
function modeLine(plan: LivePlan, environment: string, force: boolean, confirm: string | undefined): string {
  const from = recordedMode(plan);
  const to = plan.requestedMode as Mode;
  try {
    const change = checkModeChange(from, to, {
      force,
      environment,
      ...(confirm !== undefined ? { confirm } : {}),
    });
    if (change.kind === 'initial') return `not deployed in any mode yet; this deploy makes it ${to}`;
    if (change.kind === 'unchanged') return `deployed in ${to} mode, which this deploy keeps`;
    return `deployed in ${from} mode; this deploy makes it ${to} (${change.kind})`;
  } catch (error) {
    if (!isInputError(error)) throw error;
    return `deployed in ${from} mode; ${error.problems.map((problem) => problem.message).join('; ')}`;
  }
}

/** The live plan as a person reads it: one line per resource, the settings that change named. */
export function renderLivePlan(
  source: LiveSource,
  plan: LivePlan,
  ids: {
    readonly project: string;
    readonly environment: string;
    readonly force: boolean;
    readonly confirm?: string | undefined;
  },
): string {
  const name = `${ids.project}/${ids.environment}`;
  const lines: string[] = [];
  if (!plan.exists) {
    lines.push(
      `Live plan against ${source.at}: ${name} does not exist there yet, so a deploy creates everything:`,
    );
  } else {
    lines.push(
      `Live plan against ${source.at}: ${name} is ${modeLine(plan, ids.environment, ids.force, ids.confirm)}.`,
    );
  }
  lines.push(
    renderTable(
      ['action', 'kind', 'name', 'changes'],
      plan.resources.map((item) => [
        item.action,
        item.kind,
        item.name,
        [item.changes.map(showChange).join(', '), item.note === undefined ? '' : `(${item.note})`]
          .filter((part) => part !== '')
          .join(' '),
      ]),
    ),
  );
  const counts = actionCounts(plan);
  lines.push(
    `${counts.create} to create, ${counts.update} to update, ${counts.remove} to remove, ${counts.keep} to keep`,
  );
  lines.push(servicesLine(plan.services));
  if (plan.resources.some((item) => item.changes.some((change) => change.fromRecord)))
    lines.push(
      '* the API reports no value for this setting: shown is what the last deploy set, from the environment record',
    );
  return `${lines.join('\n')}\n`;
}

/** `Images: build web · reuse api. Services: roll out web · unchanged api, worker.` */
function servicesLine(services: LiveServicePlan): string {
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');
  const images =
    services.build.length + services.reuse.length > 0
      ? `Images: build ${list(services.build)} · reuse ${list(services.reuse)}. `
      : '';
  return `${images}Services: roll out ${list(services.roll)} · unchanged ${list(services.unchanged)}.`;
}
