/**
 * ASL lint: what must hold for a modeshift state machine to run the same
 * locally and on AWS, checked without running it. Each problem names its
 * state.
 *
 * - asl-validator accepts the definition (`${Placeholder}` tokens allowed);
 * - no JSONata, which the local engine would silently ignore;
 * - every aws-sdk (and optimized) integration's `Parameters` are members of
 *   the API's input, nested structures included;
 * - every `${<Name>FunctionArn}` names a Lambda step that exists;
 * - every Choice has a `Default`;
 * - state names are unique across the definition (handlers are found by name);
 * - every `StartAt`, `Next` and `Default` names a state of its own machine.
 */
import { createRequire } from 'node:module';
import {
  allStates,
  duplicateStateNames,
  isJsonObject,
  type JsonValue,
  type Machine,
  nestedMachines,
} from '../core/asl.ts';
import { parseDefinition } from './definition.ts';
import { DYNAMODB_ACTIONS } from './dynamodb-task.ts';
import { jsonataUses } from './jsonata.ts';
import { resolveOperation } from './operations.ts';
import { functionArnTokenStep, tokensIn } from './placeholders.ts';
import { type MemberMatching, unknownParameters } from './sdk-input.ts';
import { parseTaskResource } from './task-resource.ts';

export interface LintOptions {
  /** Names of the Lambda steps that exist: `${<Name>FunctionArn}` must name one of them. */
  readonly lambdaSteps: readonly string[];
}

interface AslValidatorError {
  'Error code': string;
  Message: string;
}
interface AslValidatorResult {
  isValid: boolean;
  errors: AslValidatorError[];
}
type AslValidator = (
  definition: object,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidatorResult;

const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

const WHOLE_TOKEN = /^\$\{[A-Za-z][A-Za-z0-9_]*\}$/;
const TOKEN = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** What a token inside a longer string stands for while validating: ARN fields keep their format. */
function standIn(text: string): string {
  if (!text.startsWith('arn:')) return text.replace(TOKEN, '$1');
  const fields = text.split(':');
  return fields
    .map((field, index) => {
      if (index === 1) return field.replace(TOKEN, 'aws');
      if (index === 4) return field.replace(TOKEN, '000000000000');
      return field.replace(TOKEN, '$1');
    })
    .join(':');
}

/**
 * The definition as asl-validator should see it: a string that is one whole
 * token stays (the validator accepts `${Token}` as a Resource); a token
 * inside a longer string is replaced by a stand-in of the right form.
 */
function withTokensForValidation(value: unknown): unknown {
  if (typeof value === 'string') return WHOLE_TOKEN.test(value) ? value : standIn(value);
  if (Array.isArray(value)) return value.map(withTokensForValidation);
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withTokensForValidation(item)]),
    );
  }
  return value;
}

/** Duplicate names and targets outside a state's machine are reported by this lint's own checks, naming the state. */
function reportedByOwnChecks(error: AslValidatorError): boolean {
  const code = error['Error code'];
  return (
    code === 'DUPLICATE_STATE_NAMES' ||
    code === 'BRANCH_OUTBOUND_TRANSITION_TARGET' ||
    code === 'MAP_OUTBOUND_TRANSITION_TARGET' ||
    (code === 'MISSING_TRANSITION_TARGET' && error.Message.startsWith('Missing '))
  );
}

function validatorProblems(definition: Machine): string[] {
  // asl-validator writes QueryLanguage into every state it reads: give it a copy.
  const { isValid, errors } = aslValidator(withTokensForValidation(structuredClone(definition)) as object);
  if (isValid) return [];
  return errors
    .filter((error) => !reportedByOwnChecks(error))
    .map((error) => `asl-validator: ${error['Error code']}: ${error.Message}`);
}

/** Which API and member matching a Task's Parameters are checked against, if any. */
function parameterTarget(
  resource: JsonValue | undefined,
): { service: string; action: string; matching: MemberMatching } | undefined {
  const parsed = parseTaskResource(resource);
  if (parsed.kind === 'aws-sdk')
    return { service: parsed.service, action: parsed.action, matching: { caseInsensitive: true } };
  if (parsed.kind !== 'optimized') return undefined;
  if (parsed.service === 'dynamodb' && (DYNAMODB_ACTIONS as readonly string[]).includes(parsed.action)) {
    return { service: 'dynamodb', action: parsed.action, matching: { caseInsensitive: false } };
  }
  if (parsed.service === 'events' && parsed.action === 'putEvents') {
    return { service: 'eventbridge', action: 'putEvents', matching: { caseInsensitive: false } };
  }
  if (parsed.service === 'codebuild' && parsed.action === 'startBuild') {
    return { service: 'codebuild', action: 'startBuild', matching: { caseInsensitive: true } };
  }
  return undefined;
}

function parameterProblems(
  name: string,
  resource: JsonValue | undefined,
  parameters: JsonValue | undefined,
): string[] {
  const target = parameterTarget(resource);
  if (!target) return [];
  let operation: ReturnType<typeof resolveOperation>;
  try {
    operation = resolveOperation(target.service, target.action);
  } catch (error) {
    return [`state "${name}": ${(error as Error).message}`];
  }
  if (parameters === undefined) return [];
  return unknownParameters(parameters, operation.input, target.matching).map(
    (problem) => `state "${name}": ${problem} (${target.service}:${target.action})`,
  );
}

function lambdaProblems(name: string, state: unknown, lambdaSteps: readonly string[]): string[] {
  if (!isJsonObject(state)) return [];
  const parameters = isJsonObject(state.Parameters) ? state.Parameters : {};
  const places = [state.Resource, parameters.FunctionName];
  return places.flatMap((place) =>
    typeof place !== 'string'
      ? []
      : tokensIn(place).flatMap((token) => {
          const step = functionArnTokenStep(token);
          return step === undefined || lambdaSteps.includes(step)
            ? []
            : [
                `state "${name}": \${${token}} names no Lambda step ("${step}" is not one of: ${lambdaSteps.join(', ') || 'none'})`,
              ];
        }),
  );
}

function transitionTargets(state: unknown): { field: string; target: JsonValue | undefined }[] {
  if (!isJsonObject(state)) return [];
  const targets: { field: string; target: JsonValue | undefined }[] = [];
  if ('Next' in state) targets.push({ field: 'Next', target: state.Next });
  if ('Default' in state) targets.push({ field: 'Default', target: state.Default });
  for (const list of ['Choices', 'Catch'] as const) {
    const rules = state[list];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, index) => {
      if (isJsonObject(rule) && 'Next' in rule)
        targets.push({ field: `${list}[${index}].Next`, target: rule.Next });
    });
  }
  return targets;
}

function targetProblems(definition: Machine): string[] {
  const problems: string[] = [];
  const checkMachine = (machine: Machine, where: string) => {
    if (!Object.hasOwn(machine.States, machine.StartAt)) {
      problems.push(`${where}: StartAt "${machine.StartAt}" is not a state of this machine`);
    }
  };
  checkMachine(definition, 'definition');
  for (const { name, state, machine, path } of allStates(definition)) {
    for (const { field, target } of transitionTargets(state)) {
      if (typeof target !== 'string' || !Object.hasOwn(machine.States, target)) {
        problems.push(`state "${name}": ${field} ${JSON.stringify(target)} is not a state of its machine`);
      }
    }
    for (const nested of nestedMachines(state, path))
      checkMachine(nested.machine, `state "${name}" (${nested.path})`);
  }
  return problems;
}

/** Every problem of `definition`; none means it is fit to run locally and on AWS. */
export function lintDefinition(definition: object, options: LintOptions): string[] {
  let machine: Machine;
  try {
    machine = parseDefinition(definition);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems = [...validatorProblems(machine), ...jsonataUses(machine)];
  for (const { name, state } of allStates(machine)) {
    if (state.Type === 'Task') {
      problems.push(...parameterProblems(name, state.Resource, state.Parameters));
      problems.push(...lambdaProblems(name, state, options.lambdaSteps));
    }
    if (state.Type === 'Choice' && !('Default' in state)) {
      problems.push(
        `state "${name}": Choice has no Default (an unmatched input would fail with States.NoChoiceMatched)`,
      );
    }
  }
  problems.push(
    ...duplicateStateNames(machine).map((name) => `state "${name}": the name is used by more than one state`),
    ...targetProblems(machine),
  );
  return problems;
}
