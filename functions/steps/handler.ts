/**
 * The Lambda handler of a workflow step: one function per step, told which
 * by MODESHIFT_STEP (the SST app sets it). Input and result are the step's;
 * an error keeps its name, which the workflow's Retry and Catch match.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { lambdaClients } from './aws-clients.ts';
import { STEPS } from './registry.ts';

const logger = new Logger({ serviceName: 'modeshift' });

export async function runStep(stepName: string | undefined, input: unknown): Promise<unknown> {
  const step = stepName === undefined ? undefined : STEPS[stepName];
  if (!step) throw new Error(`MODESHIFT_STEP ${JSON.stringify(stepName)} is not a workflow step`);
  return step(input, { clients: lambdaClients });
}

export const handler = middy(async function stepHandler(input: unknown) {
  logger.appendKeys({ step: process.env.MODESHIFT_STEP });
  try {
    return await runStep(process.env.MODESHIFT_STEP, input);
  } catch (error) {
    logger.error('step failed', error as Error);
    throw error;
  }
}).use(injectLambdaContext(logger));
