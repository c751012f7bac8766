/**
 * Local engine throughput: a deploy of a 200-service project with every
 * latency at zero, timed whole (the engine's preparation of the definition
 * included): what running the real workflow costs the engine itself.
 */
import { buildDeployInput } from '../core/execution-input.ts';
import { resolvePolicy } from '../core/policy.ts';
import { type LatencyModel, zeroLatency } from '../engine/latency-model.ts';
import { createAccount } from './account.ts';
import { BENCH_NOW } from './pair.ts';
import { runOnAccount } from './run.ts';
import { syntheticRequest } from './synthetic-project.ts';

export async function engineSeconds(
  services: number,
  model: LatencyModel,
  rounds: number,
): Promise<number[]> {
  const request = syntheticRequest(services, 'production', 'throughput');
  const input = buildDeployInput(request, resolvePolicy(request.mode), BENCH_NOW);
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const account = createAccount(zeroLatency(model), () => input.builds.length);
    const started = performance.now();
    const run = await runOnAccount(account, 'deploy', input, { measureStateSizes: false, timeScale: 0 });
    if (run.status !== 'SUCCEEDED') throw new Error(`the zero-latency deploy failed: ${run.error}`);
    times.push((performance.now() - started) / 1000);
  }
  return times;
}
