/**
 * Lambda steps: the modeshift functions a workflow calls, run in-process.
 *
 * A Task whose `Resource` is a Lambda function ARN runs the step as Lambda
 * would: the input and the result go through JSON, and a thrown error fails
 * the state with the error's `name` as the Step Functions error (what the
 * Node.js Lambda runtime reports as `errorType`), so `ErrorEquals:
 * ["Modeshift.EnvironmentLocked"]` matches an error of that name. The cause
 * is what Lambda gives Step Functions:
 * `{"errorType": …, "errorMessage": …, "trace": […]}` as a JSON string.
 *
 * `arn:aws:states:::lambda:invoke` with a `FunctionName` runs the step too,
 * and wraps the result as that integration does (`{ Payload, StatusCode, … }`).
 */
import { isJsonObject, type JsonValue } from '../core/asl.ts';
import { asPrincipal } from '../core/principal.ts';
import { logCall } from './call-log.ts';
import type { ClientFactory } from './clients.ts';
import { EngineError, StatesRuntimeError, TaskError } from './errors.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';
import { lambdaStepFor, parseTaskResource } from './task-resource.ts';

/** A Lambda step: the function's logic, given its AWS clients. */
export type LambdaStep = (input: unknown, context: LambdaStepContext) => Promise<unknown>;

/** What a Lambda step gets besides its input. */
export interface LambdaStepContext {
  readonly clients: ClientFactory;
  readonly stepName: string;
  /** The Task state that invokes the step (several states may run one step, with different input). */
  readonly stateName: string;
  /** The Task state that failed last in this execution, as the execution history would tell. */
  readonly lastFailedTask: () => string | undefined;
}

function throughJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** The TaskError for what a Lambda step threw. */
export function lambdaFailure(thrown: unknown): TaskError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const errorType = error.name || 'Error';
  const trace = (error.stack ?? `${errorType}: ${error.message}`).split('\n');
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage: error.message, trace }), thrown);
}

async function invoke(
  step: LambdaStep,
  stepName: string,
  functionName: string,
  input: JsonValue,
  context: TaskContext,
): Promise<JsonValue> {
  // The state machine's role invokes the function; the function's own role makes the step's calls.
  logCall({ service: 'lambda', operation: 'Invoke', input: { FunctionName: functionName }, synthetic: true });
  let result: unknown;
  try {
    result = await asPrincipal(`step/${stepName}`, () =>
      step(throughJson(input), {
        clients: context.clients,
        stepName,
        stateName: context.stateName,
        lastFailedTask: context.lastFailedTask,
      }),
    );
  } catch (thrown) {
    throw lambdaFailure(thrown);
  }
  return throughJson(result ?? null);
}

/** The handler for a Task whose Resource is the ARN of the function `functionName`. */
export function lambdaFunctionTask(
  functionName: string,
  lambdaSteps: Readonly<Record<string, LambdaStep>>,
  context: TaskContext,
): TaskHandler {
  const stepName = lambdaStepFor(functionName, Object.keys(lambdaSteps));
  const step = stepName === undefined ? undefined : lambdaSteps[stepName];
  if (stepName === undefined || step === undefined) {
    throw new EngineError(`no Lambda step for function ${functionName}`);
  }
  return (input) => invoke(step, stepName, functionName, input, context);
}

/** The handler for `arn:aws:states:::lambda:invoke`: the step is found from `FunctionName` when the state runs. */
export function lambdaInvokeTask(
  lambdaSteps: Readonly<Record<string, LambdaStep>>,
  context: TaskContext,
): TaskHandler {
  return async function lambdaInvokeTaskHandler(input) {
    const functionName = isJsonObject(input) ? input.FunctionName : undefined;
    if (typeof functionName !== 'string') {
      throw new StatesRuntimeError('lambda:invoke needs a FunctionName parameter');
    }
    const resource = parseTaskResource(functionName);
    const name = resource.kind === 'lambda-function' ? resource.functionName : functionName;
    const stepName = lambdaStepFor(name, Object.keys(lambdaSteps));
    const step = stepName === undefined ? undefined : lambdaSteps[stepName];
    if (stepName === undefined || step === undefined) {
      throw new StatesRuntimeError(`no Lambda step for function ${functionName}`);
    }
    const payload = isJsonObject(input) ? (input.Payload ?? {}) : {};
    const result = await invoke(step, stepName, functionName, payload, context);
    return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
  };
}
