/**
 * A time a person gives on the command line (`logs --since`, `--until`): a
 * duration back from now (`90s`, `10m`, `2h`, `7d`, or `1h30m`) or an ISO 8601
 * date and time (`2026-12-05T04:00:00Z`, or a date alone).
 */
import { InputError } from '../core/errors.ts';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(?:\d+[smhd])+$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since the epoch that `value` names; `field` (`--since`) is named in the error. */
export function parseTimeBound(value: string, field: string, now: Date): number {
  const text = value.trim();
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, count, unit] of text.matchAll(/(\d+)([smhd])/g))
      ms += Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
    return now.getTime() - ms;
  }
  const time = ISO.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw new InputError([
      {
        path: field,
        message: `${JSON.stringify(value)} is neither a duration (30s, 10m, 2h, 7d, 1h30m) nor an ISO 8601 time (2026-12-05T04:00:00Z)`,
      },
    ]);
  return time;
}
