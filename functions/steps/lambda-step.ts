/**
 * The Lambda handler of one workflow step (each step is its own function,
 * with its own entry under functions/steps/lambda/, so its bundle holds only
 * its own code and the SDK clients it uses: a small bundle starts fast).
 * Input and result are the step's; an error keeps its name, which the
 * workflow's Retry and Catch match; AWS throttling becomes
 * `Modeshift.Throttled`, and a step the workflow waits on says
 * `Modeshift.NotReady` until it is done.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { untilSettled } from './settled.ts';
import { NOT_READY, withStepErrors } from './step-error.ts';

export function lambdaStep(name: string, run: (input: unknown) => Promise<unknown>) {
  const logger = new Logger({ serviceName: 'modeshift', persistentKeys: { step: name } });
  const step = untilSettled(name, (input: unknown) => withStepErrors(name, () => run(input)));
  return middy(async function stepHandler(input: unknown) {
    try {
      return await step(input, undefined);
    } catch (error) {
      // Not done yet is the normal way of waiting, not a failure worth an error log.
      if ((error as Error).name === NOT_READY) logger.info((error as Error).message);
      else logger.error('step failed', error as Error);
      throw error;
    }
  }).use(injectLambdaContext(logger));
}
