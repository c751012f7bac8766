/**
 * `arn:aws:states:::dynamodb:putItem|getItem|updateItem|deleteItem`: the
 * optimized DynamoDB integration. Parameters and results use the DynamoDB
 * API's own member names (`TableName`, `Key`, `Item`), which are the JS SDK's
 * too, so nothing is renamed; errors are `DynamoDB.<ErrorCode>`
 * (`DynamoDB.ConditionalCheckFailedException`), unlike the aws-sdk
 * integration's `DynamoDb.` prefix.
 */
import { EngineError, StatesRuntimeError } from './errors.ts';
import { resolveOperation } from './operations.ts';
import { toStepFunctionsError } from './sdk-errors.ts';
import { toSdkInput } from './sdk-input.ts';
import { fromSdkOutput } from './sdk-output.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';

export const DYNAMODB_ACTIONS = ['putItem', 'getItem', 'updateItem', 'deleteItem'] as const;

export function dynamoDbTask(action: string, context: TaskContext): TaskHandler {
  if (!(DYNAMODB_ACTIONS as readonly string[]).includes(action)) {
    throw new EngineError(
      `dynamodb:${action} is not an optimized DynamoDB integration (${DYNAMODB_ACTIONS.join(', ')})`,
    );
  }
  const operation = resolveOperation('dynamodb', action);
  return async function dynamoDbTaskHandler(input) {
    const sdkInput = toSdkInput(input, operation.input, { caseInsensitive: false });
    if (typeof sdkInput !== 'object' || sdkInput === null) {
      throw new StatesRuntimeError(
        `dynamodb:${action} needs an object as its parameters, got ${JSON.stringify(input)}`,
      );
    }
    let output: unknown;
    try {
      output = await context.clients('dynamodb').send(operation.createCommand(sdkInput));
    } catch (error) {
      throw toStepFunctionsError(error, {
        style: 'optimized',
        service: operation.service,
        prefix: 'DynamoDB',
      });
    }
    return fromSdkOutput(output, operation.output, { javaNames: false }) ?? {};
  };
}
