/**
 * One project size in one mode: a deploy and then a down of the synthetic
 * project on a fresh benchmark account, each measured against its lower
 * bound and priced against a CodeBuild orchestrator.
 */
import { buildDeployInput, buildDownInput } from '../core/execution-input.ts';
import type { Mode } from '../core/policy.ts';
import { resolvePolicy } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import { createAccount } from './account.ts';
import { type OrchestrationCost, orchestrationCost } from './cost.ts';
import { deployLowerBound, downLowerBound, type LowerBound } from './critical-path.ts';
import { type RunMeasure, runOnAccount } from './run.ts';
import { syntheticRequest } from './synthetic-project.ts';

/** When the benchmark's requests are made: fixed, so runs are comparable. */
export const BENCH_NOW = new Date('2026-11-26T07:00:00Z');

export interface MeasuredRun extends RunMeasure {
  readonly services: number;
  readonly mode: Mode;
  readonly lowerBound: LowerBound;
  /** seconds ÷ lowerBound.seconds */
  readonly criticalPathRatio: number;
  readonly cost: OrchestrationCost;
}

export async function measurePair(services: number, mode: Mode, model: LatencyModel): Promise<MeasuredRun[]> {
  const request = syntheticRequest(services, mode, `bench-${mode}`);
  const input = buildDeployInput(request, resolvePolicy(request.mode), BENCH_NOW);
  const account = createAccount(model, () => input.builds.length);

  const deployStart = account.world.log.length;
  const deploy = await runOnAccount(account, 'deploy', input, { measureStateSizes: false });
  const deployBound = deployLowerBound(input, request, account.world.log.slice(deployStart));

  const downStart = account.world.log.length;
  const downInput = buildDownInput(
    { project: request.project, environment: request.environment, confirm: request.environment },
    BENCH_NOW,
    `down-${mode}`,
  );
  const down = await runOnAccount(account, 'down', downInput, { measureStateSizes: false });
  const downBound = downLowerBound(account.world.log.slice(downStart));

  const measured = (run: RunMeasure, lowerBound: LowerBound): MeasuredRun => ({
    ...run,
    services,
    mode,
    lowerBound,
    criticalPathRatio: run.seconds / lowerBound.seconds,
    cost: orchestrationCost(run),
  });
  return [measured(deploy, deployBound), measured(down, downBound)];
}
