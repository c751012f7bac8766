/**
 * Scaled time: the overrides that make Wait states and Retry intervals take
 * `timeScale` times as long (0 in unit tests, so nothing sleeps).
 *
 * aws-local-stepfunctions takes one fixed duration per state name, used
 * instead of whatever the state would compute:
 * - a Wait with `Seconds` waits `Seconds × timeScale`;
 * - a Wait with `SecondsPath` does not wait when timeScale is 0; for other
 *   scales it runs as a scaled wait (scaled-wait.ts); a Wait with `Timestamp`
 *   or `TimestampPath` is overridden only when timeScale is 0;
 * - a Retry waits `IntervalSeconds × timeScale` (capped at
 *   `MaxDelaySeconds × timeScale`) before every attempt: an override replaces
 *   the library's backoff, so `BackoffRate` and `JitterStrategy` do not apply
 *   while timeScale is not 1.
 * With timeScale 1 nothing is overridden and the library times everything.
 */
import { allStates, isJsonObject, type Machine } from '../core/asl.ts';

export interface TimeOverrides {
  /** Milliseconds per Wait state name. */
  waitTimeOverrides: Record<string, number>;
  /** Milliseconds per state name, one per entry of its `Retry`. */
  retryIntervalOverrides: Record<string, number[]>;
}

const DEFAULT_RETRY_INTERVAL_SECONDS = 1;

export function timeOverrides(definition: Machine, timeScale: number): TimeOverrides {
  const overrides: TimeOverrides = { waitTimeOverrides: {}, retryIntervalOverrides: {} };
  if (timeScale === 1) return overrides;
  for (const { name, state } of allStates(definition)) {
    if (state.Type === 'Wait') {
      if (timeScale === 0) overrides.waitTimeOverrides[name] = 0;
      else if (typeof state.Seconds === 'number')
        overrides.waitTimeOverrides[name] = state.Seconds * 1000 * timeScale;
    }
    if ('Retry' in state && Array.isArray(state.Retry)) {
      overrides.retryIntervalOverrides[name] = state.Retry.map((retrier) => {
        if (!isJsonObject(retrier as unknown)) return 0;
        const interval =
          typeof retrier.IntervalSeconds === 'number'
            ? retrier.IntervalSeconds
            : DEFAULT_RETRY_INTERVAL_SECONDS;
        const capped =
          typeof retrier.MaxDelaySeconds === 'number'
            ? Math.min(interval, retrier.MaxDelaySeconds)
            : interval;
        return capped * 1000 * timeScale;
      });
    }
  }
  return overrides;
}
