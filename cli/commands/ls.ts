/**
 * `modeshift ls`: every environment in the environments table, with its mode,
 * status, last deploy, expiry and main URL, read page by page.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { type Expiry, expiryOf, formatExpiry } from '../../core/environment-expiry.ts';
import { InputError } from '../../core/errors.ts';
import { ProjectNameSchema, problemsFromZod } from '../../core/request.ts';
import { type EnvironmentRecord, listEnvironments } from '../../local/records.ts';
import { openReadTarget } from '../aws-target.ts';
import type { Io } from '../io.ts';
import { renderTable } from '../table.ts';

interface LsOptions {
  project?: string;
  endpoint?: string;
  json?: boolean;
}

/** One environment as `ls` shows it. */
export interface ListedEnvironment {
  readonly project: string;
  readonly environment: string;
  readonly mode?: string;
  readonly status: string;
  readonly lastDeploy?: { readonly id: string; readonly at?: string };
  readonly expiry: Expiry;
  /** The first public service's URL. */
  readonly url?: string;
}

export function listedEnvironment(record: EnvironmentRecord): ListedEnvironment {
  const url = record.status === 'down' ? undefined : record.urls?.[0]?.url;
  return {
    project: record.project,
    environment: record.environment,
    ...(record.mode !== undefined ? { mode: record.mode } : {}),
    status: record.status,
    ...(record.lastDeploymentId !== undefined
      ? {
          lastDeploy: {
            id: record.lastDeploymentId,
            ...(record.deployedAt !== undefined ? { at: record.deployedAt } : {}),
          },
        }
      : {}),
    expiry: expiryOf(record),
    ...(url !== undefined ? { url } : {}),
  };
}

export function registerLs(program: Command, io: Io) {
  program
    .command('ls')
    .description("every environment: mode, status, last deploy, expiry and main URL, from modeshift's table")
    .option('--project <name>', 'only this project’s environments')
    .option(
      '--endpoint <url>',
      'AWS API endpoint; "local" starts the embedded local AWS for this command (default: modeshift deployed in your account)',
    )
    .option('--json', 'print one machine-readable JSON document')
    .action(async (options: LsOptions) => {
      if (options.project !== undefined) {
        const checked = ProjectNameSchema.safeParse(options.project);
        if (!checked.success)
          throw new InputError(
            problemsFromZod(checked.error).map((problem) => ({ ...problem, path: '--project' })),
          );
      }
      const target = await openReadTarget(options.endpoint, io);
      try {
        const records = await listEnvironments(
          target.clients('dynamodb') as DynamoDBClient,
          target.tableName,
          options.project !== undefined ? { project: options.project } : {},
        );
        const listed = records.map(listedEnvironment);
        if (options.json) {
          io.stdout(`${JSON.stringify(listed, null, 2)}\n`);
          return;
        }
        if (listed.length === 0) {
          io.stdout(
            `no environments${options.project ? ` of project ${options.project}` : ''} at ${target.where}\n`,
          );
          return;
        }
        io.stdout(
          `${renderTable(
            ['environment', 'mode', 'status', 'last deploy', 'expires', 'url'],
            listed.map((env) => [
              `${env.project}/${env.environment}`,
              env.mode ?? '',
              env.status,
              env.lastDeploy
                ? `${env.lastDeploy.at?.replace(/\.\d+Z$/, 'Z') ?? ''} ${env.lastDeploy.id}`.trim()
                : '',
              formatExpiry(env.expiry),
              env.url ?? '',
            ]),
          )}\n`,
        );
      } finally {
        await target.close();
      }
    });
}
