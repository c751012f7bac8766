/**
 * Starting the request that waited in its environment's queue, once the
 * workflow holding the environment has ended: the request is prepared again
 * from the detail it came with, and started under the lock `dequeue` took for
 * it. Imported by functions/workflow-finished.ts only when a request waited:
 * it needs the request schemas and the Step Functions, EventBridge and
 * Parameter Store clients, which the usual end of a workflow, with nothing
 * queued, does not.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  computeClient,
  configValuesCheck,
  INSTALL_VPC,
  identityClient,
  parameterStore,
  prepareDeploy,
} from '../deploy-requested.ts';
import { prepareDown } from '../down-requested.ts';
import type { QueuedRequest } from './environment-queue.ts';
import { type DeployDeps, type RequestOutcome, startLocked } from './handle-request.ts';
import { runtimeDeps } from './runtime-deps.ts';

/** Starts a request taken off the queue at `now`. */
export function startQueued(queued: QueuedRequest, now: Date, deps: DeployDeps): Promise<RequestOutcome> {
  // A queued deploy is checked again: its config values may have been removed while it waited.
  return queued.kind === 'deploy'
    ? startLocked(
        prepareDeploy(queued.detail, now, deps.installVpc),
        deps,
        configValuesCheck(deps.ssm, deps.iam, deps.ec2),
      )
    : startLocked(prepareDown(queued.detail, now), deps);
}

/** What starting a request needs on Lambda: the clients made once per container, and Parameter Store. */
export function lambdaDeployDeps(logger: Logger): DeployDeps {
  return {
    ...runtimeDeps(logger),
    ssm: parameterStore(),
    iam: identityClient(),
    ec2: computeClient,
    installVpc: INSTALL_VPC,
  };
}
