/**
 * The modeshift CLI run in-process for tests, as from the repository root,
 * with its output captured and its clock at 2026-11-26T07:00:00Z; and the
 * `plan` command on the bundled shop example, which the CLI tests run most.
 */
import { resolve } from 'node:path';
import type { Io } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the CLI's standard input gives: text piped in, or a line a person types at a terminal. */
export type CliInput = { readonly piped: string } | { readonly typed: string };

/**
 * Runs the modeshift CLI in-process, as from the repository root, capturing its output.
 * `input`: its standard input (a typed line is read at a hidden prompt). @default none
 */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  input?: CliInput,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...(input === undefined
      ? {}
      : {
          stdin: {
            isTTY: 'typed' in input,
            readAll: async () => ('piped' in input ? input.piped : ''),
            readHidden: async (prompt: string) => {
              stderr += `${prompt}\n`;
              return 'typed' in input ? input.typed : '';
            },
          },
        }),
    env,
    cwd: resolve(import.meta.dirname, '../..'),
    now: () => new Date('2026-11-26T07:00:00Z'),
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

/** The bundled shop example's compose file (web + api + worker + Postgres), relative to the repository root. */
export const SHOP_EXAMPLE = 'examples/shop/compose.yaml';

/** Runs `modeshift plan -f examples/shop/compose.yaml` followed by `args`. */
export function planShop(...args: string[]): Promise<CliResult> {
  return runCli(['plan', '-f', SHOP_EXAMPLE, ...args]);
}
