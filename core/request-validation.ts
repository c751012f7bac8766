/**
 * What every request's validation shares: its error, zod's issues as
 * problems that name their field (`services[2].ports[0]`), and the schemas of
 * the names a request carries (project, environment, service, deployment id).
 * The deploy request (core/request.ts) and the down request
 * (core/down-request.ts) are built on it, so a handler that takes down builds
 * only the few schemas of its own request.
 */
import * as z from 'zod/mini';
import { formatPath, InputError, type Problem } from './errors.ts';
import { UNKNOWN_SETTING } from './policy.ts';
import './zod-locale.ts';

/** A request that is not valid: each problem names its field. */
export class RequestValidationError extends InputError {
  override name = 'RequestValidationError';
}

const DNS_SAFE = 'lowercase letters, digits and single hyphens';
const STARTS_WITH_LETTER = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
const STARTS_WITH_ALNUM = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/** A value as a problem quotes it. */
export const quoted = (value: unknown): string => JSON.stringify(value) ?? String(value);

function dnsName(what: string, pattern: RegExp, maxLength: number, start: string) {
  return z
    .string({
      error: (issue) => (issue.input === undefined ? 'is required' : `expected ${what} as a string`),
    })
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(maxLength, {
        error: (issue) => `${quoted(issue.input)} is longer than ${maxLength} characters`,
      }),
      z.regex(pattern, {
        error: (issue) =>
          `${quoted(issue.input)} is not a DNS-safe ${what} (${DNS_SAFE}, starting with ${start})`,
      }),
    );
}

export const ProjectNameSchema = dnsName('project name', STARTS_WITH_LETTER, 40, 'a letter');
export const EnvironmentNameSchema = dnsName('environment name', STARTS_WITH_ALNUM, 40, 'a letter or digit');
export const ServiceNameSchema = dnsName('service name', STARTS_WITH_LETTER, 48, 'a letter');

export const DeploymentIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'expected a string') })
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: (issue) =>
        `${quoted(issue.input)} is not a deployment id (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)`,
    }),
  );

/** Problems from a zod error, one per field; unknown keys are reported one by one. */
export function problemsFromZod(error: z.core.$ZodError, prefix: PropertyKey[] = []): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const message = path.at(-1) === 'overrides' ? UNKNOWN_SETTING : 'unknown field';
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message }));
    }
    if (issue.code === 'invalid_key') {
      return [{ path: formatPath(path), message: issue.issues[0]?.message ?? issue.message }];
    }
    if (issue.code === 'invalid_type' && path.length === 0) {
      return [{ path: '', message: `the request must be a JSON object, not ${describeType(issue.input)}` }];
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ path: formatPath(path), message: 'is required' }];
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `input` parsed by `schema`; throws RequestValidationError, each problem naming its field. */
export function parseWith<T extends z.ZodMiniType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success)
    throw new RequestValidationError(problemsFromZod(result.error), { cause: result.error });
  return result.data;
}
