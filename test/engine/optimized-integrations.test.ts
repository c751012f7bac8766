import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  InvalidInputException,
  StartBuildCommand,
  type StatusType,
} from '@aws-sdk/client-codebuild';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, testClients } from './fixtures.ts';

const dynamodb = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);
const codebuild = mockClient(CodeBuildClient);

const placeholders = { EnvironmentsTable: 'modeshift-environments', EventBusName: 'modeshift' };
const input = { key: 'shop#pr-42', deploymentId: 'd-1' };
const build = (buildStatus: StatusType) => ({
  id: 'shop-pr-42-web:b1',
  arn: 'arn:aws:codebuild:us-east-1:123456789012:build/shop-pr-42-web:b1',
  buildStatus,
  startTime: new Date('2026-05-01T12:00:00.000Z'),
});

beforeEach(() => {
  for (const mock of [dynamodb, eventbridge, codebuild]) mock.reset();
  dynamodb.on(PutItemCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'shop#pr-42' }, lock: { S: 'd-1' } } });
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterAll(() => {
  for (const mock of [dynamodb, eventbridge, codebuild]) mock.restore();
});

describe('local engine — optimized DynamoDB and EventBridge integrations', () => {
  it('sends DynamoDB parameters under their own names, unchanged', async () => {
    await runWorkflow(fixture('environment-record.asl.json'), input, {
      clients: testClients(),
      placeholders,
    });

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'modeshift-environments',
      Item: { pk: { S: 'shop#pr-42' }, lock: { S: 'd-1' } },
      ConditionExpression: 'attribute_not_exists(#lock)',
      ExpressionAttributeNames: { '#lock': 'lock' },
    });
  });

  it('returns DynamoDB results under their own names', async () => {
    const result = await runWorkflow(fixture('environment-record.asl.json'), input, {
      clients: testClients(),
      placeholders,
    });

    expect(result.output).toMatchObject({ record: { lock: 'd-1' } });
  });

  it('names a failed condition DynamoDB.ConditionalCheckFailedException so a Catch on it matches', async () => {
    dynamodb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' }),
      );

    const result = await runWorkflow(fixture('environment-record.asl.json'), input, {
      clients: testClients(),
      placeholders,
    });

    expect(result.output).toMatchObject({
      error: {
        Error: 'DynamoDB.ConditionalCheckFailedException',
        Cause: expect.stringContaining('conditional'),
      },
    });
    expect(result.events.map((event) => event.state)).toContain('Locked');
  });

  it('sends a JSON Detail to PutEvents as a string and returns Entries and FailedEntryCount', async () => {
    const result = await runWorkflow(fixture('environment-record.asl.json'), input, {
      clients: testClients(),
      placeholders,
    });

    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'modeshift',
          Source: 'modeshift',
          DetailType: 'Deployment Started',
          Detail: '{"deploymentId":"d-1"}',
        },
      ],
    });
    expect(result.output).toMatchObject({
      announced: { Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 },
    });
  });

  it('fails with EventBridge.FailedEntry when an entry was not put', async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const result = await runWorkflow(fixture('environment-record.asl.json'), input, {
      clients: testClients(),
      placeholders,
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'EventBridge.FailedEntry',
      failedState: 'Announce',
    });
    expect(result.cause).toContain('InternalFailure');
  });
});

describe('local engine — codebuild:startBuild.sync', () => {
  it('starts the build with the parameters in the SDK casing', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build('SUCCEEDED') });

    await runWorkflow(
      fixture('codebuild-sync.asl.json'),
      { tag: 'abc123' },
      { clients: testClients(), timeScale: 0 },
    );

    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName: 'shop-pr-42-web',
      computeTypeOverride: 'BUILD_GENERAL1_SMALL',
      environmentVariablesOverride: [{ name: 'IMAGE_TAG', value: 'abc123', type: 'PLAINTEXT' }],
    });
  });

  it('polls BatchGetBuilds until the build succeeds and returns it in Step Functions casing', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build('IN_PROGRESS') });
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [build('IN_PROGRESS')] })
      .resolvesOnce({ builds: [build('IN_PROGRESS')] })
      .resolves({ builds: [build('SUCCEEDED')] });

    const result = await runWorkflow(
      fixture('codebuild-sync.asl.json'),
      { tag: 'abc123' },
      {
        clients: testClients(),
        timeScale: 0,
      },
    );

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { build: { status: 'SUCCEEDED', id: 'shop-pr-42-web:b1' } },
    });
    expect(codebuild).toHaveReceivedCommandTimes(BatchGetBuildsCommand, 3);
    expect(codebuild).toHaveReceivedCommandWith(BatchGetBuildsCommand, { ids: ['shop-pr-42-web:b1'] });
  });

  it('fails with States.TaskFailed, the build status in the cause, when the build fails', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build('IN_PROGRESS') });
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [build('IN_PROGRESS')] })
      .resolves({ builds: [build('FAILED')] });

    const result = await runWorkflow(
      fixture('codebuild-sync.asl.json'),
      { tag: 'abc123' },
      {
        clients: testClients(),
        timeScale: 0,
      },
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', failedState: 'Build' });
    expect(JSON.parse(result.cause ?? '')).toMatchObject({
      Build: { BuildStatus: 'FAILED', StartTime: '2026-05-01T12:00:00.000Z' },
    });
  });

  it('names a CodeBuild API error CodeBuild.<code>', async () => {
    codebuild
      .on(StartBuildCommand)
      .rejects(new InvalidInputException({ $metadata: {}, message: 'bad project' }));

    const result = await runWorkflow(
      fixture('codebuild-sync.asl.json'),
      { tag: 'abc123' },
      {
        clients: testClients(),
        timeScale: 0,
      },
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'CodeBuild.InvalidInputException' });
  });
});
