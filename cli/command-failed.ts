/** A command that ran and failed (a workflow that failed): exit code 1, its message, no stack trace. */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
}
