/**
 * The options of commands that name an existing environment (down, status,
 * history): the environment, its project, and where its AWS is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LineCounter, parseDocument } from 'yaml';
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
    .option(
      '--endpoint <url>',
      'AWS API endpoint; "local" starts the embedded local AWS for this command (default: modeshift deployed in your account)',
    )
    .option('--json', 'print one machine-readable JSON document');
}

/** The project: --project, else the top-level name of --file or ./compose.yaml. */
export function projectOf(options: EnvironmentCommandOptions, io: Io): string {
  if (options.project !== undefined) return options.project;
  const file = resolve(io.cwd, options.file ?? 'compose.yaml');
  if (existsSync(file)) {
    const lineCounter = new LineCounter();
    const document = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
    const error = document.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new InputError([
        {
          path: [options.file ?? 'compose.yaml', pos && `line ${pos.line}, column ${pos.col}`]
            .filter(Boolean)
            .join(', '),
          message: `YAML syntax error: ${error.message.split('\n')[0]}`,
        },
      ]);
    }
    const name = (document.toJS() as { name?: unknown } | null)?.name;
    if (typeof name === 'string') return name;
  }
  throw new InputError([
    { path: '--project', message: 'is required (or pass -f with a compose file that has a top-level name)' },
  ]);
}
