/**
 * The Amazon States Language as plain JSON, and a walk over every state of a
 * definition, including the machines nested in Map (`ItemProcessor`, or the
 * older `Iterator`) and Parallel (`Branches`) states.
 */

import { DefinitionError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** One state, as written: only `Type` is relied on, everything else is read field by field. */
export interface AslState extends JsonObject {
  Type: string;
}

/** A state machine, or a machine nested in a Map or Parallel state. */
export interface AslMachine extends JsonObject {
  StartAt: string;
  States: Record<string, AslState>;
}

/** A state with where it sits: its machine (for `Next` targets) and a readable path. */
export interface VisitedState {
  readonly name: string;
  readonly state: AslState;
  /** The machine whose `States` hold this state; `Next` and `Default` resolve inside it. */
  readonly machine: AslMachine;
  /** Where the state is, e.g. `States.Deploy.ItemProcessor.States.CreateService`. */
  readonly path: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMachine(value: unknown): value is AslMachine {
  return isJsonObject(value) && isJsonObject(value.States);
}

/** Machines nested directly in a state: a Map's processor, a Parallel's branches. */
export function nestedMachines(state: AslState, path: string): { machine: AslMachine; path: string }[] {
  const found: { machine: AslMachine; path: string }[] = [];
  for (const key of ['ItemProcessor', 'Iterator'] as const) {
    const nested = state[key];
    if (isMachine(nested)) found.push({ machine: nested, path: `${path}.${key}` });
  }
  const branches = state.Branches;
  if (Array.isArray(branches)) {
    branches.forEach((branch, index) => {
      if (isMachine(branch)) found.push({ machine: branch, path: `${path}.Branches[${index}]` });
    });
  }
  return found;
}

/** Every state of the definition, depth first, nested machines right after the state that holds them. */
export function allStates(definition: AslMachine): VisitedState[] {
  const visited: VisitedState[] = [];
  const walk = (machine: AslMachine, prefix: string) => {
    for (const [name, state] of Object.entries(machine.States)) {
      const path = `${prefix}States.${name}`;
      visited.push({ name, state, machine, path });
      for (const nested of nestedMachines(state, path)) walk(nested.machine, `${nested.path}.`);
    }
  };
  walk(definition, '');
  return visited;
}

/** State names that occur more than once anywhere in the definition. */
export function duplicateStateNames(definition: AslMachine): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { name } of allStates(definition)) {
    if (seen.has(name)) duplicates.add(name);
    seen.add(name);
  }
  return [...duplicates];
}

/** Reads a definition given as JSON text or as an object; never returns the caller's object. */
export function parseDefinition(definition: string | object): AslMachine {
  let parsed: unknown;
  try {
    parsed = typeof definition === 'string' ? JSON.parse(definition) : structuredClone(definition);
  } catch (error) {
    throw new DefinitionError([`definition is not JSON: ${(error as Error).message}`]);
  }
  if (!isMachine(parsed) || typeof parsed.StartAt !== 'string') {
    throw new DefinitionError(['definition needs "StartAt" (a string) and "States" (an object)']);
  }
  return parsed;
}
