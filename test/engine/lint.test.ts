import { describe, expect, it } from 'vitest';
import { lintDefinition } from '../../engine/lint.ts';
import { fixture, placeholder } from './fixtures.ts';

const options = { lambdaSteps: ['AcquireLock'] };

interface Machine {
  StartAt: string;
  States: Record<string, State>;
}
type State = Record<string, unknown> & { Branches?: Machine[]; ItemProcessor?: Machine };

/** The valid fixture with one change made to its states. */
function validWith(change: (states: Record<string, State>) => void): Record<string, unknown> {
  const definition = fixture('lint-valid.asl.json');
  change(definition.States as Record<string, State>);
  return definition;
}

describe('local engine — ASL lint', () => {
  it('accepts a definition that follows every rule, placeholders included', () => {
    expect(lintDefinition(fixture('lint-valid.asl.json'), options)).toEqual([]);
  });

  it('reports what asl-validator rejects', () => {
    const definition = validWith((states) => {
      states.Locked = { Type: 'Fail', Error: 'Modeshift.EnvironmentLocked', Next: 'AcquireLock' };
    });

    expect(lintDefinition(definition, options)).toEqual([
      expect.stringMatching(/^asl-validator: SCHEMA_VALIDATION_FAILED: \/States\/Locked/),
    ]);
  });

  it('reports JSONata fields and expressions, naming the state', () => {
    const definition = validWith((states) => {
      states.Record = { ...states.Record, Output: '{% $states.result %}' };
    });

    const problems = lintDefinition(definition, options);

    expect(problems).toContain('state "Record": JSONata field Output');
    expect(problems).toContain('state "Record": a {% … %} JSONata expression');
  });

  it('reports a parameter the API does not have, however deep, naming the state and the member', () => {
    const definition = validWith((states) => {
      const writeRecord =
        states.Infrastructure?.Branches?.[0]?.States.Records?.ItemProcessor?.States.WriteRecord;
      if (writeRecord) {
        writeRecord.Parameters = {
          ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'a', TimeToLive: 60 } }] },
        };
      }
    });

    expect(lintDefinition(definition, options)).toEqual([
      'state "WriteRecord": Parameters.ChangeBatch.Changes[0].ResourceRecordSet.TimeToLive is not a member of ResourceRecordSet (route53:changeResourceRecordSets)',
    ]);
  });

  it('checks the key of a parameter taken from a path but not its value', () => {
    const definition = validWith((states) => {
      states.CreateDatabase = {
        ...states.CreateDatabase,
        Parameters: { 'DbInstanceIdentifer.$': '$.database.identifier', 'Tags.$': '$.not.checked' },
      };
    });

    expect(lintDefinition(definition, options)).toEqual([
      'state "CreateDatabase": Parameters.DbInstanceIdentifer is not a member of CreateDBInstanceMessage (rds:createDBInstance)',
    ]);
  });

  it('reports a <Name>FunctionArn token that names no Lambda step', () => {
    expect(lintDefinition(fixture('lint-valid.asl.json'), { lambdaSteps: ['Reconcile'] })).toEqual([
      `state "AcquireLock": ${placeholder('AcquireLockFunctionArn')} names no Lambda step ("AcquireLock" is not one of: Reconcile)`,
    ]);
  });

  it('reports a Choice without a Default', () => {
    const definition = validWith((states) => {
      delete states.IsProduction?.Default;
    });

    expect(lintDefinition(definition, options)).toContain(
      'state "IsProduction": Choice has no Default (an unmatched input would fail with States.NoChoiceMatched)',
    );
  });

  it('reports a state name used twice across nested machines', () => {
    const definition = validWith((states) => {
      const branches = states.Infrastructure?.Branches;
      if (branches) branches[1] = { StartAt: 'Record', States: { Record: { Type: 'Pass', End: true } } };
    });

    expect(lintDefinition(definition, options)).toEqual([
      'state "Record": the name is used by more than one state',
    ]);
  });

  it('reports a Next or Default target that is not in the state’s own machine', () => {
    const definition = validWith((states) => {
      const build = states.Infrastructure?.Branches?.[1]?.States.Build;
      if (build) {
        delete build.End;
        build.Next = 'Record';
      }
      states.IsProduction = { ...states.IsProduction, Default: 'Nowhere' };
    });

    const problems = lintDefinition(definition, options);

    expect(problems).toContain('state "IsProduction": Default "Nowhere" is not a state of its machine');
    expect(problems).toContain('state "Build": Next "Record" is not a state of its machine');
  });
});
