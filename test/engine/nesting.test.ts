import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, testClients } from './fixtures.ts';

const logs = mockClient(CloudWatchLogsClient);

beforeEach(() => {
  logs.reset();
  logs.on(CreateLogGroupCommand).resolves({});
});

afterAll(() => {
  logs.restore();
});

describe('local engine — Map and Parallel', () => {
  it('runs an aws-sdk Task inside a Map inside a Parallel branch once per item', async () => {
    await runWorkflow(
      fixture('nested.asl.json'),
      { services: ['web', 'worker'] },
      {
        clients: testClients(),
        lambdaSteps: { Reconcile: async () => ({}) },
      },
    );

    expect(logs).toHaveReceivedCommandTimes(CreateLogGroupCommand, 2);
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, {
      logGroupName: '/modeshift/shop/pr-42/worker',
    });
  });

  it('runs a Lambda step in a sibling branch and returns one result per branch', async () => {
    const reconcile = vi.fn(async () => ({ reconciled: true }));

    const result = await runWorkflow(
      fixture('nested.asl.json'),
      { services: ['web'] },
      {
        clients: testClients(),
        lambdaSteps: { Reconcile: reconcile },
      },
    );

    expect(reconcile).toHaveBeenCalledOnce();
    expect(result.output).toEqual([['web'], { reconciled: true }]);
  });

  it('reports events of Map iterations with their index', async () => {
    const result = await runWorkflow(
      fixture('nested.asl.json'),
      { services: ['web', 'worker'] },
      {
        clients: testClients(),
        lambdaSteps: { Reconcile: async () => ({}) },
      },
    );

    const entered = result.events.filter(
      (event) => event.type === 'StateEntered' && event.state === 'CreateLogGroup',
    );
    expect(entered.map((event) => event.index).sort()).toEqual([0, 1]);
  });

  it('refuses a definition that uses a state name twice, even in different branches', async () => {
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Work', States: { Work: { Type: 'Pass', End: true } } },
            { StartAt: 'Work', States: { Work: { Type: 'Pass', End: true } } },
          ],
          End: true,
        },
      },
    };

    await expect(runWorkflow(definition, {}, { clients: testClients() })).rejects.toThrow(
      'state name "Work" is used more than once',
    );
  });
});
