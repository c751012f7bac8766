/**
 * Runs the size × mode pairs in worker threads, a few at a time: each pair
 * mostly waits on timers, and its own event loop keeps another pair's bursts
 * of work from delaying its timers (which the scale would magnify).
 */
import { Worker } from 'node:worker_threads';
import type { Mode } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import type { MeasuredRun } from './pair.ts';

export interface Pair {
  readonly services: number;
  readonly mode: Mode;
}

function runInWorker(pair: Pair, model: LatencyModel): Promise<MeasuredRun[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pair-worker.ts', import.meta.url), {
      workerData: { ...pair, model },
    });
    worker.once('message', (runs: MeasuredRun[]) => resolve(runs));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0)
        reject(
          new Error(`benchmark worker for ${pair.services} services (${pair.mode}) exited with ${code}`),
        );
    });
  });
}

export async function measurePairs(
  pairs: readonly Pair[],
  model: LatencyModel,
  concurrency: number,
  onDone: (runs: MeasuredRun[]) => void,
): Promise<MeasuredRun[]> {
  const results: MeasuredRun[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < pairs.length) {
      const pair = pairs[next] as Pair;
      next += 1;
      const runs = await runInWorker(pair, model);
      results.push(...runs);
      onDone(runs);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pairs.length)) }, worker));
  return results;
}
