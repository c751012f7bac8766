import { describe, expect, it } from 'vitest';
import { workflowDefinition } from '../../../core/workflow-definitions.ts';
import { STEPS } from '../../../functions/steps/registry.ts';
import { STEP_NAMES } from '../../../functions/steps/step-names.ts';

describe('step names', () => {
  it('lists exactly the registered steps, for the SST app to make one function each', () => {
    expect([...STEP_NAMES].sort()).toEqual(Object.keys(STEPS).sort());
  });

  it('covers every Lambda step the workflows call', () => {
    const text = JSON.stringify([workflowDefinition('deploy'), workflowDefinition('down')]);
    const called = [...new Set([...text.matchAll(/\$\{([A-Za-z]+)FunctionArn\}/g)].map((match) => match[1]))];

    expect(called.filter((step) => !(STEP_NAMES as readonly string[]).includes(step as string))).toEqual([]);
  });
});
