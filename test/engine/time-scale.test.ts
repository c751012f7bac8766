import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Machine } from '../../core/asl.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { applyDefaultTaskTimeout } from '../../engine/task-timeouts.ts';
import { timeOverrides } from '../../engine/time-scale.ts';
import { fixture, testClients } from './fixtures.ts';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

afterAll(() => {
  ec2.restore();
});

describe('local engine — time', () => {
  it('makes a one-hour Wait and a SecondsPath Wait instant with timeScale 0', async () => {
    const started = Date.now();

    const result = await runWorkflow(
      fixture('long-wait.asl.json'),
      { seconds: 3600 },
      {
        clients: testClients(),
        timeScale: 0,
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    // Far less than the hour the Waits ask for, with room for a busy machine: honouring them would take 3600 s.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('scales Seconds Waits and Retry intervals by timeScale', () => {
    const overrides = timeOverrides(
      {
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', Seconds: 60, Next: 'Call' },
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:ec2:createVpc',
            Retry: [
              { ErrorEquals: ['States.ALL'], IntervalSeconds: 10 },
              { ErrorEquals: ['States.Timeout'], MaxDelaySeconds: 0 },
            ],
            End: true,
          },
        },
      },
      0.01,
    );

    expect(overrides).toEqual({
      waitTimeOverrides: { Pause: 600 },
      retryIntervalOverrides: { Call: [100, 0] },
    });
  });

  it('leaves every duration to the state machine with timeScale 1', () => {
    const overrides = timeOverrides(fixture('long-wait.asl.json') as never, 1);

    expect(overrides).toEqual({ waitTimeOverrides: {}, retryIntervalOverrides: {} });
  });

  it('times out a Task without TimeoutSeconds after defaultTaskTimeoutSeconds', async () => {
    ec2.on(CreateVpcCommand).callsFake(() => new Promise((resolve) => setTimeout(() => resolve({}), 1200)));
    const definition = fixture('throttled-call.asl.json');

    const result = await runWorkflow(
      definition,
      {},
      {
        clients: testClients(),
        placeholders: { RetryOn: 'Ec2.Ec2Exception' },
        timeScale: 0,
        defaultTaskTimeoutSeconds: 1,
      },
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout', failedState: 'CreateVpc' });
  });

  it('sets TimeoutSeconds only on Tasks that have no timeout of their own', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ec2:createVpc', Next: 'B' },
        B: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ec2:createVpc', TimeoutSeconds: 5, End: true },
      },
    } satisfies Machine;

    applyDefaultTaskTimeout(definition, 3600);

    expect([definition.States.A, definition.States.B]).toMatchObject([
      { TimeoutSeconds: 3600 },
      { TimeoutSeconds: 5 },
    ]);
  });
});

describe('local engine — scaled SecondsPath waits', () => {
  it('waits the SecondsPath seconds times the time scale', async () => {
    const definition = {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', SecondsPath: '$.delay', Next: 'Done' },
        Done: { Type: 'Pass', End: true },
      },
    };

    const started = Date.now();
    const result = await runWorkflow(
      definition,
      { delay: 20 },
      { clients: () => ({}) as never, timeScale: 0.01 },
    );
    const elapsed = Date.now() - started;

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { delay: 20 } });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
  });
});
