/**
 * The shape of a local Task handler: aws-local-stepfunctions calls it with the
 * state's effective input (after `InputPath` and `Parameters`) and uses what
 * it resolves to as the state's result; a rejection is the state's error.
 */
import type { JsonValue } from '../core/asl.ts';
import type { ClientFactory } from './clients.ts';

export type TaskHandler = (input: JsonValue) => Promise<JsonValue>;

/** What a Task handler is built with. */
export interface TaskContext {
  readonly stateName: string;
  readonly clients: ClientFactory;
  /** Aborted when the execution ends, so a handler still polling stops. */
  readonly signal: AbortSignal;
  /** Interval between polls of a `.sync` integration, in ms, already scaled. */
  readonly pollMs: number;
  /** How much slower or faster than real time the run goes (see RunWorkflowOptions.timeScale). */
  readonly timeScale: number;
  /** The Task state that failed last in this execution (what Step Functions' history tells on AWS). */
  readonly lastFailedTask: () => string | undefined;
}
