import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_NAMES } from '../../core/workflow-definitions.ts';
import { workflowJson } from '../../state-machines/workflows.ts';

describe('the committed ASL', () => {
  it.each(WORKFLOW_NAMES)(
    'state-machines/%s.asl.json is what its TypeScript generates (npm run workflows)',
    (name) => {
      const committed = readFileSync(
        new URL(`../../state-machines/${name}.asl.json`, import.meta.url),
        'utf8',
      );

      expect(JSON.parse(committed)).toEqual(JSON.parse(workflowJson(name)));
    },
  );
});
