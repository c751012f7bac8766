/**
 * The requests the fault-injection suite repeats: a production deploy of the
 * shop example and its confirmed down, each under a deployment id the caller
 * fixes, so running one again is the same request (it may take over its own
 * lock, and tags and history name the same deployment); and the bystander, a
 * second environment of the same project that no fault may touch.
 */
import { loadComposeFile } from '../../core/compose.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget, type RunOptions, type RunReport } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { EXAMPLE } from '../e2e-emulator/local-aws.ts';

export const PROJECT = 'shop';
/** The environment the faults hit. */
export const ENVIRONMENT = 'main';
/** The environment that must come through every fault untouched. */
export const BYSTANDER = 'bystander';

/**
 * Wait states and retry intervals run at 1/1000 of their time: the emulator
 * answers at once, so polling faster only shortens the runs.
 */
export const TIME_SCALE = 0.001;

function deployShop(
  target: Target,
  environment: string,
  mode: Mode,
  deploymentId: string,
  options: RunOptions,
): Promise<RunReport> {
  const composed = loadComposeFile(EXAMPLE, { environment, mode, deploymentId, variables: {} });
  return deployOnTarget(
    target,
    { ...composed, resolved: resolvePolicy(composed.request.mode) },
    { timeScale: TIME_SCALE, ...options },
  );
}

export function deployProductionShop(
  target: Target,
  deploymentId: string,
  options: RunOptions = {},
): Promise<RunReport> {
  return deployShop(target, ENVIRONMENT, 'production', deploymentId, options);
}

export function downProductionShop(
  target: Target,
  deploymentId: string,
  options: RunOptions = {},
): Promise<RunReport> {
  return downOnTarget(
    target,
    { project: PROJECT, environment: ENVIRONMENT, deploymentId, confirm: ENVIRONMENT },
    { timeScale: TIME_SCALE, ...options },
  );
}

/** The shop as a development environment next to the one under test. */
export async function deployBystander(target: Target): Promise<void> {
  const report = await deployShop(target, BYSTANDER, 'development', 'bystander-1', {});
  if (report.status !== 'SUCCEEDED') {
    throw new Error(`the bystander's deploy failed in ${report.failedState}: ${report.error}`);
  }
}
