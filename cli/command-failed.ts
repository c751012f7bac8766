/** A command that ran and failed (a workflow that failed): exit code 1, its message, no stack trace. */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';

  /** What the process exits with (`run`: the task's exit code). */
  readonly exitCode: number;

  constructor(message: string, options: { readonly cause?: unknown; readonly exitCode?: number } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}
