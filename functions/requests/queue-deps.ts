/**
 * What the environment queue needs on AWS (functions/requests/environment-queue.ts):
 * the DynamoDB client and the environments table, made once per Lambda
 * container. The request handlers' other clients are in runtime-deps.ts; a
 * handler that only looks at the queue (Workflow Finished, when no request
 * waits) loads them only when it needs them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RequestDeps } from './handle-request.ts';

/** The part of {@link RequestDeps} the queue needs. */
export type QueueDeps = Pick<RequestDeps, 'dynamodb' | 'tableName' | 'now' | 'log'>;

/** The value of an environment variable the SST app sets. */
export function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the SST app sets it)`);
  return value;
}

let cached: QueueDeps | undefined;

/** The queue's client, made once per Lambda container; the table's name from the function's environment. */
export function queueDeps(logger: Logger, env: NodeJS.ProcessEnv = process.env): QueueDeps {
  cached ??= {
    dynamodb: new DynamoDBClient({}),
    tableName: required(env, 'MODESHIFT_TABLE'),
    now: () => new Date(),
    log: logger,
  };
  return cached;
}
