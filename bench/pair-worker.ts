/** A worker thread that measures one size in one mode (bench/pair.ts), so pairs run side by side without sharing an event loop. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Mode } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import { measurePair } from './pair.ts';

const { services, mode, model } = workerData as { services: number; mode: Mode; model: LatencyModel };
parentPort?.postMessage(await measurePair(services, mode, model));
