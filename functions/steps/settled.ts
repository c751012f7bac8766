/**
 * The steps the workflows wait on, and when each one's output says it is
 * done. Their states retry `Modeshift.NotReady` until it is: a Retry costs
 * one state transition where a Choice-and-Wait loop costs three. Kept apart
 * from the registry so a step's own Lambda bundle (functions/steps/lambda/)
 * gets this without every other step's code.
 */
import { NotReadyError } from '../step-errors.ts';

const done = (output: { done: boolean }) => output.done;

/**
 * The steps the workflows wait on, and when each one's output says it is
 * done. Their states retry `Modeshift.NotReady` until it is.
 */
export const SETTLED: Readonly<Record<string, (output: never) => boolean>> = {
  DeleteServices: done,
  CheckDatabasesDeleted: done,
  DeleteLoadBalancer: done,
  DeletePrivateNamespace: done,
  DeleteNetwork: done,
};

/**
 * A step the workflow waits on: an output that says "not yet" becomes
 * NotReadyError, which the state's Retry waits out; other steps as they are.
 */
export function untilSettled<C>(
  name: string,
  step: (input: unknown, context: C) => Promise<unknown>,
): (input: unknown, context: C) => Promise<unknown> {
  const settled = SETTLED[name] as ((output: unknown) => boolean) | undefined;
  if (settled === undefined) return step;
  return async function untilSettledStep(input, context) {
    const output = await step(input, context);
    if (!settled(output)) throw new NotReadyError(`${name}: not done yet ${JSON.stringify(output)}`);
    return output;
  };
}
