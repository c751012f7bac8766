import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetParametersByPathCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findDeployedApp } from '../../cli/deployed-app.ts';
import { buildDigest } from '../../core/build-digest.ts';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { runCli } from '../support/cli.ts';

const eventbridge = mockClient(EventBridgeClient);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const callerIdentity = mockCallerIdentity();

const APP = {
  MODESHIFT_BUS: 'modeshift-prod-bus',
  MODESHIFT_TABLE: 'modeshift-prod-environments',
  MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
  MODESHIFT_DEPLOY_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
  MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
  MODESHIFT_POLL_MS: '0',
  AWS_REGION: 'us-east-1',
};

beforeEach(() => {
  callerIdentity.answer();
  for (const mock of [eventbridge, sfn, dynamodb, s3, ssm]) mock.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  s3.onAnyCommand().resolves({});
  s3.on(HeadObjectCommand).rejects(
    new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
  );
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  dynamodb.on(GetItemCommand).resolves({
    Item: marshall({
      pk: 'shop#pr-5',
      sk: 'ENV',
      status: 'deployed',
      publicServices: JSON.stringify([{ service: 'web', hostname: 'pr-5.shop.example.com' }]),
      loadBalancer: JSON.stringify({ dnsName: 'shop--pr-5-1.us-east-1.elb.amazonaws.com' }),
    }),
  });
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      {
        id: 1,
        type: 'TaskStateEntered',
        timestamp: new Date(),
        stateEnteredEventDetails: { name: 'EnsureNetwork' },
      },
      {
        id: 2,
        type: 'TaskStateExited',
        timestamp: new Date(),
        stateExitedEventDetails: { name: 'EnsureNetwork' },
      },
    ],
  });
});

describe('modeshift with a deployed app', () => {
  it('finds the app from MODESHIFT_* variables', () => {
    expect(findDeployedApp('/nowhere', APP)).toEqual({
      busName: 'modeshift-prod-bus',
      artifactBucket: 'modeshift-prod-artifacts',
      tableName: 'modeshift-prod-environments',
      deployStateMachineArn: APP.MODESHIFT_DEPLOY_STATE_MACHINE,
      downStateMachineArn: APP.MODESHIFT_DOWN_STATE_MACHINE,
    });
    expect(findDeployedApp('/nowhere', { MODESHIFT_BUS: 'only-the-bus' })).toBeUndefined();
  });

  it('deploy publishes Deploy Requested to the bus and follows the execution it starts', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ status: 'RUNNING' } as never)
      .resolves({ status: 'SUCCEEDED' } as never);

    const result = await runCli(
      [
        'deploy',
        '-f',
        'examples/shop/compose.yaml',
        '--env',
        'pr-5',
        '--mode',
        'prod',
        '--deployment-id',
        'ci-99',
        '--json',
      ],
      APP,
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'SUCCEEDED',
      executionName: 'shop--pr-5--ci-99',
      mode: 'production',
      // Where the app answers, from the record the deploy left.
      urls: [{ service: 'web', url: 'https://pr-5.shop.example.com/' }],
    });
    expect(result.stderr.split('\n')[0]).toBe(
      'target: AWS account 123456789012, region us-east-1, modeshift stage (unknown: set MODESHIFT_STAGE) (as arn:aws:iam::123456789012:user/ci)',
    );
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'modeshift-prod-bus',
          Source: 'modeshift',
          DetailType: 'Deploy Requested',
          Detail: expect.stringContaining('"deploymentId":"ci-99"'),
        }),
      ],
    });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:modeshift-prod-deploy:shop--pr-5--ci-99',
    });
    expect(result.stderr).toContain('▶ EnsureNetwork');
  });

  it('deploy reports the warning its history entry recorded: a database it kept', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);
    const warning = 'database shop-pr-5-db is no longer in the compose file and is kept';
    dynamodb.on(QueryCommand).resolves({
      Items: [
        marshall({
          pk: 'shop#pr-5',
          sk: 'HIST#x',
          action: 'deploy',
          deploymentId: 'ci-100',
          status: 'succeeded',
          warning,
        }),
      ],
    });
    const args = ['deploy', '-f', 'examples/shop/compose.yaml', '--env', 'pr-5', '--mode', 'dev'];

    const json = await runCli([...args, '--deployment-id', 'ci-100', '--json'], APP);
    const text = await runCli([...args, '--deployment-id', 'ci-100'], APP);

    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'SUCCEEDED', warning });
    expect(text.code).toBe(0);
    expect(text.stderr).toContain(`warning: ${warning}`);
  });

  it('uploads build contexts to the app’s artifact bucket before publishing', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);

    const result = await runCli(
      ['deploy', '-f', 'examples/shop/compose.yaml', '--env', 'pr-5', '--mode', 'dev', '--json'],
      APP,
    );

    const detail = JSON.parse(
      eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}',
    );
    expect(result.code).toBe(0);
    const web = buildDigest({ context: 'examples/shop/web' });
    expect(detail.services[0].build.context).toBe(
      `s3://modeshift-prod-artifacts/shop/pr-5/web/${web.digest}.tar.gz`,
    );
    expect(detail.services[0].build.imageTag).toBe(web.imageTag);
    // Each context is looked for first (content-addressed), then uploaded: the mock holds neither.
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      `shop/pr-5/web/${web.digest}.tar.gz`,
      `shop/pr-5/api/${buildDigest({ context: 'examples/shop/api' }).digest}.tar.gz`,
    ]);
    expect(s3.calls().length - s3.commandCalls(HeadObjectCommand).length).toBe(2);
  });

  it('down exits 1 naming the failed step the history recorded', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'Modeshift.ProductionDownNotConfirmed',
      cause: 'confirm',
    } as never);
    dynamodb
      .on(QueryCommand)
      .callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }> }) => ({
        Items: [
          marshall({
            pk: input.ExpressionAttributeValues[':pk']?.S,
            sk: 'HIST#x',
            action: 'down',
            deploymentId: 'down-20261126-070000',
            status: 'failed',
            failedState: 'ConfirmProductionDown',
          }),
        ],
      }));

    const result = await runCli(['down', '--env', 'main', '--project', 'shop'], APP);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed at ConfirmProductionDown: Modeshift.ProductionDownNotConfirmed');
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Down Requested',
          Detail: expect.stringContaining('"environment":"main"'),
        }),
      ],
    });
  });

  it('refuses a deploy whose config values are not set in the account before uploading or publishing anything', async () => {
    ssm.on(GetParametersCommand).resolves({ InvalidParameters: ['/modeshift/mailer/pr-5/SIGNING_SECRET'] });

    const result = await runCli(
      ['deploy', '-f', 'test/fixtures/compose/mailer/compose.yaml', '--env', 'pr-5', '--mode', 'dev'],
      APP,
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: services.api.environment.MAIL_API_KEY: config value MAIL_API_KEY is not set (also needed by worker): modeshift config set MAIL_API_KEY --env pr-5 --project mailer',
    );
    expect(result.stderr).toContain(
      'error: services.api.environment.SIGNING_SECRET: config value SIGNING_SECRET is not set',
    );
    expect(ssm).toHaveReceivedCommandWith(GetParametersByPathCommand, { Path: '/modeshift/mailer/pr-5' });
    expect(eventbridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
