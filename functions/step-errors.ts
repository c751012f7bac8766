/**
 * Errors of workflow steps, named so the workflows' Retry and Catch can match
 * them: `Modeshift.Throttled` is retried with backoff; every other error ends
 * the run through the failure path with its own name.
 */
import { isThrottlingError } from '@smithy/core/retry';

/** Base of the errors a step raises on purpose; `name` is what ASL matches. */
export class StepError extends Error {
  constructor(name: `Modeshift.${string}`, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** AWS said slow down: the workflow retries the step with backoff. */
export class ThrottledError extends StepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Modeshift.Throttled', message, options);
  }
}

/**
 * What AWS is doing is not done yet: the workflow's Retry on
 * `Modeshift.NotReady` calls the step again after the state's interval. A
 * Retry costs one state transition, where a Choice-and-Wait loop costs three,
 * so waiting on long operations stays cheap; MaxAttempts bounds the wait.
 */
export class NotReadyError extends StepError {
  constructor(message: string) {
    super('Modeshift.NotReady', message);
  }
}

/** The error name of NotReadyError, which failure reports skip while a later attempt may still succeed. */
export const NOT_READY = 'Modeshift.NotReady';

/**
 * Whether an AWS SDK error means "slow down": the SDK's own classifier (a
 * 429, a throttling error code, or a throttling trait of the error's shape).
 */
export function isThrottling(error: unknown): boolean {
  // An SDK error is an Error with the SDK's fields ($metadata, $retryable), which the classifier reads when present.
  return error instanceof Error && isThrottlingError(error as Parameters<typeof isThrottlingError>[0]);
}

/** Runs a step, turning AWS throttling into ThrottledError so the workflow retries it. */
export async function withStepErrors<T>(stepName: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isThrottling(error)) {
      throw new ThrottledError(`${stepName}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
