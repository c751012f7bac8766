/** A workflow run's report for a person, and the exit it makes. */
import { type DeployChanges, teardownLines } from '../local/records.ts';
import type { RunReport } from '../local/run-workflows.ts';
import { CommandFailedError } from './command-failed.ts';
import type { Io } from './io.ts';

/** The readable part of a failure's cause: a Lambda step's errorMessage, else the cause itself. */
export function readableCause(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause as it is
  }
  return cause;
}

/** Prints the report (JSON or a summary) and fails the command when the run failed. */
export function finishRun(report: RunReport, io: Io, json: boolean): void {
  if (json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  const where = `${report.project}/${report.environment}`;
  const stats = `${report.transitions} state transitions, ${(report.durationMs / 1000).toFixed(1)}s`;
  if (report.status === 'SUCCEEDED') {
    if (!json) {
      const outcome =
        report.workflow === 'deploy'
          ? `${where} is deployed in ${report.mode} mode`
          : `${where} is down; ${report.resources.length} resource(s) kept by its ${report.mode ?? ''} policy`;
      io.stdout(`✓ ${report.workflow} succeeded: ${outcome} (${stats})\n`);
      const urls = report.urls ?? [];
      const width = Math.max(0, ...urls.map((entry) => entry.service.length));
      for (const { service, url } of urls) io.stdout(`  ${service.padEnd(width)}  ${url}\n`);
      if (report.changes) io.stdout(`${changesLine(report.changes)}\n`);
      if (report.warning) io.stderr(`warning: ${report.warning}\n`);
      if (report.teardown) for (const line of teardownLines(report.teardown)) io.stdout(`  ${line}\n`);
      if (report.workflow === 'down') for (const arn of report.resources) io.stdout(`  kept: ${arn}\n`);
    }
    return;
  }
  throw new CommandFailedError(
    `✗ ${report.workflow} of ${where} failed at ${report.failedState ?? 'an unknown step'}: ${report.error ?? 'error'}${
      report.cause ? ` — ${readableCause(report.cause)}` : ''
    }`,
  );
}

/** `  built: web · reused: api · rolled out: web`, with `none` for an empty list. */
export function changesLine(changes: DeployChanges): string {
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');
  return `  built: ${list(changes.built)} · reused: ${list(changes.reused)} · rolled out: ${list(changes.rolled)}`;
}
