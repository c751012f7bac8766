import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Command } from 'commander';
import { type DriftSweepResult, sweepDrift } from '../../core/drift-sweep.ts';
import { formatDuration, parseDuration } from '../../core/duration.ts';
import { InputError, type Problem } from '../../core/errors.ts';
import { asPrincipal } from '../../core/principal.ts';
import { parseDownRequest } from '../../core/request.ts';
import {
  resourceModeTags,
  type SkippedCandidate,
  SWEEP_DEFAULTS,
  type SweepCandidate,
  selectForSweep,
  sweepDeploymentId,
} from '../../core/sweep.ts';
import { logAwsCalls } from '../../engine/call-log.ts';
import { downOnTarget, type RunReport } from '../../local/run-workflows.ts';
import { openTarget } from '../../local/target.ts';
import { chooseTarget, describeEndpoint } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import type { Io } from '../io.ts';
import { progressFor, withProgress } from '../live-progress.ts';
import { readableCause } from '../run-report.ts';
import { renderTable } from '../table.ts';
import { auditClients } from './audit.ts';

interface SweepCommandOptions {
  now?: string;
  endpoint?: string;
  dryRun?: boolean;
  maxIdle?: string;
  limit?: string;
  json?: boolean;
  quiet?: boolean;
}

interface SweepSettings {
  readonly now: Date;
  readonly maxIdleSeconds: number;
  readonly limit: number;
}

/** A date (midnight UTC), or a date and time with its zone: a time without one would be read as local time. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** The options checked together, so every bad one is reported at once. */
function settingsOf(options: SweepCommandOptions, io: Io): SweepSettings {
  const problems: Problem[] = [];
  let now = io.now();
  if (options.now !== undefined) {
    const parsed = new Date(options.now);
    if (ISO_TIME.test(options.now) && !Number.isNaN(parsed.getTime())) now = parsed;
    else
      problems.push({
        path: '--now',
        message: `${JSON.stringify(options.now)} is not an ISO 8601 time (expected e.g. 2026-11-26T09:00:00Z)`,
      });
  }
  let maxIdleSeconds: number = SWEEP_DEFAULTS.maxIdleSeconds;
  if (options.maxIdle !== undefined) {
    const ms = options.maxIdle.trim() === '0' ? 0 : parseDuration(options.maxIdle);
    if (ms === undefined)
      problems.push({
        path: '--max-idle',
        message: `${JSON.stringify(options.maxIdle)} is not a duration (expected e.g. 7d, 36h, or 0 to sweep no idle environments)`,
      });
    else maxIdleSeconds = Math.floor(ms / 1000);
  }
  let limit: number = SWEEP_DEFAULTS.limit;
  if (options.limit !== undefined) {
    if (/^\d+$/.test(options.limit) && Number(options.limit) >= 1) limit = Number(options.limit);
    else
      problems.push({
        path: '--limit',
        message: `${JSON.stringify(options.limit)} is not a whole number of 1 or more`,
      });
  }
  if (problems.length > 0) throw new InputError(problems);
  return { now, maxIdleSeconds, limit };
}

function when(epoch: number | undefined): string {
  return epoch ? new Date(epoch * 1000).toISOString() : '';
}

function candidateRow(candidate: SweepCandidate | SkippedCandidate, why: string): string[] {
  return [
    `${candidate.project}/${candidate.environment}`,
    why,
    when(candidate.expiresAt),
    when(candidate.lastActivityAt),
  ];
}

function printSelection(
  io: Io,
  heading: string,
  selected: readonly SweepCandidate[],
  skipped: readonly SkippedCandidate[],
  more: boolean,
) {
  const columns = ['environment', 'reason', 'expires', 'last activity'];
  io.stdout(
    selected.length === 0
      ? 'no development environment is expired or idle\n'
      : `${heading}:\n${renderTable(
          columns,
          selected.map((candidate) => candidateRow(candidate, candidate.reason)),
        )}\n`,
  );
  if (skipped.length > 0)
    io.stdout(
      `skipped:\n${renderTable(
        columns,
        skipped.map((candidate) => candidateRow(candidate, `${candidate.due}, but ${candidate.reason}`)),
      )}\n`,
    );
  if (more) io.stdout('limit reached: run the sweep again for the rest\n');
}

/** What one down did, for `--json` and the summary. */
interface SweptEnvironment extends SweepCandidate {
  readonly deploymentId: string;
  readonly status: RunReport['status'];
  readonly failedState?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Resources its policy kept. */
  readonly resources: readonly string[];
}

function sweptOf(candidate: SweepCandidate, report: RunReport): SweptEnvironment {
  return {
    ...candidate,
    deploymentId: report.deploymentId,
    status: report.status,
    ...(report.failedState !== undefined ? { failedState: report.failedState } : {}),
    ...(report.error !== undefined ? { error: report.error } : {}),
    ...(report.cause !== undefined ? { cause: readableCause(report.cause) } : {}),
    resources: report.resources,
  };
}

export function registerSweep(program: Command, io: Io) {
  program
    .command('sweep')
    .description(
      'tear down the development environments past their TTL or idle too long (never staging or production)',
    )
    .option('--now <iso>', 'the time to sweep at (default: now), e.g. 2026-11-26T09:00:00Z')
    .option('--endpoint <url>', 'AWS API endpoint; "local" starts the embedded local AWS for this command')
    .option('--dry-run', 'list what would be torn down, and what is skipped and why, without tearing down')
    .option(
      '--max-idle <duration>',
      `sweep environments idle this long; 0 for none (default: ${formatDuration(SWEEP_DEFAULTS.maxIdleSeconds * 1000)})`,
    )
    .option('--limit <n>', `the most environments one sweep takes (default: ${SWEEP_DEFAULTS.limit})`)
    .option('--quiet', 'print no progress lines')
    .option('--json', 'print one machine-readable JSON document')
    .action(async (options: SweepCommandOptions) => {
      const settings = settingsOf(options, io);
      const log = (line: string) => io.stderr(`${line}\n`);
      const choice = chooseTarget(options.endpoint, io);
      if (choice.kind === 'account') {
        throw new InputError([
          {
            path: '--endpoint',
            message:
              'modeshift deployed in your account sweeps by itself every hour (its Sweep function); this command sweeps a local AWS: pass --endpoint URL',
          },
        ]);
      }
      const target = await openTarget(choice.endpoint, { env: io.env, log });
      log(describeEndpoint(target));
      const tagging = new ResourceGroupsTaggingAPIClient(target.settings);
      logAwsCalls(tagging, 'tagging', target.endpoint);
      try {
        // The selection is what the sweep function does on AWS, with its role.
        const { selected, skipped, more } = await asPrincipal('function/Sweep', () =>
          selectForSweep({
            dynamodb: target.clients('dynamodb') as DynamoDBClient,
            tableName: target.names.tableName,
            now: settings.now,
            maxIdleSeconds: settings.maxIdleSeconds,
            limit: settings.limit,
            tags: resourceModeTags({ tagging }),
          }),
        );
        // So is the drift audit of staging and production; a dry run publishes no event.
        const drift = await asPrincipal('function/Sweep', () =>
          sweepDrift({
            dynamodb: target.clients('dynamodb') as DynamoDBClient,
            tableName: target.names.tableName,
            clients: auditClients({ clients: target.clients, tagging: () => tagging }),
            eventbridge: target.clients('eventbridge') as EventBridgeClient,
            busName: target.names.busName,
            now: settings.now,
            publish: !options.dryRun,
          }),
        );
        const now = settings.now.toISOString();
        if (options.dryRun) {
          if (options.json)
            io.stdout(`${JSON.stringify({ now, dryRun: true, selected, skipped, more, drift }, null, 2)}\n`);
          else {
            printSelection(io, `would tear down (at ${now})`, selected, skipped, more);
            printDrift(io, drift);
          }
          return;
        }

        // The local engine has no EventBridge → Step Functions wiring: run each down here.
        const swept: SweptEnvironment[] = [];
        for (const candidate of selected) {
          const request = parseDownRequest({
            project: candidate.project,
            environment: candidate.environment,
            deploymentId: sweepDeploymentId(settings.now),
          });
          log(
            `Taking ${request.project}/${request.environment} down (${candidate.reason}) at ${target.endpoint}`,
          );
          // --json keeps standard error quiet here, as it always has.
          const shown = { quiet: options.quiet || options.json };
          const report = await withProgress(progressFor('down', io, shown), (progress) =>
            downOnTarget(target, request, { now: settings.now, ...progress }),
          );
          swept.push(sweptOf(candidate, report));
        }
        const failed = swept.filter((environment) => environment.status === 'FAILED');
        if (options.json) io.stdout(`${JSON.stringify({ now, swept, skipped, more, drift }, null, 2)}\n`);
        else {
          printSelection(io, `tearing down (at ${now})`, selected, skipped, more);
          printDrift(io, drift);
          for (const environment of swept)
            io.stdout(
              environment.status === 'SUCCEEDED'
                ? `✓ ${environment.project}/${environment.environment} is down (${environment.reason})\n`
                : `✗ ${environment.project}/${environment.environment}: down failed at ${environment.failedState ?? 'an unknown step'}\n`,
            );
        }
        if (failed.length > 0)
          throw new CommandFailedError(
            failed
              .map(
                (environment) =>
                  `✗ down of ${environment.project}/${environment.environment} failed at ${
                    environment.failedState ?? 'an unknown step'
                  }: ${environment.error ?? 'error'}${environment.cause ? ` — ${environment.cause}` : ''}`,
              )
              .join('\n'),
          );
      } finally {
        tagging.destroy();
        await target.close();
      }
    });
}

/** The drift audit's result: one line per drifted setting, and the environments it could not read. */
function printDrift(io: Io, drift: DriftSweepResult) {
  const findings = drift.drifted.reduce((sum, environment) => sum + environment.findings.length, 0);
  io.stdout(
    `drift: ${drift.audited} staging and production environments audited, ${findings} settings drifted\n`,
  );
  for (const environment of drift.drifted)
    for (const finding of environment.findings)
      io.stdout(`  ${environment.project}/${environment.environment}: ${finding.detail}\n`);
  for (const environment of drift.failed)
    io.stdout(`  ${environment.project}/${environment.environment}: not audited: ${environment.error}\n`);
}
