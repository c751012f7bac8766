import { describe, expect, it } from 'vitest';
import { parseTimeBound } from '../../cli/time-bound.ts';
import { InputError } from '../../core/errors.ts';

const now = new Date('2026-12-05T12:00:00Z');

describe('a time given on the command line', () => {
  it('reads a duration back from now, in one unit or several', () => {
    expect(new Date(parseTimeBound('10m', '--since', now)).toISOString()).toBe('2026-12-05T11:50:00.000Z');
    expect(new Date(parseTimeBound('1h30m', '--since', now)).toISOString()).toBe('2026-12-05T10:30:00.000Z');
    expect(new Date(parseTimeBound('2d', '--since', now)).toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(new Date(parseTimeBound('45s', '--since', now)).toISOString()).toBe('2026-12-05T11:59:15.000Z');
  });

  it('reads an ISO 8601 time with its zone, or a date alone', () => {
    expect(parseTimeBound('2026-12-05T04:00:00Z', '--since', now)).toBe(Date.parse('2026-12-05T04:00:00Z'));
    expect(parseTimeBound('2026-12-05T04:00:00+02:00', '--until', now)).toBe(
      Date.parse('2026-12-05T02:00:00Z'),
    );
    expect(parseTimeBound('2026-12-01', '--since', now)).toBe(Date.parse('2026-12-01'));
  });

  it('refuses anything else, naming the option and the value', () => {
    for (const value of ['ten minutes', '10x', '-5m', '2026-13-45T00:00:00Z', '']) {
      expect(() => parseTimeBound(value, '--since', now)).toThrow(InputError);
    }
    expect(() => parseTimeBound('10 mins', '--until', now)).toThrow(
      '--until: "10 mins" is neither a duration (30s, 10m, 2h, 7d, 1h30m) nor an ISO 8601 time (2026-12-05T04:00:00Z)',
    );
  });
});
