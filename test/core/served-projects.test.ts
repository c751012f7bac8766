import { describe, expect, it } from 'vitest';
import { assertServedProject, parseServedProjects, servesProject } from '../../core/served-projects.ts';

describe('served projects', () => {
  it('reads MODESHIFT_PROJECTS as trimmed comma-separated patterns; unset or empty serves every project', () => {
    expect(parseServedProjects(' shop, blog-* ,,')).toEqual(['shop', 'blog-*']);
    expect(parseServedProjects(undefined)).toEqual([]);
    expect(servesProject([], 'anything')).toBe(true);
  });

  it('matches as IAM StringLike does: * any run, ? one character, everything else literal', () => {
    expect(servesProject(['blog-*'], 'blog-eu')).toBe(true);
    expect(servesProject(['blog-*'], 'blog')).toBe(false);
    expect(servesProject(['sh?p'], 'shop')).toBe(true);
    expect(servesProject(['sh?p'], 'shoop')).toBe(false);
    expect(servesProject(['shop'], 'shop-wk')).toBe(false);
    expect(servesProject(['a.b'], 'axb')).toBe(false);
  });

  it('names the project and the patterns when it refuses', () => {
    expect(() => assertServedProject(['blog'], 'shop')).toThrowError(
      /^project: "shop" is not a project this modeshift serves \(MODESHIFT_PROJECTS: blog\)/,
    );
  });
});
