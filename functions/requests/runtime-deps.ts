/** The request handlers' dependencies on AWS: clients and the names SST links into the environment. */

import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseServedProjects } from '../../core/served-projects.ts';
import type { RequestDeps } from './handle-request.ts';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the SST app sets it)`);
  return value;
}

let cached: RequestDeps | undefined;

/** Clients made once per Lambda container; names from the function's environment. */
export function runtimeDeps(logger: Logger, env: NodeJS.ProcessEnv = process.env): RequestDeps {
  cached ??= {
    sfn: new SFNClient({}),
    dynamodb: new DynamoDBClient({}),
    eventbridge: new EventBridgeClient({}),
    tableName: required(env, 'MODESHIFT_TABLE'),
    busName: required(env, 'MODESHIFT_BUS'),
    deployStateMachineArn: required(env, 'MODESHIFT_DEPLOY_STATE_MACHINE'),
    downStateMachineArn: required(env, 'MODESHIFT_DOWN_STATE_MACHINE'),
    now: () => new Date(),
    log: logger,
    servedProjects: parseServedProjects(env.MODESHIFT_PROJECTS),
  };
  return cached as RequestDeps;
}
