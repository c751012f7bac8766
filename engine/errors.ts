/**
 * Errors of the local engine. Two families:
 *
 * - {@link DefinitionError}: the definition cannot run here (invalid ASL, a
 *   missing placeholder, a Task nothing can run). Thrown by `runWorkflow`
 *   before any state runs.
 * - {@link TaskError}: what a Task state fails with while running. Its `name`
 *   is the Step Functions error name (`Rds.DbInstanceNotFoundException`,
 *   `States.TaskFailed`, `Modeshift.EnvironmentLocked`) and its message the
 *   cause, because aws-local-stepfunctions matches `Retry`/`Catch`
 *   `ErrorEquals` against `error.name` and reports `error.message` as the
 *   `Cause`. A TaskError never carries `cause`: the library would report that
 *   object instead of the message; the original error is kept in `source`.
 */

/** Base of every error the engine throws. */
export class EngineError extends Error {
  override name = 'EngineError';
}

/** The definition cannot run: every problem found, one per line. */
export class DefinitionError extends EngineError {
  override name = 'DefinitionError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? `${problems[0]}`
        : `definition has ${problems.length} problems:\n${problems.join('\n')}`,
    );
    this.problems = problems;
  }
}

/** A Task state's failure, named as Step Functions names it. */
export class TaskError extends EngineError {
  /** The error the SDK or the Lambda step threw, when there was one. */
  readonly source: unknown;

  constructor(errorName: string, cause: string, source?: unknown) {
    super(cause);
    this.name = errorName;
    this.source = source;
  }
}

/**
 * `States.Runtime`: the execution cannot go on (e.g. a parameter the API does
 * not have). As on AWS, neither `Retry` nor `Catch` (not even `States.ALL`)
 * matches it; aws-local-stepfunctions reads these two flags.
 */
export class StatesRuntimeError extends TaskError {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor(cause: string) {
    super('States.Runtime', cause);
  }
}
