/** The request handlers' dependencies on AWS: clients and the names SST links into the environment. */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseServedProjects } from '../../core/served-projects.ts';
import type { RequestDeps } from './handle-request.ts';
import { queueDeps, required } from './queue-deps.ts';

let cached: RequestDeps | undefined;
let eventbridge: Promise<EventBridgeClient> | undefined;

/** The EventBridge client, loaded and made for the first failure event. */
function failureEvents(): Promise<EventBridgeClient> {
  eventbridge ??= import('@aws-sdk/client-eventbridge').then(
    ({ EventBridgeClient }) => new EventBridgeClient({}),
  );
  return eventbridge;
}

/** Clients made once per Lambda container (the queue's shared with queueDeps); names from the function's environment. */
export function runtimeDeps(logger: Logger, env: NodeJS.ProcessEnv = process.env): RequestDeps {
  cached ??= {
    ...queueDeps(logger, env),
    sfn: new SFNClient({}),
    eventbridge: failureEvents,
    busName: required(env, 'MODESHIFT_BUS'),
    deployStateMachineArn: required(env, 'MODESHIFT_DEPLOY_STATE_MACHINE'),
    downStateMachineArn: required(env, 'MODESHIFT_DOWN_STATE_MACHINE'),
    servedProjects: parseServedProjects(env.MODESHIFT_PROJECTS),
  };
  return cached as RequestDeps;
}
