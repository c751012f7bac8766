/**
 * `arn:aws:states:::aws-sdk:<service>:<action>`: one JS SDK call, with
 * parameters and result converted between Step Functions' (Java SDK v2)
 * member names and the JS SDK's, and SDK errors renamed as Step Functions
 * names them.
 */
import type { NormalizedSchema } from '@smithy/core/schema';
import type { JsonValue } from '../core/asl.ts';
import { StatesRuntimeError } from './errors.ts';
import { resolveOperation } from './operations.ts';
import { toStepFunctionsError } from './sdk-errors.ts';
import { toSdkInput } from './sdk-input.ts';
import { fromSdkOutput } from './sdk-output.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';

interface StreamBody {
  transformToString(): Promise<string>;
}

function isStreamBody(value: unknown): value is StreamBody {
  return typeof value === 'object' && value !== null && 'transformToString' in value;
}

/** Streaming members of the output (an S3 object's `Body`) read into strings, as Step Functions returns them. */
async function readStreams(output: unknown, schema: NormalizedSchema): Promise<unknown> {
  if (typeof output !== 'object' || output === null || !schema.isStructSchema()) return output;
  const read: Record<string, unknown> = { ...output };
  for (const [member, memberSchema] of schema.structIterator()) {
    const value = read[member];
    if (memberSchema.isStreaming() && isStreamBody(value)) read[member] = await value.transformToString();
  }
  return read;
}

export function awsSdkTask(service: string, action: string, context: TaskContext): TaskHandler {
  const operation = resolveOperation(service, action);
  const where = `${service}:${action}`;
  return async function awsSdkTaskHandler(input) {
    const sdkInput = toSdkInput(input, operation.input, { caseInsensitive: true });
    if (typeof sdkInput !== 'object' || sdkInput === null) {
      throw new StatesRuntimeError(
        `${where} needs an object as its parameters, got ${JSON.stringify(input)}`,
      );
    }
    let output: unknown;
    try {
      output = await context.clients(service).send(operation.createCommand(sdkInput));
    } catch (error) {
      throw toStepFunctionsError(error, { style: 'aws-sdk', service: operation.service });
    }
    const result: JsonValue | undefined = fromSdkOutput(
      await readStreams(output, operation.output),
      operation.output,
      {
        javaNames: true,
      },
    );
    return result ?? {};
  };
}
