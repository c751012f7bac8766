import { describe, expect, it } from 'vitest';
import { workflowDefinition } from '../../core/workflow-definitions.ts';
import { lintDefinition } from '../../engine/lint.ts';
import { STEPS } from '../../functions/steps/registry.ts';

describe.each(['deploy', 'down'] as const)('%s workflow — lint', (name) => {
  it('passes asl-validator, uses JSONPath only, and every aws-sdk parameter and Lambda step exists', () => {
    expect(lintDefinition(workflowDefinition(name) as object, { lambdaSteps: Object.keys(STEPS) })).toEqual(
      [],
    );
  });

  it('fails the lint when a Lambda step it calls is missing from the registry', () => {
    const steps = Object.keys(STEPS).filter((step) => step !== 'DescribeFailure');

    expect(lintDefinition(workflowDefinition(name) as object, { lambdaSteps: steps }).join('\n')).toContain(
      'DescribeFailure',
    );
  });
});
