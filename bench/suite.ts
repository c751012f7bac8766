/**
 * The whole benchmark: the size × mode runs (deploy and down) on the latency
 * model, limits headroom, handler cold starts and the engine's own speed,
 * summed up against the targets modeshift holds itself to (README, Performance).
 */
import { availableParallelism } from 'node:os';
import { MODES } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import { type ColdStartReport, measureColdStarts } from './cold-start.ts';
import { largestFitting, measureLimits, type SizeLimits } from './limits.ts';
import type { MeasuredRun } from './pair.ts';
import { measurePairs, measureRedeploysOfModes } from './pool.ts';
import { measureQuotaFits, type QuotaFit } from './quotas.ts';
import type { RedeployMeasure } from './redeploy.ts';
import { engineSeconds } from './throughput.ts';

export const SIZES = [1, 10, 50, 200] as const;

export const TARGETS = {
  criticalPathRatio: 1.1,
  orchestrationCostRatio: 1 / 20,
  maxServicesWithinLimits: 500,
  coldStartInitRatio: 2,
  engine200ServicesSeconds: 5,
  /** A share of the same project's first deploy: a no-op redeploy takes at most a tenth of it. */
  noopRedeploySeconds: 0.1,
  noopRedeployBuilds: 0,
  noopRedeployRollouts: 0,
  oneServiceChangeRatio: 1.1,
} as const;

export interface BenchResults {
  readonly model: LatencyModel;
  readonly runs: readonly MeasuredRun[];
  /** Each mode's first deploy, no-op redeploy and one-service change of the 20-service project. */
  readonly redeploys: readonly RedeployMeasure[];
  readonly limits: readonly SizeLimits[];
  /** How many environments of each mode and kind of network fit a Region at the default quotas. */
  readonly quotas: readonly QuotaFit[];
  readonly largest: { readonly services: number; readonly firstTooLarge: SizeLimits };
  readonly coldStart: ColdStartReport;
  readonly engineSeconds: readonly number[];
  readonly benchSeconds: number;
}

export interface SuiteOptions {
  readonly model: LatencyModel;
  readonly coldStartRounds: number;
  /** Called as parts finish (progress on stderr). */
  readonly progress: (message: string) => void;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function runSuite(options: SuiteOptions): Promise<BenchResults> {
  const started = performance.now();
  const { model, progress } = options;

  // The engine first, on a quiet machine, and warm for the timed runs after it.
  const engine = await engineSeconds(200, model, 3);
  progress(`engine: 200-service deploy with zero latency in ${median(engine).toFixed(2)} s`);

  const pairs = SIZES.flatMap((services) => MODES.map((mode) => ({ services, mode })));
  const runs = await measurePairs(pairs, model, Math.max(1, Math.min(3, availableParallelism())), (done) => {
    for (const run of done) {
      progress(
        `${run.services} services, ${run.mode} ${run.workflow}: ${(run.seconds / 60).toFixed(1)} min, ratio ${run.criticalPathRatio.toFixed(3)}`,
      );
    }
  });
  runs.sort(
    (a, b) =>
      a.services - b.services ||
      MODES.indexOf(a.mode) - MODES.indexOf(b.mode) ||
      a.workflow.localeCompare(b.workflow),
  );

  const redeploys = await measureRedeploysOfModes(
    MODES,
    model,
    Math.max(1, Math.min(3, availableParallelism())),
    (measure) =>
      progress(
        `redeploys, ${measure.services} services, ${measure.mode}: first ${(measure.first.seconds / 60).toFixed(1)} min, no-op ${measure.noop.seconds.toFixed(0)} s, one service changed ${(measure.oneChange.seconds / 60).toFixed(1)} min (ratio ${measure.oneChange.ratio.toFixed(3)})`,
      ),
  );
  redeploys.sort((a, b) => MODES.indexOf(a.mode) - MODES.indexOf(b.mode));

  const limits: SizeLimits[] = [];
  for (const services of SIZES) limits.push(await measureLimits(services, 'production', model));
  const largest = await largestFitting('production', model, TARGETS.maxServicesWithinLimits, 10);
  progress(`limits: ${largest.services} services fit`);

  const quotas = measureQuotaFits();
  progress(
    `quotas: ${quotas
      .filter((entry) => entry.mode === 'development')
      .map((entry) => `${entry.fit.environments} development environments (${entry.network})`)
      .join(', ')} per Region`,
  );

  const coldStart = await measureColdStarts(options.coldStartRounds);
  progress(`cold start: ${coldStart.handlers.length} handlers measured`);

  return {
    model,
    runs,
    redeploys,
    limits: [
      ...limits,
      ...largest.checked.filter((entry) => !SIZES.some((size) => size === entry.services)),
    ].sort((a, b) => a.services - b.services),
    quotas,
    largest,
    coldStart,
    engineSeconds: engine,
    benchSeconds: (performance.now() - started) / 1000,
  };
}

export interface BenchSummary {
  readonly criticalPathRatio: number;
  readonly orchestrationCostRatio: number;
  readonly maxServicesWithinLimits: number;
  readonly coldStartInitRatio: number;
  /** The floor handler's ratio: Middy, the logger and one SDK client, no step code (bench/cold-start.ts). */
  readonly coldStartFloorRatio: number;
  readonly engine200ServicesSeconds: number;
  /** The slowest mode's no-op redeploy, in modeled seconds. */
  readonly noopRedeploySeconds: number;
  /** The largest share of its first deploy a mode's no-op redeploy took. */
  readonly noopRedeployShare: number;
  readonly noopRedeployBuilds: number;
  readonly noopRedeployRollouts: number;
  readonly oneServiceChangeRatio: number;
  readonly targets: typeof TARGETS;
  readonly met: Readonly<Record<keyof typeof TARGETS, boolean>>;
  readonly scale: number;
  readonly benchSeconds: number;
}

export function summarize(results: BenchResults): BenchSummary {
  const criticalPathRatio = Math.max(...results.runs.map((run) => run.criticalPathRatio));
  const orchestrationCostRatio = Math.max(...results.runs.map((run) => run.cost.ratio));
  const coldStartInitRatio = Math.max(...results.coldStart.handlers.map((handler) => handler.initRatio));
  const engine200ServicesSeconds = median(results.engineSeconds);
  const maxServicesWithinLimits = results.largest.services;
  const noop = results.redeploys.map((measure) => measure.noop);
  const noopRedeploySeconds = Math.max(...noop.map((run) => run.seconds));
  const noopRedeployShare = Math.max(
    ...results.redeploys.map((measure) => measure.noop.seconds / measure.first.seconds),
  );
  const noopRedeployBuilds = Math.max(...noop.map((run) => run.builds));
  const noopRedeployRollouts = Math.max(...noop.map((run) => run.rollouts));
  const oneServiceChangeRatio = Math.max(...results.redeploys.map((measure) => measure.oneChange.ratio));
  return {
    criticalPathRatio,
    orchestrationCostRatio,
    maxServicesWithinLimits,
    coldStartInitRatio,
    coldStartFloorRatio: results.coldStart.floor.initRatio,
    engine200ServicesSeconds,
    noopRedeploySeconds,
    noopRedeployShare,
    noopRedeployBuilds,
    noopRedeployRollouts,
    oneServiceChangeRatio,
    targets: TARGETS,
    met: {
      criticalPathRatio: criticalPathRatio <= TARGETS.criticalPathRatio,
      orchestrationCostRatio: orchestrationCostRatio <= TARGETS.orchestrationCostRatio,
      maxServicesWithinLimits: maxServicesWithinLimits >= TARGETS.maxServicesWithinLimits,
      coldStartInitRatio: coldStartInitRatio <= TARGETS.coldStartInitRatio,
      engine200ServicesSeconds: engine200ServicesSeconds < TARGETS.engine200ServicesSeconds,
      noopRedeploySeconds: noopRedeployShare <= TARGETS.noopRedeploySeconds,
      noopRedeployBuilds: noopRedeployBuilds === TARGETS.noopRedeployBuilds,
      noopRedeployRollouts: noopRedeployRollouts === TARGETS.noopRedeployRollouts,
      oneServiceChangeRatio: oneServiceChangeRatio <= TARGETS.oneServiceChangeRatio,
    },
    scale: results.model.scale,
    benchSeconds: results.benchSeconds,
  };
}
