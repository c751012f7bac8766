import { describe, expect, it, vi } from 'vitest';
import type { ClientFactory } from '../../engine/clients.ts';
import type { LambdaStepContext } from '../../engine/lambda-task.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, placeholder, testClients } from './fixtures.ts';

class EnvironmentLocked extends Error {
  override name = 'Modeshift.EnvironmentLocked';
}

const invokeDefinition = {
  StartAt: 'Reconcile',
  States: {
    Reconcile: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: placeholder('ReconcileFunctionArn'), 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

describe('local engine — Lambda steps', () => {
  it('runs the step a <Name>FunctionArn token names, with its input, clients and name', async () => {
    const clients: ClientFactory = testClients();
    const acquireLock = vi.fn(async (input: unknown) => ({
      acquired: true,
      by: (input as { id: string }).id,
    }));

    const result = await runWorkflow(
      fixture('lambda-step.asl.json'),
      { id: 'd-1' },
      {
        clients,
        lambdaSteps: { AcquireLock: acquireLock },
      },
    );

    expect(acquireLock).toHaveBeenCalledWith(
      { id: 'd-1' },
      { clients, stepName: 'AcquireLock', stateName: 'AcquireLock', lastFailedTask: expect.any(Function) },
    );
    expect(result.output).toEqual({ id: 'd-1', lock: { acquired: true, by: 'd-1' } });
  });

  it('tells a step which state runs it, when two states run the same step', async () => {
    const step = vi.fn(async (_input: unknown, context: LambdaStepContext) => context.stateName);
    const definition = {
      StartAt: 'StartDeletion',
      States: {
        StartDeletion: {
          Type: 'Task',
          Resource: placeholder('DeleteThingFunctionArn'),
          ResultPath: '$.first',
          Next: 'Finish',
        },
        Finish: {
          Type: 'Task',
          Resource: placeholder('DeleteThingFunctionArn'),
          ResultPath: '$.second',
          End: true,
        },
      },
    };

    const result = await runWorkflow(
      definition,
      {},
      { clients: testClients(), lambdaSteps: { DeleteThing: step } },
    );

    expect(result.output).toEqual({ first: 'StartDeletion', second: 'Finish' });
    expect(step.mock.calls.map(([, context]) => context.stepName)).toEqual(['DeleteThing', 'DeleteThing']);
  });

  it('matches the error a step throws by its name, with the Lambda error JSON as the cause', async () => {
    const acquireLock = async () => {
      throw new EnvironmentLocked('pr-42 is locked by deployment d-0');
    };

    const result = await runWorkflow(
      fixture('lambda-step.asl.json'),
      { id: 'd-1' },
      {
        clients: testClients(),
        lambdaSteps: { AcquireLock: acquireLock },
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    const error = (result.output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('Modeshift.EnvironmentLocked');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'Modeshift.EnvironmentLocked',
      errorMessage: 'pr-42 is locked by deployment d-0',
    });
  });

  it('passes the result through JSON, as Lambda does', async () => {
    const acquireLock = async () => ({ at: new Date('2026-05-01T12:00:00.000Z'), gone: undefined });

    const result = await runWorkflow(
      fixture('lambda-step.asl.json'),
      {},
      {
        clients: testClients(),
        lambdaSteps: { AcquireLock: acquireLock },
      },
    );

    expect(result.output).toEqual({ lock: { at: '2026-05-01T12:00:00.000Z' } });
  });

  it('runs a step through arn:aws:states:::lambda:invoke and wraps its result in Payload', async () => {
    const reconcile = vi.fn(async () => ({ services: 2 }));

    const result = await runWorkflow(
      invokeDefinition,
      { environment: 'pr-42' },
      {
        clients: testClients(),
        lambdaSteps: { Reconcile: reconcile },
      },
    );

    expect(reconcile).toHaveBeenCalledWith(
      { environment: 'pr-42' },
      expect.objectContaining({ stepName: 'Reconcile' }),
    );
    expect(result.output).toEqual({ services: 2 });
  });

  it('finds the step from a deployed function name that ends with it, the longest match first', async () => {
    const lock = vi.fn(async () => 'lock');
    const unlock = vi.fn(async () => 'unlock');
    const definition = {
      StartAt: 'Release',
      States: {
        Release: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-Unlock',
          End: true,
        },
      },
    };

    const result = await runWorkflow(
      definition,
      {},
      { clients: testClients(), lambdaSteps: { Lock: lock, Unlock: unlock } },
    );

    expect(result.output).toBe('unlock');
    expect(lock).not.toHaveBeenCalled();
  });

  it('refuses a Lambda ARN that names no step before anything runs', async () => {
    const definition = {
      StartAt: 'Mystery',
      States: {
        Mystery: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:other',
          End: true,
        },
      },
    };

    await expect(runWorkflow(definition, {}, { clients: testClients() })).rejects.toThrow(
      'no Lambda step for function other',
    );
  });
});
