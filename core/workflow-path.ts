/**
 * The path a workflow takes for a given input: which states it enters, in
 * order, and which way each Choice goes. Computed from the ASL itself, without
 * running anything, so `modeshift plan` can show the per-mode path and tests
 * can check that the local engine takes the same one.
 *
 * Outcomes only known at run time (a NAT gateway still pending, a previous
 * mode in the environment record) come from `assume`: values merged into the
 * state at a state's ResultPath. By default every wait ends at the first look.
 * Hand-written because no library evaluates ASL without executing its tasks.
 */

import { type ChoiceRule, isTerminal, type Machine, nestedMachines, type State } from './asl.ts';

type Json = unknown;
type Doc = Record<string, Json>;

/** A Choice the path went through and the way it went. */
export interface Decision {
  readonly choice: string;
  readonly next: string;
  readonly comment?: string;
}

export interface WorkflowPath {
  /** Every state entered, in order of first entry. */
  readonly states: readonly string[];
  readonly decisions: readonly Decision[];
}

/** Results assumed for states whose outcome is only known at run time, keyed by ResultPath (`$.nat`). */
export type Assumptions = Readonly<Record<string, Json>>;

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  '$.nat': { ready: true },
  '$.databaseProgress': {
    ready: true,
    endpoints: [{ name: 'db', instance: 'db', endpoint: 'db.local' }],
  },
  '$.cacheProgress': { ready: true, endpoints: [] },
  '$.foundCaches': { caches: [], subnetGroup: false },
  '$.cacheDeletion': { done: true },
  '$.buildProgress': { done: true },
  '$.namespace': { ready: true, done: true },
  '$.certificate': { status: 'ISSUED', ready: true },
  '$.rollout': { done: true, stable: 0, deploying: 0, started: [] },
  '$.pruned': { keptDatabases: [], warning: '' },
  '$.services': { done: true },
  '$.loadBalancer': { done: true },
  '$.deletion': { done: true },
  '$.network': { done: true },
  '$.natGateways': { done: true },
  '$.previous': {},
};

export function traceWorkflow(
  definition: Machine,
  input: Json,
  assume: Assumptions = DEFAULT_ASSUMPTIONS,
): WorkflowPath {
  const states: string[] = [];
  const decisions: Decision[] = [];
  walk(definition, clone(input), assume, states, decisions);
  return { states, decisions };
}

function walk(
  machine: Machine,
  doc: Json,
  assume: Assumptions,
  states: string[],
  decisions: Decision[],
): Json {
  let name: string | undefined = machine.StartAt;
  let current = doc;
  const seen = new Set<string>();
  while (name !== undefined) {
    if (seen.has(name)) break;
    seen.add(name);
    const state: State | undefined = machine.States[name];
    if (!state) throw new Error(`state ${name} is not defined`);
    if (!states.includes(name)) states.push(name);
    switch (state.Type) {
      case 'Choice': {
        const rule: ChoiceRule | undefined = state.Choices.find((candidate) => matches(candidate, current));
        const next: string | undefined = rule?.Next ?? state.Default;
        if (next === undefined) throw new Error(`choice ${name} has no way to go`);
        decisions.push({ choice: name, next, ...(state.Comment ? { comment: state.Comment } : {}) });
        name = next;
        continue;
      }
      case 'Parallel': {
        for (const branch of state.Branches) walk(branch, clone(current), assume, states, decisions);
        break;
      }
      case 'Map': {
        const [processor] = nestedMachines(state);
        const items = state.ItemsPath ? read(current, state.ItemsPath) : current;
        const first = Array.isArray(items) ? items[0] : undefined;
        if (processor && first !== undefined) {
          const item = state.ItemSelector ? select(state.ItemSelector, current, first) : first;
          walk(processor.machine, item, assume, states, decisions);
        }
        break;
      }
      case 'Pass':
      case 'Task': {
        const resultPath = state.ResultPath;
        if (resultPath && resultPath in assume)
          current = write(current, resultPath, clone(assume[resultPath]));
        else if (state.Type === 'Pass' && resultPath && read(current, resultPath) === undefined) {
          const result = state.Parameters ? select(state.Parameters, current, undefined) : state.Result;
          if (result !== undefined) current = write(current, resultPath, result);
        }
        break;
      }
      default:
        break;
    }
    if (isTerminal(state)) return current;
    name = 'Next' in state ? state.Next : undefined;
  }
  return current;
}

function matches(rule: ChoiceRule, doc: Json): boolean {
  if (rule.And) return rule.And.every((inner) => matches(inner, doc));
  if (rule.Or) return rule.Or.some((inner) => matches(inner, doc));
  if (rule.Not) return !matches(rule.Not, doc);
  const value = rule.Variable === undefined ? undefined : read(doc, rule.Variable);
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  if (value === undefined) return false;
  for (const [operator, operand] of Object.entries(rule)) {
    if (operator === 'Variable' || operator === 'Next') continue;
    const expected = operator.endsWith('Path') ? read(doc, operand as string) : operand;
    const kind = operator.replace(/Path$/, '');
    switch (kind) {
      case 'StringEquals':
      case 'BooleanEquals':
      case 'NumericEquals':
        return value === expected;
      case 'NumericGreaterThan':
        return (value as number) > (expected as number);
      case 'NumericLessThan':
        return (value as number) < (expected as number);
      default:
        throw new Error(`choice operator ${operator} is not supported by the path tracer`);
    }
  }
  return false;
}

/** Reads `$.a.b[0].c` (and `$$.Map.Item.Value` through `item`) from a document. */
function read(doc: Json, path: string, item?: Json): Json {
  if (path === '$$.Map.Item.Value') return item;
  if (path === '$') return doc;
  if (!path.startsWith('$.')) return undefined;
  let value: Json = doc;
  for (const part of path.slice(2).split(/\.|(?=\[)/)) {
    if (value === null || typeof value !== 'object') return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    value = index ? (value as Json[])[Number(index[1])] : (value as Doc)[part];
  }
  return value;
}

function write(doc: Json, path: string, value: Json): Json {
  if (path === '$') return value;
  const root = (doc && typeof doc === 'object' ? doc : {}) as Doc;
  const parts = path.slice(2).split('.');
  let target = root;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    target[part] = next && typeof next === 'object' ? next : {};
    target = target[part] as Doc;
  }
  target[parts.at(-1) as string] = value;
  return root;
}

/** Applies Parameters/ItemSelector: `key.$` paths are read, intrinsic functions are left out. */
function select(template: Doc, doc: Json, item: Json): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value === 'string' && value.startsWith('$'))
        out[key.slice(0, -2)] = clone(read(doc, value, item));
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = select(value as Doc, doc, item);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
