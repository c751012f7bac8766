/**
 * `modeshift graph`: writes one self-contained HTML page drawing the deploy
 * and down workflows with a path highlighted — the path a mode takes
 * (`--mode`, as `plan` traces it) or the paths an environment's runs took
 * (`--env`, from its history and the executions' transitions).
 */

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';
import { formatProblem, InputError, type Problem } from '../../core/errors.ts';
import type { Mode } from '../../core/policy.ts';
import { resolveMode } from '../../core/policy.ts';
import { parseDownRequest } from '../../core/request.ts';
import { hasAwsErrorName } from '../../functions/aws/errors.ts';
import { readExecutionTrace } from '../../local/execution-traces.ts';
import { type HistoryEntry, readEnvironment, readHistory } from '../../local/records.ts';
import { openTarget } from '../../local/target.ts';
import { accountIdentity, chooseTarget, describeAccount, describeEndpoint } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { loadRequest } from '../compose-options.ts';
import { readDeployedExecutionTrace } from '../deployed-execution-trace.ts';
import { deployedClients } from '../deployed-run.ts';
import { environmentGraphPage } from '../environment-graph.ts';
import { projectOf } from '../environment-options.ts';
import { type GraphPage, graphSummary, renderGraphPage } from '../graph-page.ts';
import type { Io } from '../io.ts';
import { plannedGraphPage } from '../planned-graph.ts';

/** The request `--mode` draws when no compose file is given: the bundled shop example (builds, a database, a domain). */
export const REPRESENTATIVE_COMPOSE = fileURLToPath(
  new URL('../../examples/shop/compose.yaml', import.meta.url),
);

/** The environment name of the request `--mode` draws (the name does not change the path). */
const PLANNED_ENVIRONMENT = 'preview';

export interface GraphCommandOptions {
  out: string;
  mode?: string;
  env?: string;
  file?: string;
  project?: string;
  set: string[];
  ttl?: string;
  force?: boolean;
  previousMode?: string;
  endpoint?: string;
  json?: boolean;
}

/** Exactly one of --mode and --env; the options that belong to the other one are refused by name. */
function checkOptions(options: GraphCommandOptions): Problem[] {
  if (options.mode !== undefined && options.env !== undefined)
    return [
      {
        path: '--mode',
        message:
          'cannot be combined with --env: --mode draws the path a mode takes, --env the path the environment’s last run took',
      },
    ];
  if (options.mode === undefined && options.env === undefined)
    return [
      {
        path: '--mode',
        message:
          'or --env is required: --mode MODE draws a mode’s path, --env NAME an environment’s last run',
      },
    ];
  const problems: Problem[] = [];
  if (options.mode !== undefined && options.endpoint !== undefined)
    problems.push({
      path: '--endpoint',
      message: 'is for --env (the --mode path is traced without AWS calls)',
    });
  if (options.env !== undefined) {
    const modeOnly: Array<[string, boolean]> = [
      ['--set', options.set.length > 0],
      ['--ttl', options.ttl !== undefined],
      ['--force', options.force === true],
      ['--previous-mode', options.previousMode !== undefined],
    ];
    for (const [name, given] of modeOnly)
      if (given) problems.push({ path: name, message: 'is for --mode (--env draws what the runs did)' });
  }
  return problems;
}

function plannedPage(options: GraphCommandOptions & { mode: string }, io: Io): GraphPage {
  const mode = resolveMode(options.mode, '--mode');
  const previousMode: Mode | undefined =
    options.previousMode === undefined ? undefined : resolveMode(options.previousMode, '--previous-mode');
  const loaded = loadRequest(
    {
      file: options.file ?? REPRESENTATIVE_COMPOSE,
      env: PLANNED_ENVIRONMENT,
      mode,
      set: options.set,
      // A graph uploads nothing: where a build context lies does not change it.
      allowContextOutside: true,
      ...(options.project !== undefined ? { project: options.project } : {}),
      ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
      ...(options.force ? { force: true } : {}),
    },
    io,
  );
  for (const warning of loaded.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
  return plannedGraphPage(loaded, {
    requestLabel:
      options.file === undefined
        ? 'the bundled example (examples/shop: web, api, worker, Postgres, a domain)'
        : options.file,
    now: io.now(),
    ...(previousMode !== undefined ? { previousMode } : {}),
  });
}

/** The trace of a deployed execution; undefined when Step Functions no longer keeps it (90 days). */
async function deployedTrace(sfn: SFNClient, entry: HistoryEntry) {
  try {
    return await readDeployedExecutionTrace(sfn, entry.action, entry.executionArn);
  } catch (error) {
    if (hasAwsErrorName(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
}

async function environmentPage(options: GraphCommandOptions & { env: string }, io: Io): Promise<GraphPage> {
  const { project, environment } = parseDownRequest({
    project: projectOf(options, io),
    environment: options.env,
  });
  const warn = (line: string) => io.stderr(`warning: ${line}\n`);
  const choice = chooseTarget(options.endpoint, io);
  if (choice.kind === 'account') {
    const { app } = choice;
    const { dynamodb, sfn, sts } = deployedClients();
    io.stderr(`${describeAccount(await accountIdentity(app, sts))}\n`);
    return environmentGraphPage({
      project,
      environment,
      where: `the deployed app (table ${app.tableName})`,
      record: await readEnvironment(dynamodb, app.tableName, project, environment),
      history: await readHistory(dynamodb, app.tableName, project, environment),
      traceOf: (entry) => deployedTrace(sfn, entry),
      warn,
    });
  }
  const target = await openTarget(choice.endpoint, { env: io.env });
  try {
    io.stderr(`${describeEndpoint(target)}\n`);
    const dynamodb = target.clients('dynamodb') as DynamoDBClient;
    const s3 = target.clients('s3') as S3Client;
    return await environmentGraphPage({
      project,
      environment,
      where: target.endpoint,
      record: await readEnvironment(dynamodb, target.names.tableName, project, environment),
      history: await readHistory(dynamodb, target.names.tableName, project, environment),
      traceOf: (entry) => readExecutionTrace(s3, target.names.artifactBucket, entry.executionArn),
      warn,
    });
  } finally {
    await target.close();
  }
}

export function registerGraph(program: Command, io: Io) {
  program
    .command('graph')
    .description(
      'write one self-contained HTML page drawing the deploy and down workflows, with the path a mode takes (--mode) or the last run of an environment took (--env) highlighted',
    )
    .requiredOption('--out <file.html>', 'the page to write')
    .option('--mode <mode>', 'draw the path this mode takes (development, staging, production or an alias)')
    .option('--env <name>', "draw the paths the environment's last runs took, failed steps in red")
    .option(
      '-f, --file <compose.yaml>',
      'with --mode: the compose file to plan (default: the bundled example); with --env: where the project name is read',
    )
    .option('--project <name>', 'project name (default: the compose file’s name)')
    .addOption(
      new Option('--set <key=value>', 'with --mode: override one policy setting (repeatable)')
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .option('--ttl <duration>', 'with --mode: a request with a ttl (arms the expiry schedule)')
    .option('--force', 'with --mode: allow a production → development mode change')
    .option(
      '--previous-mode <mode>',
      'with --mode: the mode the environment is in now (the mode-change guard)',
    )
    .option('--endpoint <url>', 'with --env: AWS API endpoint the runs went to; without it, the deployed app')
    .option('--json', 'print the page’s JSON summary')
    .action(async (options: GraphCommandOptions) => {
      const problems = checkOptions(options);
      if (problems.length > 0) throw new InputError(problems);
      const page =
        options.mode !== undefined
          ? plannedPage({ ...options, mode: options.mode }, io)
          : await environmentPage({ ...options, env: options.env as string }, io);
      const out = resolve(io.cwd, options.out);
      try {
        writeFileSync(out, renderGraphPage(page));
      } catch (error) {
        throw new CommandFailedError(`cannot write --out ${out}: ${(error as Error).message}`);
      }
      const summary = graphSummary(page);
      if (options.json) {
        io.stdout(`${JSON.stringify({ out, ...summary }, null, 2)}\n`);
        return;
      }
      const counts = page.workflows
        .map(({ graph }) => {
          const failed =
            graph.highlight.failed.length > 0 ? `, failed at ${graph.highlight.failed.join(', ')}` : '';
          return `${graph.workflow}: ${graph.highlight.path.length} states on the path${failed}`;
        })
        .join('; ');
      io.stdout(`Wrote ${out} (${counts})\n`);
    });
}
