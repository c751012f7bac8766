/**
 * The command line of `npm run bench`, checked before anything runs: a bad
 * option is refused with a message naming it, and nothing is written.
 */
import { parseArgs } from 'node:util';
import { EngineError } from '../engine/errors.ts';
import {
  DEFAULT_LATENCY_MODEL,
  type LatencyModel,
  latencyModel,
  loadLatencyModel,
} from '../engine/latency-model.ts';

export const BENCH_USAGE =
  'npm run bench [-- --json] [--scale 0.01] [--latency model.json] [--cold-start-rounds 5] [--out bench/results]';

/** A full run takes about two minutes on two cores at this scale; smaller scales magnify the engine's own work. */
export const DEFAULT_SCALE = 0.01;

const MAX_COLD_START_ROUNDS = 50;

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export interface BenchOptions {
  readonly json: boolean;
  readonly model: LatencyModel;
  readonly coldStartRounds: number;
  readonly out: string;
}

export function parseBenchOptions(args: readonly string[]): BenchOptions {
  let values: { json: boolean; scale?: string; latency?: string; 'cold-start-rounds': string; out: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        scale: { type: 'string' },
        latency: { type: 'string' },
        'cold-start-rounds': { type: 'string', default: '5' },
        out: { type: 'string', default: 'bench/results' },
      },
    }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }

  // The bench's scale unless the latency file or --scale says otherwise.
  let base: LatencyModel = { ...DEFAULT_LATENCY_MODEL, scale: DEFAULT_SCALE };
  if (values.latency !== undefined) {
    try {
      base = loadLatencyModel(values.latency, base);
    } catch (error) {
      if (error instanceof EngineError)
        throw new BenchUsageError(`--latency: ${error.message.replace(/^latency model: /, '')}`);
      throw error;
    }
  }
  let scale = base.scale;
  if (values.scale !== undefined) {
    scale = Number(values.scale);
    if (values.scale.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
      throw new BenchUsageError(
        `--scale: ${JSON.stringify(values.scale)} is not a number above 0 (e.g. 0.01)`,
      );
    }
  }
  const rounds = Number(values['cold-start-rounds']);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_COLD_START_ROUNDS) {
    throw new BenchUsageError(
      `--cold-start-rounds: ${JSON.stringify(values['cold-start-rounds'])} is not a whole number from 1 to ${MAX_COLD_START_ROUNDS}`,
    );
  }
  if (values.out.trim() === '') throw new BenchUsageError('--out: must name a folder');
  return {
    json: values.json,
    model: latencyModel({ scale }, base),
    coldStartRounds: rounds,
    out: values.out,
  };
}
