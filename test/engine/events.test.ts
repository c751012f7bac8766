import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowEvent } from '../../engine/run-workflow.ts';
import { failedStateFrom } from '../../engine/workflow-events.ts';
import { fixture, testClients } from './fixtures.ts';

const rds = mockClient(RDSClient);

beforeEach(() => {
  rds.reset();
  rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'db' }).resolves({ DBInstances: [] });
  rds
    .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'cache' })
    .rejects(new DBInstanceNotFoundFault({ $metadata: {}, message: 'DBInstance cache not found.' }));
});

afterAll(() => {
  rds.restore();
});

describe('local engine — events and results', () => {
  it('reports StateEntered for every state, nested ones with their Map index', async () => {
    const result = await runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['db'] },
      { clients: testClients() },
    );

    const entered = result.events.filter((event) => event.type === 'StateEntered');
    expect(entered.map((event) => [event.state, event.index])).toEqual([
      ['Prepare', undefined],
      ['EachDatabase', undefined],
      ['DescribeDatabase', 0],
    ]);
  });

  it('counts one transition per state entered', async () => {
    const result = await runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['db', 'db'] },
      {
        clients: testClients(),
      },
    );

    expect(result.transitions).toBe(4);
  });

  it('calls onEvent for each event as it happens, in order', async () => {
    const seen: WorkflowEvent[] = [];

    const result = await runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['db'] },
      {
        clients: testClients(),
        onEvent: (event) => seen.push(event),
      },
    );

    expect(seen).toEqual(result.events);
    expect(seen.at(0)?.type).toBe('ExecutionStarted');
    expect(seen.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('finishes the run and then rethrows what onEvent threw', async () => {
    const seen: string[] = [];

    const run = runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['db'] },
      {
        clients: testClients(),
        onEvent: (event) => {
          seen.push(event.type);
          if (event.type === 'ExecutionStarted') throw new Error('progress output broke');
        },
      },
    );

    await expect(run).rejects.toThrow('progress output broke');
    expect(seen.at(-1)).toBe('ExecutionSucceeded');
  });

  it('names the inner Task, not the enclosing Map, as the failed state', async () => {
    const result = await runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['db', 'cache'] },
      {
        clients: testClients(),
      },
    );

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Rds.DbInstanceNotFoundException',
      cause: 'DBInstance cache not found. (Service: Rds)',
      failedState: 'DescribeDatabase',
    });
  });

  it('reports the failure in StateFailed and ExecutionFailed events', async () => {
    const result = await runWorkflow(
      fixture('failing-map.asl.json'),
      { databases: ['cache'] },
      {
        clients: testClients(),
      },
    );

    expect(result.events).toContainEqual(
      expect.objectContaining({
        type: 'StateFailed',
        state: 'DescribeDatabase',
        index: 0,
        error: 'Rds.DbInstanceNotFoundException',
      }),
    );
    expect(result.events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      error: 'Rds.DbInstanceNotFoundException',
    });
  });

  it('names a Fail state as the failed state when the workflow fails on purpose', async () => {
    const definition = {
      StartAt: 'Refuse',
      States: {
        Refuse: { Type: 'Fail', Error: 'Modeshift.ProductionDownNotConfirmed', Cause: 'confirm is missing' },
      },
    };

    const result = await runWorkflow(definition, {}, { clients: testClients() });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.ProductionDownNotConfirmed',
      cause: 'confirm is missing',
      failedState: 'Refuse',
    });
  });
});

describe('local engine — failed state from events', () => {
  const types = new Map([
    ['Deploy', 'Map'],
    ['CreateService', 'Task'],
    ['Describe', 'Task'],
  ]);
  const event = (type: string, state: string, error?: string): WorkflowEvent => ({
    type,
    state,
    timestamp: 0,
    ...(error === undefined ? {} : { error }),
  });

  it('skips failures a Retry or Catch handled', () => {
    const events = [
      event('StateFailed', 'Describe', 'States.Timeout'),
      event('StateCaught', 'Describe'),
      event('StateFailed', 'CreateService', 'States.Timeout'),
      event('StateRetried', 'CreateService'),
      event('StateFailed', 'CreateService', 'States.Timeout'),
      event('StateFailed', 'Deploy', 'States.Timeout'),
    ];

    expect(failedStateFrom(events, 'States.Timeout', types)).toBe('CreateService');
  });

  it('names the Map itself when no inner failure was reported', () => {
    expect(failedStateFrom([event('StateFailed', 'Deploy', 'States.Runtime')], 'States.Runtime', types)).toBe(
      'Deploy',
    );
  });
});
