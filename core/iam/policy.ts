/**
 * IAM identity policies as modeshift derives them: grants (one action on
 * some resources, under an optional condition) merged into statements.
 */

/** An IAM policy condition block: operator → condition key → value(s). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One statement of an identity policy, as IAM's JSON spells it. */
export interface PolicyStatement {
  /** Alphanumeric, unique within the policy. */
  Sid: string;
  Effect: 'Allow';
  /** `prefix:Action`, never a wildcard. */
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

/** One action on some resources, under an optional condition: what statements are merged from. */
export interface Grant {
  readonly action: string;
  readonly resources: readonly string[];
  readonly condition?: PolicyCondition;
  /** Scoped by name only: no tag condition is added (core/iam/tag-scope.ts), for a resource that has no tags yet. */
  readonly byName?: boolean;
}

/** A policy modeshift cannot derive; the message names the state, step or action. */
export class IamDerivationError extends Error {
  override name = 'IamDerivationError';
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** A readable Sid: the services, and what the condition asks. */
function sidBase(actions: readonly string[], condition: PolicyCondition | undefined): string {
  const prefixes = [...new Set(actions.map((action) => action.split(':')[0] ?? ''))];
  let suffix = '';
  const keys = Object.values(condition ?? {}).flatMap((block) => Object.keys(block));
  if (keys.some((key) => key.startsWith('aws:ResourceTag/'))) suffix = 'Tagged';
  else if (keys.some((key) => key.startsWith('aws:RequestTag/'))) suffix = 'TagOnCreate';
  else if (keys.includes('iam:PassedToService')) {
    const to = [condition?.StringEquals?.['iam:PassedToService'] ?? []].flat();
    suffix = `To${to.map((principal) => pascal(principal.replace(/\.amazonaws\.com$/, ''))).join('')}`;
  }
  return `${prefixes.map(pascal).join('')}${suffix}`;
}

/**
 * Merges grants into statements: actions with identical resources and
 * condition share one statement, then statements with identical actions and
 * condition share their resources (one statement invokes every Lambda step),
 * which keeps the policy well inside IAM's size limit. Actions and resources are sorted and
 * de-duplicated, statements sorted, Sids unique. A wildcard action is an error.
 */
export function statementsOf(grants: readonly Grant[]): PolicyStatement[] {
  const groups = new Map<
    string,
    { actions: Set<string>; resources: string[]; condition?: PolicyCondition }
  >();
  for (const grant of grants) {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(grant.action)) {
      throw new IamDerivationError(`"${grant.action}" is not a single IAM action (no wildcards)`);
    }
    const resources = [...new Set(grant.resources)].sort(compare);
    if (resources.length === 0) throw new IamDerivationError(`${grant.action} is granted on no resource`);
    const key = `${resources.join('\n')}\n${canonical(grant.condition ?? null)}`;
    const group = groups.get(key) ?? {
      actions: new Set<string>(),
      resources,
      ...(grant.condition ? { condition: grant.condition } : {}),
    };
    group.actions.add(grant.action);
    groups.set(key, group);
  }
  // Then statements with the same actions and condition share one list of resources.
  const byActions = new Map<
    string,
    { actions: string[]; resources: string[]; condition?: PolicyCondition }
  >();
  for (const group of groups.values()) {
    const actions = [...group.actions].sort(compare);
    const key = `${actions.join(',')}\n${canonical(group.condition ?? null)}`;
    const merged = byActions.get(key);
    if (merged === undefined) byActions.set(key, { ...group, actions });
    else merged.resources = [...new Set([...merged.resources, ...group.resources])].sort(compare);
  }
  const statements = [...byActions.values()].sort(
    (a, b) =>
      compare(a.actions.join(','), b.actions.join(',')) ||
      compare(a.resources.join(','), b.resources.join(',')) ||
      compare(canonical(a.condition ?? null), canonical(b.condition ?? null)),
  );
  const used = new Map<string, number>();
  return statements.map((group) => {
    const base = sidBase(group.actions, group.condition);
    const count = (used.get(base) ?? 0) + 1;
    used.set(base, count);
    return {
      Sid: count === 1 ? base : `${base}${count}`,
      Effect: 'Allow' as const,
      Action: group.actions,
      Resource: group.resources,
      ...(group.condition ? { Condition: group.condition } : {}),
    };
  });
}
