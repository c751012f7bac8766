/**
 * What an environment variable name is: letters, digits and `_`, not
 * starting with a digit. A service's environment, its build arguments and
 * its config values are named so. Plain, without zod, so that a module that
 * only names config values (a step that reads them) loads no schema.
 */

/** An environment variable name. */
export const ENVIRONMENT_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The problem of a value that is not an environment variable name. */
export function notAnEnvironmentVariableName(value: unknown): string {
  const quoted = JSON.stringify(value) ?? String(value);
  return `${quoted} is not an environment variable name (letters, digits, '_', not starting with a digit)`;
}
