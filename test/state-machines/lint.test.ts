import { describe, expect, it } from 'vitest';
import { workflowDefinition } from '../../core/workflow-definitions.ts';
import { lintDefinition } from '../../engine/lint.ts';
import { LOCAL_STEPS } from '../../local/steps.ts';

describe.each(['deploy', 'down'] as const)('%s workflow — lint', (name) => {
  it('passes asl-validator, uses JSONPath only, and every aws-sdk parameter and Lambda step exists', () => {
    expect(lintDefinition(workflowDefinition(name), { lambdaSteps: Object.keys(LOCAL_STEPS) })).toEqual([]);
  });

  it('fails the lint when a Lambda step it calls is missing from the registry', () => {
    const steps = Object.keys(LOCAL_STEPS).filter((step) => step !== 'DescribeFailure');

    expect(lintDefinition(workflowDefinition(name), { lambdaSteps: steps }).join('\n')).toContain(
      'DescribeFailure',
    );
  });
});
