/**
 * Fargate task sizes. Fargate runs only these CPU/memory pairs; a request must
 * name one, and compose limits are rounded up to the smallest that fits.
 */

/** CPU units (1024 per vCPU) → the memory sizes (MiB) Fargate allows with it. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1024, 4096, 1024)],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)],
]);

function steps(from: number, to: number, by: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += by) values.push(value);
  return values;
}

export function isFargateSize(cpu: number, memoryMiB: number): boolean {
  return FARGATE_SIZES.get(cpu)?.includes(memoryMiB) ?? false;
}

/** What memory sizes go with `cpu`, or which CPU values exist, for error messages. */
export function fargateSizeHint(cpu: number): string {
  const memories = FARGATE_SIZES.get(cpu);
  if (!memories) return `cpu must be one of ${[...FARGATE_SIZES.keys()].join(', ')} units (1024 = 1 vCPU)`;
  const shown =
    memories.length > 6
      ? `${memories[0]} to ${memories.at(-1)} in steps of ${(memories[1] ?? 0) - (memories[0] ?? 0)}`
      : memories.join(', ');
  return `with cpu ${cpu}, memory must be ${shown} MiB`;
}

/** The smallest Fargate size with at least this CPU and memory; undefined if none is big enough. */
export function roundUpToFargateSize(
  cpu: number,
  memoryMiB: number,
): { cpu: number; memory: number } | undefined {
  for (const [sizeCpu, memories] of FARGATE_SIZES) {
    if (sizeCpu < cpu) continue;
    const memory = memories.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { cpu: sizeCpu, memory };
  }
  return undefined;
}
