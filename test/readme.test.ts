import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withModesTable } from '../cli/modes-markdown.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the mode table the policy module holds (run npm run docs to refresh it)', () => {
    expect(readme).toBe(withModesTable(readme));
  });

  it('names the test command that .ci/run calls', () => {
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');

    expect(readme).toContain('npm ci && npm test');
    expect(ci).toMatch(/^npm test$/m);
  });
});
