/**
 * Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`,
 * `${VAR+alt}` and `$$` for a literal `$`, as the compose specification
 * defines them. Written here because the `yaml` parser leaves values as text
 * and no maintained npm package implements compose's rules.
 */

export interface InterpolationResult {
  readonly value: string;
  /** Variables used without a value and without a default: they became empty. */
  readonly unset: readonly string[];
  /** Problems: `${VAR:?message}` with VAR unset or empty, or a malformed `${…}`. */
  readonly errors: readonly string[];
}

const PATTERN =
  /\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|(\{[^}]*\}?))/g;

export function interpolate(
  text: string,
  variables: Readonly<Record<string, string | undefined>>,
): InterpolationResult {
  const unset: string[] = [];
  const errors: string[] = [];
  const value = text.replace(
    PATTERN,
    (
      match,
      dollar: string | undefined,
      bare: string | undefined,
      name: string | undefined,
      op: string | undefined,
      arg: string | undefined,
      broken: string | undefined,
    ) => {
      if (dollar) return '$';
      if (broken !== undefined) {
        errors.push(`invalid interpolation ${JSON.stringify(match)}`);
        return match;
      }
      const variable = (bare ?? name) as string;
      const current = variables[variable];
      const isSet = current !== undefined;
      const isNonEmpty = isSet && current !== '';
      const nested = (input: string) => {
        const inner = interpolate(input, variables);
        unset.push(...inner.unset);
        errors.push(...inner.errors);
        return inner.value;
      };
      switch (op) {
        case ':-':
          return isNonEmpty ? current : nested(arg ?? '');
        case '-':
          return isSet ? current : nested(arg ?? '');
        case ':?':
        case '?':
          if (op === ':?' ? !isNonEmpty : !isSet) {
            errors.push(`${variable}: ${arg || 'is required'}`);
            return '';
          }
          return current as string;
        case ':+':
          return isNonEmpty ? nested(arg ?? '') : '';
        case '+':
          return isSet ? nested(arg ?? '') : '';
        default:
          if (!isSet) unset.push(variable);
          return current ?? '';
      }
    },
  );
  return { value, unset, errors };
}

/**
 * The variables `text` refers to, each once, in order: `$VAR`, `${VAR}` and the
 * variables inside a `${VAR:-default}` or `${VAR:+alt}`, whichever branch
 * interpolation would take. `$$VAR` is a literal, not a reference.
 */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PATTERN)) {
    const [, dollar, bare, name, , arg] = match;
    if (dollar) continue;
    const variable = bare ?? name;
    if (variable !== undefined) names.add(variable);
    if (arg) for (const inner of referencedVariables(arg)) names.add(inner);
  }
  return [...names];
}
