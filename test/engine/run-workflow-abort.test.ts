import { describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowEvent } from '../../engine/run-workflow.ts';
import { placeholder, testClients } from './fixtures.ts';

/** Work, then Then, in a Parallel whose other branch has a step still running; a Catch sends any failure to Recover. */
const definition = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: placeholder('WorkFunctionArn'),
              Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
              Next: 'Then',
            },
            Then: { Type: 'Task', Resource: placeholder('ThenFunctionArn'), End: true },
          },
        },
        {
          StartAt: 'Slow',
          States: { Slow: { Type: 'Task', Resource: placeholder('SlowFunctionArn'), End: true } },
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
      Next: 'After',
    },
    After: { Type: 'Task', Resource: placeholder('AfterFunctionArn'), End: true },
    Recover: { Type: 'Task', Resource: placeholder('RecoverFunctionArn'), End: true },
  },
};

class Killed extends Error {
  override name = 'Killed';
}

/** A run whose Work step aborts it as it starts, while Slow is still running; what each step saw. */
function killedRun() {
  const controller = new AbortController();
  const killed = new Killed('killed as Work started');
  const called: string[] = [];
  let finishSlow = () => {};
  const slowRunning = new Promise<void>((resolve) => {
    finishSlow = resolve;
  });
  const events: WorkflowEvent[] = [];
  const run = runWorkflow(
    definition,
    {},
    {
      clients: testClients(),
      timeScale: 0,
      signal: controller.signal,
      onEvent: (event) => events.push(event),
      lambdaSteps: {
        Work: async () => {
          called.push('Work');
          await Promise.resolve();
          controller.abort(killed);
          throw killed;
        },
        Slow: async () => {
          called.push('Slow');
          await slowRunning;
          return {};
        },
        Then: async () => {
          called.push('Then');
          return {};
        },
        After: async () => {
          called.push('After');
          return {};
        },
        Recover: async () => {
          called.push('Recover');
          return {};
        },
      },
    },
  );
  return { run, killed, called, events, finishSlow };
}

describe('local engine — a run aborted through its signal', () => {
  it('rejects with the signal’s reason at once, without waiting for a step still running', async () => {
    const { run, killed, finishSlow } = killedRun();

    await expect(run).rejects.toBe(killed);
    finishSlow();
  });

  it('starts no state after it: no Retry, no Catch, no Next', async () => {
    const { run, called, finishSlow } = killedRun();

    await run.catch(() => undefined);
    finishSlow();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(called.sort()).toEqual(['Slow', 'Work']);
  });

  it('ends its event log with the abort, and no outcome', async () => {
    const { run, events, finishSlow } = killedRun();

    await run.catch(() => undefined);
    finishSlow();

    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(events.map((event) => event.type)).not.toContain('ExecutionFailed');
  });

  it('is not started when its signal is already aborted', async () => {
    const controller = new AbortController();
    const killed = new Killed('killed before it started');
    controller.abort(killed);
    let called = false;

    const run = runWorkflow(
      {
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: placeholder('WorkFunctionArn'), End: true } },
      },
      {},
      {
        clients: testClients(),
        signal: controller.signal,
        lambdaSteps: {
          Work: async () => {
            called = true;
            return {};
          },
        },
      },
    );

    await expect(run).rejects.toBe(killed);
    expect(called).toBe(false);
  });
});
