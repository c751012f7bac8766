/**
 * The Amazon States Language, as modeshift writes it (JSONPath, no JSONata):
 * one typed model of a state machine and one walk over it, for everything
 * that reads a workflow — the local engine, the graph, the plan's path, the
 * IAM derivation — and for the builder that writes the workflows
 * (state-machines/).
 *
 * The types follow the ASL specification's fields; a definition read from
 * JSON is trusted to have them (the engine lints it first, engine/lint.ts).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `Retry` entry: which errors it retries, how often and how far apart. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/** A `Catch` entry: which errors it catches, where the error goes and which state follows. */
export interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}

/** A Choice rule: a comparison on `Variable`, or `And`/`Or`/`Not` of rules; top-level rules have `Next`. */
export interface ChoiceRule {
  Variable?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  Next?: string;
  StringEquals?: string;
  StringEqualsPath?: string;
  BooleanEquals?: boolean;
  BooleanEqualsPath?: string;
  NumericEquals?: number;
  NumericEqualsPath?: string;
  NumericGreaterThan?: number;
  NumericGreaterThanPath?: string;
  NumericLessThan?: number;
  NumericLessThanPath?: string;
  IsPresent?: boolean;
  IsNull?: boolean;
}

/** Fields every state may have. */
interface StateFields {
  Comment?: string;
}

/** Where a state goes next: `Next`, or `End: true`. */
interface Transition {
  Next?: string;
  End?: boolean;
}

/** Input and output processing of states that take input and produce a result. */
interface Paths {
  InputPath?: string | null;
  OutputPath?: string | null;
}

interface ResultFields {
  ResultPath?: string | null;
  ResultSelector?: JsonObject;
}

export interface TaskState extends StateFields, Transition, Paths, ResultFields {
  Type: 'Task';
  Resource: string;
  Parameters?: JsonObject;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface PassState extends StateFields, Transition, Paths {
  Type: 'Pass';
  Parameters?: JsonObject;
  Result?: JsonValue;
  ResultPath?: string | null;
}

export interface ChoiceState extends StateFields, Paths {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}

export interface WaitState extends StateFields, Transition, Paths {
  Type: 'Wait';
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

export interface ParallelState extends StateFields, Transition, Paths, ResultFields {
  Type: 'Parallel';
  Branches: Machine[];
  Parameters?: JsonObject;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface MapState extends StateFields, Transition, Paths, ResultFields {
  Type: 'Map';
  ItemProcessor?: Machine;
  /** The older name of `ItemProcessor`. */
  Iterator?: Machine;
  ItemsPath?: string;
  ItemSelector?: JsonObject;
  Parameters?: JsonObject;
  MaxConcurrency?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface SucceedState extends StateFields, Paths {
  Type: 'Succeed';
}

export interface FailState extends StateFields {
  Type: 'Fail';
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
}

export type State =
  | TaskState
  | PassState
  | ChoiceState
  | WaitState
  | ParallelState
  | MapState
  | SucceedState
  | FailState;

export type StateType = State['Type'];

/** A state machine, or a machine nested in a Map or Parallel state. */
export interface Machine {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

/** A state and where it sits. */
export interface VisitedState {
  readonly name: string;
  readonly state: State;
  /** The machine whose `States` hold this state; `Next` and `Default` resolve inside it. */
  readonly machine: Machine;
  /** Where the state is in the definition: `States.Foundations.Branches[0].States.NatGateways`. */
  readonly path: string;
  /** The names of the Parallel and Map states around it, outermost first. */
  readonly enclosing: readonly string[];
}

/** Machines nested directly in a state: a Map's item processor, a Parallel's branches. */
export function nestedMachines(state: State, path = ''): { machine: Machine; path: string }[] {
  if (state.Type === 'Map') {
    const found: { machine: Machine; path: string }[] = [];
    if (state.ItemProcessor) found.push({ machine: state.ItemProcessor, path: `${path}.ItemProcessor` });
    if (state.Iterator) found.push({ machine: state.Iterator, path: `${path}.Iterator` });
    return found;
  }
  if (state.Type === 'Parallel') {
    return (state.Branches ?? []).map((machine, index) => ({ machine, path: `${path}.Branches[${index}]` }));
  }
  return [];
}

/** Every state of the definition, depth first, nested machines right after the state that holds them. */
export function allStates(definition: Machine): VisitedState[] {
  const visited: VisitedState[] = [];
  const walk = (machine: Machine, prefix: string, enclosing: readonly string[]) => {
    for (const [name, state] of Object.entries(machine.States)) {
      const path = `${prefix}States.${name}`;
      visited.push({ name, state, machine, path, enclosing });
      for (const nested of nestedMachines(state, path))
        walk(nested.machine, `${nested.path}.`, [...enclosing, name]);
    }
  };
  walk(definition, '', []);
  return visited;
}

/** State names that occur more than once anywhere in the definition. */
export function duplicateStateNames(definition: Machine): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { name } of allStates(definition)) {
    if (seen.has(name)) duplicates.add(name);
    seen.add(name);
  }
  return [...duplicates];
}

/** How one state leads to another; `catch` is taken only on an error. */
export type TransitionKind = 'next' | 'choice' | 'default' | 'catch';

/** Where a state can go, in the ASL's order: a Choice's rules, its Default, Next, then Catch. */
export function transitionsOf(state: State): { to: string; kind: TransitionKind; field: string }[] {
  const transitions: { to: string; kind: TransitionKind; field: string }[] = [];
  if (state.Type === 'Choice') {
    state.Choices.forEach((rule, index) => {
      if (rule.Next !== undefined)
        transitions.push({ to: rule.Next, kind: 'choice', field: `Choices[${index}].Next` });
    });
    if (state.Default !== undefined)
      transitions.push({ to: state.Default, kind: 'default', field: 'Default' });
  }
  if ('Next' in state && state.Next !== undefined)
    transitions.push({ to: state.Next, kind: 'next', field: 'Next' });
  if ('Catch' in state) {
    (state.Catch ?? []).forEach((catcher, index) => {
      transitions.push({ to: catcher.Next, kind: 'catch', field: `Catch[${index}].Next` });
    });
  }
  return transitions;
}

/** Whether the state ends its machine when it succeeds. */
export function isTerminal(state: State): boolean {
  return state.Type === 'Succeed' || state.Type === 'Fail' || ('End' in state && state.End === true);
}

/** Every `Variable` a Choice rule reads, its nested rules included. */
export function choiceVariables(rule: ChoiceRule, into = new Set<string>()): Set<string> {
  if (rule.Variable !== undefined) into.add(rule.Variable);
  for (const inner of [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])])
    choiceVariables(inner, into);
  return into;
}

const FUNCTION_ARN_TOKEN = /^\$\{([A-Za-z0-9]+)FunctionArn\}$/;

/** A Lambda step's Resource, as the workflows write it: `${<Name>FunctionArn}`. */
export function lambdaStepResource(step: string): string {
  return `\${${step}FunctionArn}`;
}

/** `${<Name>FunctionArn}` → `<Name>`; undefined for any other Resource. */
export function lambdaStepOf(resource: string | undefined): string | undefined {
  return resource === undefined ? undefined : FUNCTION_ARN_TOKEN.exec(resource)?.[1];
}
