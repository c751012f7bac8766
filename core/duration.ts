/**
 * Durations as compose writes them (`1m30s`, `500ms`) and as a TTL is given
 * (`24h`, `7d`). A sequence of number+unit pairs; units us, ms, s, m, h, d.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^(?:\d+(?:\.\d+)?(?:us|ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(us|ms|s|m|h|d)/g;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDuration(input: string): number | undefined {
  const text = input.trim();
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit as string] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

/** A duration in the largest whole unit that fits: `90m` → `1h30m`. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
