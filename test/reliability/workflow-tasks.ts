/**
 * The Task states of the deploy and down workflows, read from their ASL
 * (never a hand-kept list): what each one runs (a Lambda step, or one AWS API
 * call through an aws-sdk or optimized integration), which error names its
 * Retry covers, and whether it lies on the failure path, the states a
 * `States.ALL` Catch leads to, which record a failure and so cannot record
 * their own.
 */

import { allStates, type JsonValue, type Machine, type State, transitionsOf } from '../../core/asl.ts';
import { type WorkflowName, workflowDefinition } from '../../core/workflow-definitions.ts';
import { type Operation, resolveOperation } from '../../engine/operations.ts';
import { functionArnTokenStep } from '../../engine/placeholders.ts';
import type { ErrorNaming } from '../../engine/sdk-errors.ts';
import { parseTaskResource } from '../../engine/task-resource.ts';

/** A Task that runs a Lambda step (`${<Step>FunctionArn}`). */
export interface LambdaIntegration {
  readonly kind: 'lambda';
  readonly step: string;
}

/** A Task that makes one AWS API call. */
export interface SdkIntegration {
  readonly kind: 'sdk';
  /** The Step Functions service id the engine asks the client factory for (`rds`, `dynamodb`, `eventbridge`, …). */
  readonly service: string;
  /** The API call the Task makes first: its SDK command class and schemas. */
  readonly operation: Operation;
  /** How the engine names the errors of this call, so `Retry` and `Catch` match. */
  readonly naming: ErrorNaming;
}

export interface WorkflowTask {
  readonly workflow: WorkflowName;
  readonly name: string;
  readonly integration: LambdaIntegration | SdkIntegration;
  /** Every error name a Retry of the state lists (`States.ALL` as written). */
  readonly retried: readonly string[];
  /** The state's `Parameters` as written: their fixed values tell apart two Tasks that make the same call. */
  readonly parameters: JsonValue | undefined;
  /** On the failure path: reached only through a `States.ALL` Catch. */
  readonly failurePath: boolean;
}

/** The optimized integrations the workflows use: the client they call through and their error prefix. */
const OPTIMIZED: Readonly<Record<string, { service: string; prefix: string }>> = {
  dynamodb: { service: 'dynamodb', prefix: 'DynamoDB' },
  events: { service: 'eventbridge', prefix: 'EventBridge' },
  codebuild: { service: 'codebuild', prefix: 'CodeBuild' },
};

function integrationOf(workflow: WorkflowName, name: string, resource: unknown): WorkflowTask['integration'] {
  const token = typeof resource === 'string' ? /^\$\{(\w+)\}$/.exec(resource)?.[1] : undefined;
  const step = token === undefined ? undefined : functionArnTokenStep(token);
  if (step !== undefined) return { kind: 'lambda', step };
  const parsed = parseTaskResource(resource);
  if (parsed.kind === 'aws-sdk') {
    const operation = resolveOperation(parsed.service, parsed.action);
    return {
      kind: 'sdk',
      service: parsed.service,
      operation,
      naming: { style: 'aws-sdk', service: operation.service },
    };
  }
  const optimized = parsed.kind === 'optimized' ? OPTIMIZED[parsed.service] : undefined;
  if (parsed.kind === 'optimized' && optimized !== undefined) {
    const operation = resolveOperation(optimized.service, parsed.action);
    return {
      kind: 'sdk',
      service: optimized.service,
      operation,
      naming: { style: 'optimized', service: operation.service, prefix: optimized.prefix },
    };
  }
  throw new Error(
    `${workflow}: Task ${name} has a Resource this suite cannot inject faults into: ${String(resource)}`,
  );
}

/** Where a state can go next: `Next`, `Default`, every Choice rule's `Next`, every Catch's `Next`. */
function successors(state: State): string[] {
  return transitionsOf(state).map(({ to }) => to);
}

/**
 * The failure path of a definition: every state a `States.ALL` Catch leads
 * to, and every state reachable from those (in the machine that holds them).
 */
export function failurePathStates(definition: Machine): Set<string> {
  const visited = allStates(definition);
  const byName = new Map(visited.map((entry) => [entry.name, entry.state]));
  const pending = visited.flatMap(({ state }) =>
    'Catch' in state
      ? (state.Catch ?? []).filter((rule) => rule.ErrorEquals.includes('States.ALL')).map((rule) => rule.Next)
      : [],
  );
  const path = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (path.has(name)) continue;
    path.add(name);
    const state = byName.get(name);
    if (state) pending.push(...successors(state));
  }
  return path;
}

/** The workflow's definition as it is deployed (placeholders as written). */
export function definitionOf(workflow: WorkflowName): Machine {
  return workflowDefinition(workflow);
}

/** Every Task state of the workflow, nested ones included, in definition order. */
export function workflowTasks(workflow: WorkflowName): WorkflowTask[] {
  const definition = definitionOf(workflow);
  const failurePath = failurePathStates(definition);
  return allStates(definition).flatMap(({ name, state }) =>
    state.Type === 'Task'
      ? [
          {
            workflow,
            name,
            integration: integrationOf(workflow, name, state.Resource),
            retried: (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals),
            parameters: state.Parameters,
            failurePath: failurePath.has(name),
          },
        ]
      : [],
  );
}

/** Whether the state's Retry covers an error of this name (a retrier listing it, or `States.ALL`). */
export function isRetried(task: WorkflowTask, errorName: string): boolean {
  return task.retried.includes(errorName) || task.retried.includes('States.ALL');
}

function memberOf(input: Record<string, unknown>, key: string): unknown {
  const wanted = key.toLowerCase();
  const found = Object.keys(input).find((member) => member.toLowerCase() === wanted);
  return found === undefined ? undefined : input[found];
}

/**
 * Whether an SDK call's input agrees with the fixed values of a Task's
 * `Parameters`: every value written as it is (not a `.$` path, not a
 * `${Placeholder}`) is in the input at the same place. Member names compare
 * case-insensitively, as the engine converts Step Functions' names
 * (`DbInstanceIdentifier`) to the SDK's (`DBInstanceIdentifier`).
 */
export function agreesWithParameters(parameters: JsonValue | undefined, input: unknown): boolean {
  if (parameters === undefined || parameters === null) return true;
  if (typeof parameters === 'string') return parameters.includes('${') || parameters === input;
  if (typeof parameters !== 'object') return parameters === input;
  if (Array.isArray(parameters)) {
    return (
      Array.isArray(input) &&
      parameters.every((item, index) => agreesWithParameters(item, (input as unknown[])[index]))
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  return Object.entries(parameters).every(
    ([key, value]) =>
      key.endsWith('.$') || agreesWithParameters(value, memberOf(input as Record<string, unknown>, key)),
  );
}
