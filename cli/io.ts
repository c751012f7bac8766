import { type Input, processInput } from './standard-input.ts';

/** Where the CLI reads and writes: the process's streams, or a test's buffers. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, for a value piped or typed in (`config set`). @default none: such a command asks for `--value` */
  readonly stdin?: Input;
  /** Environment variables, for interpolation in compose files. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths are resolved against. */
  readonly cwd: string;
  /** Current time, so outputs that depend on it are testable. */
  readonly now: () => Date;
  /** Whether standard output is a terminal, for colour. @default false */
  readonly stdoutIsTTY?: boolean;
  /** Whether standard error is a terminal, for the live progress view. @default false */
  readonly stderrIsTTY?: boolean;
  /** Columns of the terminal on standard error, when it is one. */
  readonly stderrColumns?: () => number | undefined;
  /**
   * Calls `listener` once on an interrupt (Ctrl-C), for a command that runs until then
   * (`logs --follow`); returns a function that stops listening. @default none: nothing interrupts
   */
  readonly onInterrupt?: (listener: () => void) => () => void;
}

export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: processInput(),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stderrColumns: () => process.stderr.columns,
    onInterrupt: (listener) => {
      process.once('SIGINT', listener);
      return () => process.off('SIGINT', listener);
    },
  };
}

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
