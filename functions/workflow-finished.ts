/**
 * When a workflow ends (`Deployment Succeeded|Failed`, `Teardown Succeeded|Failed`),
 * the request queued for its environment, if any, is started.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { LOCK_TTL_MS } from '../core/execution-input.ts';
import { asPrincipal } from '../core/principal.ts';
import { configValuesCheck, parameterStore, prepareDeploy } from './deploy-requested.ts';
import { prepareDown } from './down-requested.ts';
import { dequeue } from './requests/environment-queue.ts';
import {
  type DeployDeps,
  queueContext,
  type RequestOutcome,
  startLocked,
} from './requests/handle-request.ts';
import { runtimeDeps } from './requests/runtime-deps.ts';

const logger = new Logger({ serviceName: 'modeshift' });

export function workflowFinished(
  event: { detail?: { project?: unknown; environment?: unknown } },
  deps: DeployDeps,
): Promise<RequestOutcome | { outcome: 'idle' }> {
  return asPrincipal('function/WorkflowFinished', () => startQueued(event, deps));
}

async function startQueued(
  event: { detail?: { project?: unknown; environment?: unknown } },
  deps: DeployDeps,
): Promise<RequestOutcome | { outcome: 'idle' }> {
  const { project, environment } = event.detail ?? {};
  if (typeof project !== 'string' || typeof environment !== 'string') return { outcome: 'idle' };
  const now = deps.now();
  const queued = await dequeue(
    queueContext(deps),
    project,
    environment,
    new Date(now.getTime() + LOCK_TTL_MS).toISOString(),
  );
  if (!queued) return { outcome: 'idle' };
  deps.log.info('starting the queued request', { deploymentId: queued.deploymentId, kind: queued.kind });
  // A queued deploy is checked again: its config values may have been removed while it waited.
  return queued.kind === 'deploy'
    ? startLocked(prepareDeploy(queued.detail, now), deps, configValuesCheck(deps.ssm))
    : startLocked(prepareDown(queued.detail, now), deps);
}

export const handler = middy(async function workflowFinishedHandler(event: {
  detail?: { project?: unknown; environment?: unknown };
}) {
  return workflowFinished(event, { ...runtimeDeps(logger), ssm: parameterStore() });
}).use(injectLambdaContext(logger));
