/**
 * Deploy and down through the deployed app: the request goes to its bus, the
 * Deploy/Down Requested handler starts (or queues) the workflow, and the CLI
 * follows the execution to its end.
 */
import { DynamoDBClient as Dynamo, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { ComposeResult } from '../core/compose.ts';
import { executionName } from '../core/names.ts';
import type { ResolvedPolicy } from '../core/policy.ts';
import type { DownRequest } from '../core/request.ts';
import { readEnvironment, readHistory } from '../local/records.ts';
import { changesOf, type RunReport, teardownOf } from '../local/run-workflows.ts';
import { type UploadOptions, uploadBuildContexts } from '../local/upload-contexts.ts';
import type { DeployedApp } from './deployed-app.ts';
import { type FollowOptions, followExecution, publishRequest } from './follow-execution.ts';

export interface DeployedClients {
  readonly eventbridge: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  /** Parameter Store: the environment's config values, checked before a deploy is requested. */
  readonly ssm: SSMClient;
  /** Who the credentials are, to name the account a command acts in. */
  readonly sts: STSClient;
}

export function deployedClients(): DeployedClients {
  return {
    eventbridge: new EventBridgeClient({}),
    sfn: new SFNClient({}),
    dynamodb: new Dynamo({}),
    s3: new S3Client({}),
    ssm: new SSMClient({}),
    sts: new STSClient({}),
  };
}

async function report(
  app: DeployedApp,
  clients: DeployedClients,
  workflow: 'deploy' | 'down',
  ids: { project: string; environment: string; deploymentId: string },
  followed: Awaited<ReturnType<typeof followExecution>>,
  started: number,
  extra: Partial<RunReport>,
): Promise<RunReport> {
  const status = followed.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED';
  const history = await readHistory(clients.dynamodb, app.tableName, ids.project, ids.environment);
  const entry = history.filter((item) => item.deploymentId === ids.deploymentId).at(-1);
  const record =
    workflow === 'deploy' && status === 'SUCCEEDED'
      ? await readEnvironment(clients.dynamodb, app.tableName, ids.project, ids.environment)
      : undefined;
  return {
    workflow,
    status,
    executionName: executionName(ids.project, ids.environment, ids.deploymentId),
    ...ids,
    ...extra,
    ...(entry?.failedState
      ? { failedState: entry.failedState }
      : followed.status === 'NOT_STARTED'
        ? { failedState: 'queued' }
        : {}),
    ...(followed.error
      ? { error: followed.error }
      : followed.status === 'NOT_STARTED'
        ? { error: 'Modeshift.NotStarted' }
        : {}),
    ...(followed.cause
      ? { cause: followed.cause }
      : followed.status === 'NOT_STARTED'
        ? {
            cause:
              'no execution started within the wait: the environment is busy and the request is queued, or the request was rejected (see the Deployment Failed event)',
          }
        : {}),
    ...(entry?.warning ? { warning: entry.warning } : {}),
    transitions: followed.transitions,
    durationMs: Date.now() - started,
    resources: [],
    ...(record?.urls ? { urls: record.urls } : {}),
    ...(status === 'SUCCEEDED' ? { ...changesOf(entry), ...teardownOf(entry) } : {}),
  };
}

export async function deployThroughApp(
  app: DeployedApp,
  composed: ComposeResult & { resolved: ResolvedPolicy },
  clients: DeployedClients,
  follow: FollowOptions = {},
  upload: UploadOptions = {},
): Promise<RunReport> {
  const started = Date.now();
  await uploadBuildContexts(composed.uploads, { s3: clients.s3 }, upload);
  const { request, resolved } = composed;
  await publishRequest(clients.eventbridge, app.busName, 'Deploy Requested', request);
  const name = executionName(request.project, request.environment, request.deploymentId);
  const followed = await followExecution(clients.sfn, app.deployStateMachineArn, name, follow);
  return report(app, clients, 'deploy', request, followed, started, {
    mode: resolved.mode,
    policy: resolved.policy,
  });
}

export async function downThroughApp(
  app: DeployedApp,
  request: DownRequest & { deploymentId: string },
  clients: DeployedClients,
  follow: FollowOptions = {},
): Promise<RunReport> {
  const started = Date.now();
  await publishRequest(clients.eventbridge, app.busName, 'Down Requested', request);
  const name = executionName(request.project, request.environment, request.deploymentId);
  const followed = await followExecution(clients.sfn, app.downStateMachineArn, name, follow);
  return report(app, clients, 'down', request, followed, started, {});
}
