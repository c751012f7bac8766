/**
 * Limits headroom: the largest state input or output and the history events
 * of a deploy and a down, next to Step Functions' limits, and the largest
 * project (synthetic, see synthetic-project.ts) whose runs stay inside them.
 * Measured with every latency at zero: the states hold the same data either
 * way, and a run then takes a fraction of a second.
 */
import {
  buildDeployInput,
  buildDownInput,
  ExecutionInputTooLargeError,
  MAX_EXECUTION_INPUT_BYTES,
  STEP_FUNCTIONS_MAX_BYTES,
} from '../core/execution-input.ts';
import { type Mode, resolvePolicy } from '../core/policy.ts';
import { RequestValidationError } from '../core/request.ts';
import { type LatencyModel, zeroLatency } from '../engine/latency-model.ts';
import { createAccount } from './account.ts';
import { BENCH_NOW } from './pair.ts';
import { runOnAccount } from './run.ts';
import { syntheticRequest } from './synthetic-project.ts';

/** Step Functions: 256 KiB per state input or output (and execution input). */
export const MAX_STATE_BYTES = STEP_FUNCTIONS_MAX_BYTES;
/** Step Functions: events in one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;

export interface SizeLimits {
  readonly services: number;
  readonly inputBytes: number;
  /** The largest state input or output of the deploy and the down. */
  readonly maxStateBytes: number;
  readonly deployHistoryEvents: number;
  readonly downHistoryEvents: number;
  readonly fits: boolean;
  /** Why it does not fit, when it does not. */
  readonly reason?: string;
}

export async function measureLimits(services: number, mode: Mode, model: LatencyModel): Promise<SizeLimits> {
  const refused = (reason: string): SizeLimits => ({
    services,
    inputBytes: Number.NaN,
    maxStateBytes: Number.NaN,
    deployHistoryEvents: Number.NaN,
    downHistoryEvents: Number.NaN,
    fits: false,
    reason,
  });
  let input: ReturnType<typeof buildDeployInput>;
  try {
    const request = syntheticRequest(services, mode, `limits-${services}`);
    input = buildDeployInput(request, resolvePolicy(request.mode), BENCH_NOW);
  } catch (error) {
    if (error instanceof ExecutionInputTooLargeError) {
      return refused(`execution input over ${MAX_EXECUTION_INPUT_BYTES / 1024} KiB (refused up front)`);
    }
    if (error instanceof RequestValidationError) {
      return refused(`request refused: ${error.problems.map((problem) => problem.message).join('; ')}`);
    }
    throw error;
  }
  const account = createAccount(zeroLatency(model), () => input.builds.length);
  const options = { measureStateSizes: true, timeScale: 0 };
  const deploy = await runOnAccount(account, 'deploy', input, options);
  const down = await runOnAccount(
    account,
    'down',
    buildDownInput(
      { project: input.project, environment: input.environment, confirm: input.environment },
      BENCH_NOW,
    ),
    options,
  );
  const inputBytes = Buffer.byteLength(JSON.stringify(input));
  const maxStateBytes = Math.max(inputBytes, deploy.maxStateBytes, down.maxStateBytes);
  const reasons = [
    deploy.status !== 'SUCCEEDED' ? `deploy ${deploy.error}` : '',
    down.status !== 'SUCCEEDED' ? `down ${down.error}` : '',
    maxStateBytes > MAX_STATE_BYTES ? 'a state over 256 KiB' : '',
    Math.max(deploy.historyEvents, down.historyEvents) > MAX_HISTORY_EVENTS
      ? 'over 25,000 history events'
      : '',
  ].filter((reason) => reason !== '');
  return {
    services,
    inputBytes,
    maxStateBytes,
    deployHistoryEvents: deploy.historyEvents,
    downHistoryEvents: down.historyEvents,
    fits: reasons.length === 0,
    ...(reasons.length > 0 ? { reason: reasons.join(', ') } : {}),
  };
}

/**
 * The largest number of services that fits, to `step`: doubling from
 * `start` until a size does not fit, then halving the gap. Fitting grows no
 * better with size, so the boundary is found in a few runs.
 */
export async function largestFitting(
  mode: Mode,
  model: LatencyModel,
  start: number,
  step: number,
): Promise<{ services: number; firstTooLarge: SizeLimits; checked: SizeLimits[] }> {
  const checked: SizeLimits[] = [];
  const check = async (services: number) => {
    const limits = await measureLimits(services, mode, model);
    checked.push(limits);
    return limits;
  };
  let fits = start;
  let tooLarge: SizeLimits | undefined;
  if (!(await check(start)).fits) return { services: 0, firstTooLarge: checked[0] as SizeLimits, checked };
  for (let size = start * 2; tooLarge === undefined; size *= 2) {
    const limits = await check(size);
    if (limits.fits) fits = size;
    else tooLarge = limits;
  }
  while (tooLarge.services - fits > step) {
    const middle = Math.round((fits + tooLarge.services) / 2 / step) * step;
    if (middle <= fits || middle >= tooLarge.services) break;
    const limits = await check(middle);
    if (limits.fits) fits = middle;
    else tooLarge = limits;
  }
  return { services: fits, firstTooLarge: tooLarge, checked };
}
