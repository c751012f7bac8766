/**
 * When a workflow ends (`Deployment Succeeded|Failed`, `Teardown Succeeded|Failed`),
 * the request queued for its environment, if any, is started.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { LOCK_TTL_MS } from '../core/environment-lock.ts';
import { asPrincipal } from '../core/principal.ts';
import { dequeue } from './requests/environment-queue.ts';
import type { DeployDeps, RequestOutcome } from './requests/handle-request.ts';
import { type QueueDeps, queueDeps } from './requests/queue-deps.ts';

const logger = new Logger({ serviceName: 'modeshift' });

type WorkflowFinishedEvent = {
  detail?: { project?: unknown; environment?: unknown; executionArn?: unknown };
};
type WorkflowFinishedOutcome = RequestOutcome | { outcome: 'idle' };

export function workflowFinished(
  event: WorkflowFinishedEvent,
  deps: DeployDeps,
): Promise<WorkflowFinishedOutcome> {
  return finishWorkflow(event, deps, async () => deps);
}

/**
 * Looks at the environment's queue with `deps`, and asks for `startDeps`
 * only when a request waited in it.
 */
function finishWorkflow(
  event: WorkflowFinishedEvent,
  deps: QueueDeps,
  startDeps: () => Promise<DeployDeps>,
): Promise<WorkflowFinishedOutcome> {
  return asPrincipal('function/WorkflowFinished', async (): Promise<WorkflowFinishedOutcome> => {
    const { project, environment, executionArn } = event.detail ?? {};
    if (typeof project !== 'string' || typeof environment !== 'string') return { outcome: 'idle' };
    const now = deps.now();
    // The event's execution has ended: a lock it could not release does not hold the queued request back.
    const queued = await dequeue(
      { dynamodb: deps.dynamodb, tableName: deps.tableName, now: deps.now() },
      project,
      environment,
      new Date(now.getTime() + LOCK_TTL_MS).toISOString(),
      typeof executionArn === 'string' ? executionArn : undefined,
    );
    if (!queued) return { outcome: 'idle' };
    deps.log.info('starting the queued request', { deploymentId: queued.deploymentId, kind: queued.kind });
    // On demand: what starts a request is most of this function's code, and most workflows leave none queued.
    const { startQueued } = await import('./requests/start-queued.ts');
    return startQueued(queued, now, await startDeps());
  });
}

export const handler = middy(async function workflowFinishedHandler(event: WorkflowFinishedEvent) {
  return finishWorkflow(event, queueDeps(logger), async () => {
    const { lambdaDeployDeps } = await import('./requests/start-queued.ts');
    return lambdaDeployDeps(logger);
  });
}).use(injectLambdaContext(logger));
