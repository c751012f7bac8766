/**
 * Runs one async function per item, at most `limit` at a time, and keeps
 * the results in the items' order. Batched steps use it so that a step for
 * hundreds of services finishes in a fraction of the time one call after
 * the other would take, without bursting past AWS's request rates.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await run(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
