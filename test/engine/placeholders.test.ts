import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../engine/errors.ts';
import { localFunctionArn, substitutePlaceholders } from '../../engine/placeholders.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, placeholder, testClients } from './fixtures.ts';

const dynamodb = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);

beforeEach(() => {
  dynamodb.reset();
  eventbridge.reset();
  dynamodb.on(GetItemCommand).resolves({ Item: { lock: { S: 'd-1' } } });
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

afterAll(() => {
  dynamodb.restore();
  eventbridge.restore();
});

describe('local engine — placeholders', () => {
  it('substitutes placeholder tokens wherever they are in string values', async () => {
    await runWorkflow(
      fixture('environment-record.asl.json'),
      { key: 'k', deploymentId: 'd-1' },
      {
        clients: testClients(),
        placeholders: { EnvironmentsTable: 'modeshift-environments-ci', EventBusName: 'modeshift-ci' },
      },
    );

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'modeshift-environments-ci' });
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ EventBusName: 'modeshift-ci' })],
    });
  });

  it('reports every placeholder that has no value, before anything runs', async () => {
    const run = runWorkflow(fixture('environment-record.asl.json'), {}, { clients: testClients() });

    await expect(run).rejects.toThrow(
      new DefinitionError([
        `no value for placeholders ${placeholder('EnvironmentsTable')}, ${placeholder('EventBusName')}`,
      ]),
    );
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it('resolves a <Name>FunctionArn token to a local function ARN when the Lambda step exists', () => {
    const substituted = substitutePlaceholders({ Resource: placeholder('AcquireLockFunctionArn') }, {}, [
      'AcquireLock',
    ]);

    expect(substituted).toEqual({
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:modeshift-AcquireLock',
    });
    expect(localFunctionArn('AcquireLock')).toBe(substituted.Resource);
  });

  it('reports a <Name>FunctionArn token as missing when there is no such Lambda step', () => {
    expect(() =>
      substitutePlaceholders({ Resource: placeholder('AcquireLockFunctionArn') }, {}, ['Reconcile']),
    ).toThrow(`no value for placeholder ${placeholder('AcquireLockFunctionArn')}`);
  });
});
