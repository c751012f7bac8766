import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../engine/errors.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, testClients } from './fixtures.ts';

describe('local engine — running a definition', () => {
  it('runs a definition given as JSON text', async () => {
    const text = readFileSync(new URL('./fixtures/long-wait.asl.json', import.meta.url), 'utf8');

    const result = await runWorkflow(text, { seconds: 1 }, { clients: testClients(), timeScale: 0 });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { seconds: 1 }, transitions: 2 });
  });

  it('leaves the caller’s definition object as it was', async () => {
    const definition = fixture('lambda-step.asl.json');
    const before = structuredClone(definition);

    await runWorkflow(
      definition,
      {},
      { clients: testClients(), lambdaSteps: { AcquireLock: async () => ({}) } },
    );

    expect(definition).toEqual(before);
  });

  it('refuses a definition asl-validator rejects, with its messages', async () => {
    const definition = { StartAt: 'A', States: { A: { Type: 'Pass' } } };

    const run = runWorkflow(definition, {}, { clients: testClients() });

    await expect(run).rejects.toBeInstanceOf(DefinitionError);
    await expect(run).rejects.toThrow(/TERMINAL_STATE_WITH_NEXT/);
  });

  it('refuses JSONata, which the library would silently ignore', async () => {
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Output: '{% $states.input.x %}', End: true } },
    };

    await expect(runWorkflow(definition, {}, { clients: testClients() })).rejects.toThrow(
      'state "A": JSONata field Output',
    );
  });

  it('refuses a Task whose Resource it cannot run, rather than calling Lambda in AWS', async () => {
    const definition = {
      StartAt: 'Send',
      States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    };

    await expect(runWorkflow(definition, {}, { clients: testClients() })).rejects.toThrow(
      'state "Send" (arn:aws:states:::sqs:sendMessage): this optimized integration is not supported by the local engine',
    );
  });
});

describe('local engine — context object', () => {
  const definition = {
    StartAt: 'Read',
    States: {
      Read: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$$.Execution.Id',
          'name.$': '$$.Execution.Name',
          'machine.$': '$$.StateMachine.Name',
          'started.$': '$$.Execution.StartTime',
          'entered.$': '$$.State.EnteredTime',
        },
        End: true,
      },
    },
  };

  it('names the execution and the state machine as given', async () => {
    const result = await runWorkflow(
      definition,
      {},
      {
        clients: testClients(),
        executionName: 'd-42',
        stateMachineName: 'modeshift-deploy',
      },
    );

    expect(result.output).toMatchObject({
      id: 'arn:aws:states:us-east-1:000000000000:execution:modeshift-deploy:d-42',
      name: 'd-42',
      machine: 'modeshift-deploy',
    });
  });

  it('names the execution after the state machine’s ARN when one is given', async () => {
    const result = await runWorkflow(
      definition,
      {},
      {
        clients: testClients(),
        executionName: 'd-42',
        stateMachineName: 'modeshift-deploy',
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:modeshift-deploy',
      },
    );

    expect(result.output).toMatchObject({
      id: 'arn:aws:states:eu-west-1:123456789012:execution:modeshift-deploy:d-42',
      machine: 'modeshift-deploy',
    });
  });

  it('gives the time a state was entered, no earlier than the execution started', async () => {
    const result = await runWorkflow(definition, {}, { clients: testClients() });

    const { started, entered } = result.output as { started: string; entered: string };
    expect(Date.parse(entered)).toBeGreaterThanOrEqual(Date.parse(started));
  });

  it('counts a retry as a transition and its attempts in the history, and forgets a failure a retry took up', async () => {
    let attempts = 0;
    const definition = fixture('retried-poll.asl.json');
    let failedBefore: string | undefined = 'not asked';

    const result = await runWorkflow(
      definition,
      {},
      {
        clients: testClients(),
        timeScale: 0,
        lambdaSteps: {
          Poll: async () => {
            attempts += 1;
            if (attempts < 3) throw Object.assign(new Error('not yet'), { name: 'Modeshift.NotReady' });
            return {};
          },
          Describe: async (_input, context) => {
            failedBefore = context.lastFailedTask();
            return {};
          },
        },
      },
    );

    expect(result).toMatchObject({ status: 'SUCCEEDED', transitions: 4 });
    // Started and succeeded, two Tasks (5 each), two retried attempts (3 each).
    expect(result.historyEvents).toBe(2 + 5 + 5 + 2 * 3);
    expect(failedBefore).toBeUndefined();
  });
});
