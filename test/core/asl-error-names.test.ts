import { describe, expect, it } from 'vitest';
import type { Machine, State } from '../../core/asl.ts';
import { unknownErrorNames } from '../../core/asl-error-names.ts';
import { workflowDefinition } from '../../core/workflow-definitions.ts';

/** One Task that waits for `errors` in a Retry and in a Catch. */
function machine(task: string, retry: string[], caught: string[]): Machine {
  return {
    StartAt: task,
    States: {
      [task]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:rds:describeDBInstances',
        ...(retry.length > 0 ? { Retry: [{ ErrorEquals: retry }] } : {}),
        ...(caught.length > 0 ? { Catch: [{ ErrorEquals: caught, Next: 'Failed' }] } : {}),
        End: true,
      },
      Failed: { Type: 'Fail' },
    },
  };
}

const unknownIn = (definition: Machine) =>
  unknownErrorNames(definition).map(({ state, errorName }) => `${state} ${errorName}`);

describe('error names in Retry and Catch — the workflows', () => {
  for (const name of ['deploy', 'down'] as const) {
    it(`${name}: waits only for errors some integration raises`, () => {
      expect(unknownErrorNames(workflowDefinition(name)).map(({ message }) => message)).toEqual([]);
    });
  }
});

describe('error names in Retry and Catch', () => {
  it('reports a misspelt name in a Catch and an unmodelled one in a Retry, with their states', () => {
    const definition = machine('DescribeDatabase', ['Ec2.NoSuchThing'], ['Rds.DbInstanceNotFoundExceptionn']);

    const unknown = unknownErrorNames(definition);

    expect(unknown.map(({ state, errorName }) => [state, errorName])).toEqual([
      ['DescribeDatabase', 'Ec2.NoSuchThing'],
      ['DescribeDatabase', 'Rds.DbInstanceNotFoundExceptionn'],
    ]);
    expect(unknown[0]?.message).toContain('state "DescribeDatabase", Retry[0]: "Ec2.NoSuchThing"');
    expect(unknown[1]?.message).toContain(
      'state "DescribeDatabase", Catch[0]: "Rds.DbInstanceNotFoundExceptionn"',
    );
  });

  it('accepts an aws-sdk error by its Java SDK name (DBInstanceNotFoundFault → DbInstanceNotFoundException)', () => {
    expect(unknownIn(machine('Describe', [], ['Rds.DbInstanceNotFoundException']))).toEqual([]);
  });

  it("reports an aws-sdk error by the SDK's own spelling (Rds.DBInstanceNotFoundFault), which Step Functions never raises", () => {
    expect(unknownIn(machine('Describe', [], ['Rds.DBInstanceNotFoundFault']))).toEqual([
      'Describe Rds.DBInstanceNotFoundFault',
    ]);
  });

  it("accepts a service's fallback for errors its model does not declare, and the SDK's client error", () => {
    expect(
      unknownIn(machine('Describe', ['Ec2.Ec2Exception', 'Ec2.SdkClientException', 'Rds.RdsException'], [])),
    ).toEqual([]);
  });

  it("accepts an optimized integration's error by the API's code", () => {
    const names = [
      'DynamoDB.ConditionalCheckFailedException',
      'DynamoDB.ProvisionedThroughputExceededException',
      'EventBridge.FailedEntry',
      'EventBridge.InternalException',
      'CodeBuild.ResourceNotFoundException',
    ];

    expect(unknownIn(machine('Put', names, []))).toEqual([]);
  });

  it("checks the aws-sdk DynamoDB integration's errors (DynamoDb.) by their Java names", () => {
    expect(unknownIn(machine('Put', ['DynamoDb.ConditionalCheckFailedException'], []))).toEqual([]);
    expect(unknownIn(machine('Put', ['DynamoDb.ConditionalCheckFailed'], []))).toEqual([
      'Put DynamoDb.ConditionalCheckFailed',
    ]);
  });

  it('accepts the Lambda errors Step Functions documents, and no other Lambda name', () => {
    const documented = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.Unknown'];

    expect(unknownIn(machine('Invoke', documented, []))).toEqual([]);
    expect(unknownIn(machine('Invoke', ['Lambda.Timeout'], []))).toEqual(['Invoke Lambda.Timeout']);
  });

  it('accepts the predefined States errors and reports any other States name', () => {
    expect(unknownIn(machine('Task', ['States.Timeout', 'States.TaskFailed'], ['States.ALL']))).toEqual([]);
    expect(unknownIn(machine('Task', ['States.Throttled'], []))).toEqual(['Task States.Throttled']);
  });

  it("accepts modeshift's own step errors and names without a dot", () => {
    expect(unknownIn(machine('Step', ['Modeshift.NotReady', 'CustomError'], []))).toEqual([]);
  });

  it('reports a prefix no integration uses', () => {
    const unknown = unknownErrorNames(machine('Describe', [], ['Rsd.DbInstanceNotFoundException']));

    expect(unknown.map(({ errorName }) => errorName)).toEqual(['Rsd.DbInstanceNotFoundException']);
    expect(unknown[0]?.message).toContain('"Rsd."');
  });

  it('checks states nested in Parallel branches and Map processors, naming the nested state', () => {
    const inner = machine('Inner', ['Ecs.NoSuchCluster'], []);
    const parallel: State = { Type: 'Parallel', Branches: [inner], End: true };
    const map: State = { Type: 'Map', ItemProcessor: machine('Item', [], ['Ecr.Nope']), End: true };
    const definition: Machine = {
      StartAt: 'Both',
      States: { Both: parallel, Each: map },
    };

    expect(unknownIn(definition)).toEqual(['Inner Ecs.NoSuchCluster', 'Item Ecr.Nope']);
  });

  it('checks the Retry and Catch of a Parallel state itself', () => {
    const definition: Machine = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [machine('Inner', [], [])],
          Retry: [{ ErrorEquals: ['States.BranchFailed'] }],
          Catch: [{ ErrorEquals: ['States.BranchFaild'], Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    };

    expect(unknownIn(definition)).toEqual(['Both States.BranchFaild']);
  });
});
