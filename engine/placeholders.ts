/**
 * `${Name}` tokens in a definition's string values, the form the deployed
 * state machines get their ARNs and table names in. Locally they are replaced
 * before the definition is validated; a Lambda step's `${<Name>FunctionArn}`
 * resolves by itself to a made-up ARN that the engine maps back to the step.
 */
import { DefinitionError } from './errors.ts';

const TOKEN = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const FUNCTION_ARN_TOKEN = /^([A-Za-z][A-Za-z0-9_]*)FunctionArn$/;

/** The ARN a Lambda step's `${<Name>FunctionArn}` token stands for locally. */
export function localFunctionArn(stepName: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:modeshift-${stepName}`;
}

/** The Lambda step a `${<Name>FunctionArn}` token names, or undefined for other tokens. */
export function functionArnTokenStep(token: string): string | undefined {
  return FUNCTION_ARN_TOKEN.exec(token)?.[1];
}

/** Names of the tokens in a string, in order, with repeats. */
export function tokensIn(text: string): string[] {
  return [...text.matchAll(TOKEN)].map((match) => match[1] as string);
}

function mapStrings(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, replace)]));
  }
  return value;
}

/**
 * A copy of `definition` with every token replaced. Throws a DefinitionError
 * naming every token that has no value.
 */
export function substitutePlaceholders<T>(
  definition: T,
  placeholders: Readonly<Record<string, string>>,
  lambdaSteps: readonly string[],
): T {
  const missing = new Set<string>();
  const tokenValue = (token: string): string | undefined => {
    const given = placeholders[token];
    if (given !== undefined) return given;
    const step = functionArnTokenStep(token);
    return step !== undefined && lambdaSteps.includes(step) ? localFunctionArn(step) : undefined;
  };
  const substituted = mapStrings(definition, (text) =>
    text.replace(TOKEN, (whole, token: string) => {
      const value = tokenValue(token);
      if (value === undefined) missing.add(token);
      return value ?? whole;
    }),
  );
  if (missing.size > 0) {
    const names = [...missing].sort();
    throw new DefinitionError([
      `no value for placeholder${names.length === 1 ? '' : 's'} ${names.map((name) => `\${${name}}`).join(', ')}`,
    ]);
  }
  return substituted as T;
}
