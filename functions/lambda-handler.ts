/**
 * The Lambda handler of one workflow step. Each step is a function of its
 * own, whose entry is the step's file (functions/steps/<step>.ts exports
 * `handler = lambdaHandler(step)`), so its bundle holds only that step's
 * code and the SDK clients it declares: a small bundle starts fast.
 *
 * Input and result are the step's; an error keeps its name, which the
 * workflow's Retry and Catch match; AWS throttling becomes
 * `Modeshift.Throttled`, and a step the workflow waits on says
 * `Modeshift.NotReady` until it is done (functions/step.ts `runAsTask`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type ClientClasses, type ClientsOf, runAsTask, type Step } from './step.ts';
import { NOT_READY } from './step-errors.ts';

/** Memory of each step's Lambda function (stacks/workflow-steps.ts): what its GB-seconds are billed on. */
export const STEP_FUNCTION_MEMORY_MB = 512;

/** The step's clients as Lambda makes them: region and credentials from the function's environment. */
function createClients<C extends ClientClasses>(classes: C): ClientsOf<C> {
  return Object.fromEntries(
    Object.entries(classes).map(([key, Client]) => [key, new Client({})]),
  ) as ClientsOf<C>;
}

export function lambdaHandler<I, O, C extends ClientClasses>(step: Step<I, O, C>) {
  const logger = new Logger({ serviceName: 'modeshift', persistentKeys: { step: step.name } });
  const clients = createClients(step.clients);
  return middy(async function stepHandler(input: I): Promise<O> {
    try {
      return await runAsTask(step, input, clients);
    } catch (error) {
      // Not done yet is the normal way of waiting, not a failure worth an error log.
      if ((error as Error).name === NOT_READY) logger.info((error as Error).message);
      else logger.error('step failed', error as Error);
      throw error;
    }
  }).use(injectLambdaContext(logger));
}
