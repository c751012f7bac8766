/**
 * Errors meant for a person: a bad compose file, a bad request, a refused mode
 * change. The CLI prints them without a stack trace, one line per problem, and
 * exits with code 2. Every other error keeps its stack.
 */

/** One thing wrong with an input: where it is and what is wrong with it. */
export interface Problem {
  /** Field path in the input, e.g. `services[2].ports[0]` or `services.web.ports[0]`. */
  readonly path: string;
  /** What is wrong, naming the offending value where there is one. */
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

/** Base of every error caused by input a person can fix. */
export class InputError extends Error {
  override name = 'InputError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super(problems.map(formatProblem).join('\n'), options);
    this.problems = problems;
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}

/**
 * Renders a field path the way people write it: `services[2].ports[0]`.
 * Keys that are not plain identifiers are quoted: `environment["MY VAR"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
