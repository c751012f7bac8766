/** The artifact bucket's lifecycle rules as the SST app sets them (stacks/artifact-lifecycle.ts). */
import { describe, expect, it } from 'vitest';
import { ARTIFACT_LIFECYCLE_RULES, BUILD_CONTEXT_TAGGING } from '../../core/artifact-lifecycle.ts';
import { artifactLifecycleRules } from '../../stacks/artifact-lifecycle.ts';

describe('artifact bucket', () => {
  it('expires uploaded build contexts after 7 days, selected by their tag', () => {
    expect(artifactLifecycleRules()).toContainEqual({
      id: 'expire-build-contexts',
      status: 'Enabled',
      filter: { tag: { key: 'modeshift:artifact', value: 'build-context' } },
      expiration: { days: 7 },
    });
  });

  it('removes the parts of unfinished uploads from the whole bucket after a day', () => {
    expect(artifactLifecycleRules()).toContainEqual({
      id: 'abort-incomplete-uploads',
      status: 'Enabled',
      filter: { prefix: '' },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    });
  });

  it('has the rules the local target’s bucket gets, one for one', () => {
    expect(artifactLifecycleRules().map((rule) => rule.id)).toEqual(
      ARTIFACT_LIFECYCLE_RULES.map((rule) => rule.ID),
    );
  });

  it('tags uploads with the tag the expiry rule selects', () => {
    expect(new URLSearchParams(BUILD_CONTEXT_TAGGING).get('modeshift:artifact')).toBe('build-context');
  });
});
