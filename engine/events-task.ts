/**
 * `arn:aws:states:::events:putEvents`: the optimized EventBridge
 * integration. `Entries` go to PutEvents as they are, except that a `Detail`
 * written as a JSON object is serialised to the string the API takes. The
 * result is `{ Entries, FailedEntryCount }`; as on AWS, a non-zero
 * `FailedEntryCount` fails the state with `EventBridge.FailedEntry`.
 * (AWS also appends the execution's ARNs to each entry's `Resources`; there
 * are no such ARNs locally, so nothing is appended.)
 */
import { isJsonObject, type JsonValue } from '../core/asl.ts';
import { EngineError, StatesRuntimeError, TaskError } from './errors.ts';
import { resolveOperation } from './operations.ts';
import { toStepFunctionsError } from './sdk-errors.ts';
import { toSdkInput } from './sdk-input.ts';
import { fromSdkOutput } from './sdk-output.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';

function withDetailAsText(input: JsonValue): JsonValue {
  if (!isJsonObject(input) || !Array.isArray(input.Entries)) return input;
  return {
    ...input,
    Entries: input.Entries.map((entry) =>
      isJsonObject(entry) && entry.Detail !== undefined && typeof entry.Detail !== 'string'
        ? { ...entry, Detail: JSON.stringify(entry.Detail) }
        : entry,
    ),
  };
}

export function eventsTask(action: string, context: TaskContext): TaskHandler {
  if (action !== 'putEvents')
    throw new EngineError(`events:${action} is not an optimized EventBridge integration (putEvents)`);
  const operation = resolveOperation('eventbridge', 'putEvents');
  return async function eventsTaskHandler(input) {
    const sdkInput = toSdkInput(withDetailAsText(input), operation.input, { caseInsensitive: false });
    if (typeof sdkInput !== 'object' || sdkInput === null) {
      throw new StatesRuntimeError(
        `events:putEvents needs an object as its parameters, got ${JSON.stringify(input)}`,
      );
    }
    let output: unknown;
    try {
      output = await context.clients('eventbridge').send(operation.createCommand(sdkInput));
    } catch (error) {
      throw toStepFunctionsError(error, {
        style: 'optimized',
        service: operation.service,
        prefix: 'EventBridge',
      });
    }
    const result = fromSdkOutput(output, operation.output, { javaNames: false });
    const converted = isJsonObject(result) ? result : {};
    const response = { Entries: converted.Entries ?? [], FailedEntryCount: converted.FailedEntryCount ?? 0 };
    if (typeof response.FailedEntryCount === 'number' && response.FailedEntryCount > 0) {
      throw new TaskError('EventBridge.FailedEntry', JSON.stringify(response));
    }
    return response;
  };
}
