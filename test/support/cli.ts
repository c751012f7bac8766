import { resolve } from 'node:path';
import type { Io } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the modeshift CLI in-process, as from the repository root, capturing its output. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd: resolve(import.meta.dirname, '../..'),
    now: () => new Date('2026-11-26T07:00:00Z'),
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}
