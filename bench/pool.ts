/**
 * Runs the size × mode pairs (and each mode's redeploys) in worker threads, a
 * few at a time: each run mostly waits on timers, and its own event loop
 * keeps another run's bursts of work from delaying its timers (which the
 * scale would magnify).
 */
import { Worker } from 'node:worker_threads';
import type { Mode } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import type { MeasuredRun } from './pair.ts';
import type { RedeployMeasure } from './redeploy.ts';

export interface Pair {
  readonly services: number;
  readonly mode: Mode;
}

type Task = ({ readonly kind: 'pair' } & Pair) | { readonly kind: 'redeploy'; readonly mode: Mode };

function runInWorker<T>(task: Task, model: LatencyModel): Promise<T> {
  const what = task.kind === 'pair' ? `${task.services} services (${task.mode})` : `redeploys (${task.mode})`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pair-worker.ts', import.meta.url), {
      workerData: { ...task, model },
    });
    worker.once('message', (result: T) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`benchmark worker for ${what} exited with ${code}`));
    });
  });
}

/** Runs `tasks` in workers, `concurrency` at a time, calling `onDone` as each finishes. */
async function inWorkers<T>(
  tasks: readonly Task[],
  model: LatencyModel,
  concurrency: number,
  onDone: (result: T) => void,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const task = tasks[next] as Task;
      next += 1;
      const result = await runInWorker<T>(task, model);
      results.push(result);
      onDone(result);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
  return results;
}

export async function measurePairs(
  pairs: readonly Pair[],
  model: LatencyModel,
  concurrency: number,
  onDone: (runs: MeasuredRun[]) => void,
): Promise<MeasuredRun[]> {
  const tasks = pairs.map((pair): Task => ({ kind: 'pair', ...pair }));
  return (await inWorkers<MeasuredRun[]>(tasks, model, concurrency, onDone)).flat();
}

export function measureRedeploysOfModes(
  modes: readonly Mode[],
  model: LatencyModel,
  concurrency: number,
  onDone: (measure: RedeployMeasure) => void,
): Promise<RedeployMeasure[]> {
  const tasks = modes.map((mode): Task => ({ kind: 'redeploy', mode }));
  return inWorkers<RedeployMeasure>(tasks, model, concurrency, onDone);
}
