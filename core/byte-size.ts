/**
 * Sizes a person writes on the command line (`500MiB`, `2G`, `1048576`), in
 * bytes. Every unit is a power of 1024, as compose reads memory sizes: `K`,
 * `KB` and `KiB` are all 1024 bytes.
 */

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** The number of bytes `text` names; undefined when it is not a size or is not above 0. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b)?)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? match[3] ?? '').toLowerCase();
  const bytes = Math.floor(Number(match[1]) * (UNITS[unit] ?? 1));
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `524288000` → `500 MiB`: the largest unit the size is at least one of, to one decimal. */
export function formatByteSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index++;
  }
  const rounded = index === 0 ? String(value) : String(Math.round(value * 10) / 10);
  return `${rounded} ${units[index]}`;
}
