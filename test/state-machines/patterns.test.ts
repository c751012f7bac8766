import { describe, expect, it } from 'vitest';
import { allStates, lambdaStepOf, type Machine } from '../../core/asl.ts';
import { workflowDefinition } from '../../core/workflow-definitions.ts';
import { defineStep } from '../../functions/step.ts';
import {
  END,
  failurePath,
  guardedParallel,
  lambdaTask,
  perSetting,
  placeholder,
  sdkTask,
  stepOfState,
} from '../../state-machines/patterns.ts';
import { STEPS, stepsOf, WORKFLOWS } from '../../state-machines/workflows.ts';

interface PrepareInput {
  readonly project: string;
  readonly stamp?: string;
  readonly finalSnapshot: boolean;
}

const prepare = defineStep({
  name: 'PrepareThing',
  clients: {},
  sends: [],
  run: async (input: PrepareInput): Promise<{ done: boolean }> => ({ done: input.finalSnapshot }),
});

describe('lambdaTask', () => {
  it('runs the step by its function ARN, with the standard Retry, and goes to DescribeFailure on any other error', () => {
    const state = lambdaTask(prepare, {
      parameters: { 'project.$': '$.project', finalSnapshot: true },
      next: 'After',
    });

    expect(state).toMatchObject({
      Type: 'Task',
      Resource: `\${PrepareThingFunctionArn}`,
      Parameters: { 'project.$': '$.project', finalSnapshot: true },
      ResultPath: null,
      TimeoutSeconds: 900,
      Next: 'After',
    });
    expect(state.Retry?.map((retrier) => retrier.ErrorEquals)).toEqual([
      [
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
        'Modeshift.Throttled',
      ],
    ]);
    expect(state.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'DescribeFailure' },
    ]);
    expect(stepOfState(state)).toBe(prepare);
  });

  it('polls a waiting step on Modeshift.NotReady before any other retry', () => {
    const state = lambdaTask(prepare, {
      parameters: { 'project.$': '$.project', 'finalSnapshot.$': '$.keep' },
      poll: { intervalSeconds: 10, maxAttempts: 180 },
      next: END,
    });

    expect(state.Retry?.[0]).toEqual({
      ErrorEquals: ['Modeshift.NotReady'],
      IntervalSeconds: 10,
      MaxAttempts: 180,
      BackoffRate: 1,
    });
    expect(state.End).toBe(true);
    expect(state.Next).toBeUndefined();
  });

  it('catches the errors it expects first, and leaves the rest to its machine when told to propagate', () => {
    const state = lambdaTask(prepare, {
      parameters: { 'project.$': '$.project', finalSnapshot: false },
      expect: [{ errors: ['Modeshift.NotReady'], next: 'Later' }],
      onError: 'propagate',
      next: 'Later',
    });

    expect(state.Catch).toEqual([{ ErrorEquals: ['Modeshift.NotReady'], ResultPath: null, Next: 'Later' }]);
  });

  it("checks a step's Parameters against its input type when the workflow compiles", () => {
    const states = [
      lambdaTask(prepare, {
        // @ts-expect-error finalSnapshot is required by the step's input
        parameters: { 'project.$': '$.project' },
        next: END,
      }),
      lambdaTask(prepare, {
        // @ts-expect-error the step's input has no field names
        parameters: { 'project.$': '$.project', finalSnapshot: true, 'names.$': '$.names' },
        next: END,
      }),
      lambdaTask(prepare, {
        // @ts-expect-error finalSnapshot is a boolean
        parameters: { 'project.$': '$.project', finalSnapshot: 'yes' },
        next: END,
      }),
    ];

    expect(states).toHaveLength(3);
  });
});

describe('sdkTask', () => {
  const BACKOFF = { IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' };

  it('calls the API through the aws-sdk integration', () => {
    const state = sdkTask('rds', 'describeDBInstances', { parameters: {}, next: END });

    expect(state.Resource).toBe('arn:aws:states:::aws-sdk:rds:describeDBInstances');
  });

  it('backs off on the throttling and server errors the model declares, then on its undeclared errors (Scheduler)', () => {
    const state = sdkTask('scheduler', 'getSchedule', { parameters: {}, next: END });

    expect(state.Retry).toEqual([
      { ErrorEquals: ['Scheduler.ThrottlingException', 'Scheduler.InternalServerException'], ...BACKOFF },
      { ErrorEquals: ['Scheduler.SchedulerException', 'Scheduler.SdkClientException'], ...BACKOFF },
    ]);
  });

  it.each([
    ['rds', 'Rds'],
    ['ecs', 'Ecs'],
    ['elasticloadbalancingv2', 'ElasticLoadBalancingV2'],
  ] as const)(
    'backs off on %s throttling as Step Functions names it, an undeclared error (%s.%sException)',
    (service, prefix) => {
      const state = sdkTask(service, 'describeThings', { parameters: {}, next: END });

      expect(state.Retry).toEqual([
        { ErrorEquals: [`${prefix}.${prefix}Exception`, `${prefix}.SdkClientException`], ...BACKOFF },
      ]);
    },
  );
});

describe('perSetting', () => {
  it('goes to the state of each value that has one, and to otherwise for the rest', () => {
    expect(perSetting('$.policy.natGateways', { none: 'NoNat', single: 'OneNat' }, 'Unknown')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.policy.natGateways', StringEquals: 'none', Next: 'NoNat' },
        { Variable: '$.policy.natGateways', StringEquals: 'single', Next: 'OneNat' },
      ],
      Default: 'Unknown',
    });
  });
});

describe('guardedParallel', () => {
  const states = guardedParallel('Work', {
    resultPath: '$.work',
    branches: [
      { name: 'First', startAt: 'A', states: { A: { Type: 'Succeed' } }, keep: { 'a.$': '$[0].a' } },
      { name: 'Second', startAt: 'B', states: { B: { Type: 'Succeed' } } },
    ],
    next: 'Done',
  });

  it('holds each branch’s failure in the branch, so every branch runs to its end', () => {
    const parallel = states.Work;
    if (parallel?.Type !== 'Parallel') throw new Error('no Parallel');
    const [first] = parallel.Branches;

    expect(first?.StartAt).toBe('First');
    expect(first?.States.First).toMatchObject({
      Type: 'Parallel',
      ResultSelector: { 'a.$': '$[0].a' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.branchFailure', Next: 'FirstFailed' }],
      End: true,
    });
    expect(first?.States.FirstFailed).toMatchObject({ Parameters: { 'branchFailure.$': '$.branchFailure' } });
  });

  it('fails the run with a failed branch’s error once all have ended, and goes on when none failed', () => {
    expect(states.WorkSucceeded).toEqual({
      Type: 'Choice',
      Comment: 'A branch that failed fails the run, now that every branch has ended.',
      Choices: [
        { Variable: '$.work[0].branchFailure', IsPresent: true, Next: 'WorkBranch0Failed' },
        { Variable: '$.work[1].branchFailure', IsPresent: true, Next: 'WorkBranch1Failed' },
      ],
      Default: 'Done',
    });
    expect(states.WorkBranch1Failed).toEqual({
      Type: 'Pass',
      Parameters: { 'Error.$': '$.work[1].branchFailure.Error', 'Cause.$': '$.work[1].branchFailure.Cause' },
      ResultPath: '$.failure',
      Next: 'DescribeFailure',
    });
  });
});

describe('failurePath', () => {
  const describeStep = defineStep({
    name: 'DescribeFailure',
    clients: {},
    sends: [],
    run: async (_input: object): Promise<object> => ({}),
  });
  const states = failurePath(describeStep, {
    action: 'down',
    undescribed: {},
    history: { mode: { 'S.$': '$.current.mode' } },
    failedEvent: 'Teardown Failed',
  });

  it('releases the lock, records the failure and sends its event, each attempted even when the one before failed', () => {
    expect(Object.keys(states)).toEqual([
      'DescribeFailure',
      'FailureUndescribed',
      'ReleaseLockAfterFailure',
      'AppendFailureHistory',
      'EmitTeardownFailed',
      'TeardownFailed',
    ]);
    for (const [name, following] of [
      ['ReleaseLockAfterFailure', 'AppendFailureHistory'],
      ['AppendFailureHistory', 'EmitTeardownFailed'],
      ['EmitTeardownFailed', 'TeardownFailed'],
    ] as const) {
      expect(states[name]).toMatchObject({
        Next: following,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: following }],
      });
    }
    expect(states.TeardownFailed).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });
});

describe('the workflows and their steps', () => {
  /** The steps a committed definition names, read from its Resources as plain JSON. */
  const named = (definition: Machine) =>
    new Set(
      allStates(definition).flatMap(({ state }) =>
        state.Type === 'Task' ? (lambdaStepOf(state.Resource) ?? []) : [],
      ),
    );

  it.each(['deploy', 'down'] as const)('lists exactly the steps the committed %s ASL names', (name) => {
    expect(new Set(stepsOf(WORKFLOWS[name]).map((step) => step.name))).toEqual(
      named(workflowDefinition(name)),
    );
  });

  it('lists each step once, under its own name', () => {
    for (const [name, step] of Object.entries(STEPS)) expect(step.name).toBe(name);
    expect(Object.keys(STEPS)).toHaveLength(
      new Set([...named(workflowDefinition('deploy')), ...named(workflowDefinition('down'))]).size,
    );
  });

  it('writes placeholders as the SST app fills them in', () => {
    expect(placeholder('SchedulerRoleArn')).toBe(`\${SchedulerRoleArn}`);
  });
});
