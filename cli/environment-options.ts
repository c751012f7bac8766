/**
 * The options of commands that name an existing environment (down, status,
 * history): the environment, its project, and where its AWS is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors.ts';
import type { Io } from './io.ts';

export interface EnvironmentCommandOptions {
  env: string;
  project?: string;
  file?: string;
  endpoint?: string;
  json?: boolean;
}

export function addEnvironmentOptions(command: Command): Command {
  return command
    .requiredOption('--env <name>', 'environment name')
    .option('--project <name>', 'project name (default: the name in --file, or in ./compose.yaml)')
    .option('-f, --file <compose.yaml>', 'compose file to take the project name from')
    .option('--endpoint <url>', 'AWS API endpoint; "local" (the default) starts the embedded local AWS')
    .option('--json', 'print one machine-readable JSON document');
}

/** The project: --project, else the top-level name of --file or ./compose.yaml. */
export function projectOf(options: EnvironmentCommandOptions, io: Io): string {
  if (options.project !== undefined) return options.project;
  const file = resolve(io.cwd, options.file ?? 'compose.yaml');
  if (existsSync(file)) {
    const name = (parseYaml(readFileSync(file, 'utf8')) as { name?: unknown } | null)?.name;
    if (typeof name === 'string') return name;
  }
  throw new InputError([
    { path: '--project', message: 'is required (or pass -f with a compose file that has a top-level name)' },
  ]);
}
