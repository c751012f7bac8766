import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { expiryOf, formatExpiry } from '../../core/environment-expiry.ts';
import { parseDownRequest } from '../../core/request.ts';
import {
  type HistoryEntry,
  readEnvironment,
  readHistory,
  teardownLines,
  teardownSummary,
} from '../../local/records.ts';
import { openReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import type { Io } from '../io.ts';
import { renderTable } from '../table.ts';

/** The environment named by the options, validated like a Down Requested detail. */
function environmentOf(options: EnvironmentCommandOptions, io: Io) {
  return parseDownRequest({ project: projectOf(options, io), environment: options.env });
}

export function registerStatus(program: Command, io: Io) {
  addEnvironmentOptions(
    program.command('status').description("an environment's mode, status, lock and expiry, from its record"),
  ).action(async (options: EnvironmentCommandOptions) => {
    const { project, environment } = environmentOf(options, io);
    const target = await openReadTarget(options.endpoint, io);
    try {
      const record = await readEnvironment(
        target.clients('dynamodb') as DynamoDBClient,
        target.tableName,
        project,
        environment,
      );
      if (!record)
        throw new CommandFailedError(
          `no environment ${project}/${environment} is recorded at ${target.where}`,
        );
      if (options.json) {
        io.stdout(`${JSON.stringify(record, null, 2)}\n`);
        return;
      }
      const rows: Array<[string, string]> = [
        ['environment', `${project}/${environment}`],
        ['status', record.status],
        ['mode', record.mode ?? `(none deployed yet; requested ${record.requestedMode ?? '?'})`],
        ['last deployment', record.lastDeploymentId ?? ''],
        ['locked by', record.lockId ? `${record.lockId} until ${record.lockExpiresAt}` : '(not locked)'],
        ['expires', formatExpiry(expiryOf(record))],
        ...(record.urls ?? []).map(({ service, url }): [string, string] => [`url (${service})`, url]),
        ['last error', record.lastError ?? ''],
      ];
      io.stdout(`${renderTable(['field', 'value'], rows)}\n`);
    } finally {
      await target.close();
    }
  });
}

/** A down's `destroyed: …` and `kept: …`, when its entry records them. */
function teardownLinesOf(entry: HistoryEntry): string[] {
  const summary = teardownSummary(entry);
  return summary ? teardownLines(summary) : [];
}

export function registerHistory(program: Command, io: Io) {
  addEnvironmentOptions(
    program.command('history').description("an environment's deployments and teardowns, oldest first"),
  ).action(async (options: EnvironmentCommandOptions) => {
    const { project, environment } = environmentOf(options, io);
    const target = await openReadTarget(options.endpoint, io);
    try {
      const history = await readHistory(
        target.clients('dynamodb') as DynamoDBClient,
        target.tableName,
        project,
        environment,
      );
      if (options.json) {
        io.stdout(`${JSON.stringify(history, null, 2)}\n`);
        return;
      }
      if (history.length === 0) {
        io.stdout(`no history for ${project}/${environment} at ${target.where}\n`);
        return;
      }
      io.stdout(
        `${renderTable(
          ['started', 'action', 'deployment', 'mode', 'status', 'detail'],
          history.map((entry) => [
            entry.startedAt,
            entry.action,
            entry.deploymentId,
            entry.mode,
            entry.status,
            entry.failedState
              ? `${entry.failedState}: ${entry.error ?? ''}`
              : [entry.warning, entry.overrides && `overrides: ${entry.overrides}`, ...teardownLinesOf(entry)]
                  .filter(Boolean)
                  .join('; '),
          ]),
        )}\n`,
      );
    } finally {
      await target.close();
    }
  });
}
