/**
 * The projects a deployed modeshift serves: `MODESHIFT_PROJECTS` when it is
 * deployed, comma-separated IAM `StringLike` patterns (`shop,blog,team-*`).
 * Its roles may change only resources tagged with one of them
 * (core/iam/tag-scope.ts), so a request for any other project is refused up
 * front instead of failing half-way on AccessDenied. Unset: every project.
 */
import { InputError } from './errors.ts';

/** The patterns in `MODESHIFT_PROJECTS`; empty when it is unset (every project). */
export function parseServedProjects(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((project) => project.trim())
    .filter((project) => project !== '');
}

/** IAM's `StringLike`: `*` any run of characters, `?` any one; the rest literal. */
function stringLike(pattern: string): RegExp {
  const body = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

export function servesProject(patterns: readonly string[], project: string): boolean {
  return patterns.length === 0 || patterns.some((pattern) => stringLike(pattern).test(project));
}

/** Throws an InputError at `project` when this modeshift does not serve it. */
export function assertServedProject(patterns: readonly string[], project: string): void {
  if (servesProject(patterns, project)) return;
  throw new InputError([
    {
      path: 'project',
      message: `"${project}" is not a project this modeshift serves (MODESHIFT_PROJECTS: ${patterns.join(', ')}); its roles may change only those projects' resources`,
    },
  ]);
}
