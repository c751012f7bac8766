/**
 * Task timeouts as AWS has them. aws-local-stepfunctions times a Task out
 * after 60 s when it sets no `TimeoutSeconds`; AWS sets no limit. Every Task
 * that has neither `TimeoutSeconds` nor `TimeoutSecondsPath` gets an explicit
 * (long) one instead.
 */
import { allStates, type Machine } from '../core/asl.ts';

/** Longest timeout Node's timers can hold (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Sets `TimeoutSeconds` on every Task of `definition` (in place) that has no timeout of its own. */
export function applyDefaultTaskTimeout(definition: Machine, seconds: number): void {
  for (const { state } of allStates(definition)) {
    if (state.Type !== 'Task' || 'TimeoutSeconds' in state || 'TimeoutSecondsPath' in state) continue;
    state.TimeoutSeconds = Math.min(seconds, MAX_TIMER_SECONDS);
  }
}
