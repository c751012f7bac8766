/**
 * Wait states whose duration is read from the state (`SecondsPath`), scaled.
 *
 * aws-local-stepfunctions overrides a Wait only with a fixed duration, known
 * before the run; a `SecondsPath` duration is known only when the state runs.
 * So when time is scaled (neither 0 nor 1), such a Wait runs as an internal
 * Task that reads the same path and sleeps `seconds × timeScale`: one state,
 * one transition, its input passed through as a Wait does.
 */
import { allStates, isJsonObject, type Machine } from '../core/asl.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';

/** The internal resource a scaled Wait runs as. */
export const SCALED_WAIT_RESOURCE = 'arn:aws:states:::modeshift:wait';

/** Rewrites `SecondsPath` Wait states in place; returns their names. */
export function scaleComputedWaits(definition: Machine, timeScale: number): string[] {
  if (timeScale === 0 || timeScale === 1) return [];
  const rewritten: string[] = [];
  for (const { name, state } of allStates(definition)) {
    if (state.Type !== 'Wait' || typeof state.SecondsPath !== 'string') continue;
    const { SecondsPath, ...rest } = state;
    Object.assign(state, {
      ...rest,
      Type: 'Task',
      Resource: SCALED_WAIT_RESOURCE,
      Parameters: { 'seconds.$': SecondsPath },
      ResultPath: null,
    });
    Reflect.deleteProperty(state, 'SecondsPath');
    rewritten.push(name);
  }
  return rewritten;
}

/** The handler of a scaled Wait: sleeps the state's seconds times the time scale, or until the run ends. */
export function scaledWaitTask(context: TaskContext): TaskHandler {
  return function scaledWait(input) {
    const seconds = isJsonObject(input) && typeof input.seconds === 'number' ? input.seconds : 0;
    const ms = Math.max(0, seconds * 1000 * context.timeScale);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({}), ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve({});
      });
    });
  };
}
