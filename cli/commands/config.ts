/**
 * `modeshift config set|ls|rm`: an environment's config values, the
 * SecureStrings its services read at task start (core/config-values.ts). A
 * value is piped in or typed at a prompt that does not echo it; `--value`
 * takes it from the command line, where shell history and process lists see
 * it. Listing shows names and times, never values.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import {
  type ConfigScope,
  ConfigValueError,
  checkConfigName,
  checkConfigValue,
  configParameterName,
} from '../../core/config-values.ts';
import { InputError } from '../../core/errors.ts';
import { parseDownRequest } from '../../core/request.ts';
import {
  deleteConfigValue,
  listConfigValues,
  putConfigValue,
} from '../../functions/aws/ssm/config-values.ts';
import { openTarget } from '../../local/target.ts';
import { accountIdentity, describeAccount, describeEndpoint } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { findDeployedApp } from '../deployed-app.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import type { Io } from '../io.ts';
import { renderTable } from '../table.ts';

/** The environment options, with `--endpoint` described as the config commands use it. */
function addConfigOptions(command: Command): Command {
  const withOptions = addEnvironmentOptions(command);
  const endpoint = withOptions.options.find((option) => option.long === '--endpoint');
  if (endpoint) {
    endpoint.description =
      'AWS API endpoint whose Parameter Store holds the values (default: the account modeshift is deployed in)';
  }
  return withOptions;
}

/** The project and environment the options name, validated as a request's. */
function scopeOf(options: EnvironmentCommandOptions, io: Io): ConfigScope {
  const { project, environment } = parseDownRequest({
    project: projectOf(options, io),
    environment: options.env,
  });
  return { project, environment };
}

/**
 * Runs `work` with the Parameter Store that holds the environment's values
 * (and where that is, as a phrase): the `--endpoint`'s, or that of the
 * account modeshift is deployed in. The
 * embedded local AWS is refused: its values would be gone when the command ends.
 */
async function withParameterStore<T>(
  options: EnvironmentCommandOptions,
  io: Io,
  work: (ssm: SSMClient, where: string) => Promise<T>,
): Promise<T> {
  const app = options.endpoint === undefined ? findDeployedApp(io.cwd, io.env) : undefined;
  if (app) {
    const ssm = new SSMClient({});
    try {
      io.stderr(`${describeAccount(await accountIdentity(app))}\n`);
      return await work(ssm, 'in your AWS account');
    } finally {
      ssm.destroy();
    }
  }
  if (options.endpoint === undefined || options.endpoint === 'local') {
    throw new InputError([
      {
        path: '--endpoint',
        message:
          'config values must outlive the command, and the embedded local AWS stops with it: pass --endpoint URL ' +
          '(modeshift emulator prints one), or run where modeshift is deployed (.sst/outputs.json or MODESHIFT_* variables)',
      },
    ]);
  }
  const target = await openTarget(options.endpoint, { env: io.env });
  try {
    io.stderr(`${describeEndpoint(target)}\n`);
    return await work(target.clients('ssm') as SSMClient, `at ${target.endpoint}`);
  } finally {
    await target.close();
  }
}

/** A value from a pipe loses the line break `echo` adds; a typed or `--value` one is taken as it is. */
function withoutFinalLineBreak(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The value to store: `--value`, else standard input (a hidden prompt at a terminal). */
async function readValue(name: string, options: { value?: string }, io: Io): Promise<string> {
  if (options.value !== undefined) return options.value;
  const input = io.stdin;
  if (input === undefined) {
    throw new ConfigValueError([
      { path: 'value', message: 'there is no standard input to read it from: pipe it in, or pass --value' },
    ]);
  }
  if (input.isTTY) return input.readHidden(`value of ${name} (not shown): `);
  return withoutFinalLineBreak(await input.readAll());
}

type SetOptions = EnvironmentCommandOptions & { value?: string };

function registerSet(config: Command, io: Io) {
  addConfigOptions(
    config
      .command('set')
      .description('set a config value: read from stdin, or typed at a prompt that does not echo it')
      .argument('<NAME>', 'the variable the services read it into, e.g. API_KEY'),
  )
    .option(
      '--value <value>',
      'take the value from the command line (shell history and process lists see it)',
    )
    .action(async (name: string, options: SetOptions) => {
      checkConfigName(name);
      const scope = scopeOf(options, io);
      const value = await readValue(name, options, io);
      checkConfigValue(value);
      const result = await withParameterStore(options, io, (ssm) => putConfigValue(ssm, scope, name, value));
      const parameter = configParameterName(scope, name);
      if (options.json) {
        io.stdout(`${JSON.stringify({ name, ...scope, parameter, ...result }, null, 2)}\n`);
        return;
      }
      io.stdout(
        `${result.created ? 'created' : 'updated'} config value ${name} of ${scope.project}/${scope.environment} (${parameter}, version ${result.version})\n`,
      );
    });
}

function registerList(config: Command, io: Io) {
  addConfigOptions(
    config
      .command('ls')
      .description("list an environment's config values: names and last-modified times, no values"),
  ).action(async (options: EnvironmentCommandOptions) => {
    const scope = scopeOf(options, io);
    const { entries, where } = await withParameterStore(options, io, async (ssm, where) => ({
      entries: await listConfigValues(ssm, scope),
      where,
    }));
    if (options.json) {
      io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    if (entries.length === 0) {
      io.stdout(`no config values for ${scope.project}/${scope.environment} ${where}\n`);
      return;
    }
    io.stdout(
      `${renderTable(
        ['name', 'last modified'],
        entries.map((entry) => [entry.name, entry.lastModified]),
      )}\n`,
    );
  });
}

function registerRemove(config: Command, io: Io) {
  addConfigOptions(
    config
      .command('rm')
      .description('remove a config value')
      .argument('<NAME>', 'the config value to remove'),
  ).action(async (name: string, options: EnvironmentCommandOptions) => {
    checkConfigName(name);
    const scope = scopeOf(options, io);
    const removed = await withParameterStore(options, io, async (ssm, where) => ({
      deleted: await deleteConfigValue(ssm, scope, name),
      where,
    }));
    if (!removed.deleted) {
      throw new CommandFailedError(
        `config value ${name} is not set for ${scope.project}/${scope.environment} ${removed.where}: nothing removed (modeshift config ls lists what is)`,
      );
    }
    if (options.json) {
      io.stdout(`${JSON.stringify({ name, ...scope, removed: true }, null, 2)}\n`);
      return;
    }
    io.stdout(`removed config value ${name} of ${scope.project}/${scope.environment}\n`);
  });
}

export function registerConfig(program: Command, io: Io) {
  const config = program
    .command('config')
    .description(
      "set, list and remove an environment's config values: SecureStrings its services read at start",
    );
  registerSet(config, io);
  registerList(config, io);
  registerRemove(config, io);
}
