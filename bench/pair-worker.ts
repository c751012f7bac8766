/**
 * A worker thread that measures one size in one mode (bench/pair.ts), or the
 * redeploys of one mode (bench/redeploy.ts), so runs go side by side without
 * sharing an event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Mode } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import { measurePair } from './pair.ts';
import { measureRedeploys } from './redeploy.ts';

const task = workerData as
  | { kind: 'pair'; services: number; mode: Mode; model: LatencyModel }
  | { kind: 'redeploy'; mode: Mode; model: LatencyModel };
parentPort?.postMessage(
  task.kind === 'pair'
    ? await measurePair(task.services, task.mode, task.model)
    : await measureRedeploys(task.mode, task.model),
);
