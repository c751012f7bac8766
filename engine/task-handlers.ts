/**
 * A local handler for every Task state of a definition, nested ones
 * included. aws-local-stepfunctions looks handlers up by state name only, and
 * calls Lambda in the real AWS account for a Task that has none, so every
 * Task gets one here or the definition is refused before it runs.
 */
import { allStates, type Machine } from '../core/asl.ts';
import { awsSdkTask } from './aws-sdk-task.ts';
import { codeBuildSyncTask } from './codebuild-sync-task.ts';
import { dynamoDbTask } from './dynamodb-task.ts';
import { DefinitionError, EngineError } from './errors.ts';
import { eventsTask } from './events-task.ts';
import { type LambdaStep, lambdaFunctionTask, lambdaInvokeTask } from './lambda-task.ts';
import { SCALED_WAIT_RESOURCE, scaledWaitTask } from './scaled-wait.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';
import { parseTaskResource } from './task-resource.ts';

function taskHandler(
  resource: unknown,
  lambdaSteps: Readonly<Record<string, LambdaStep>>,
  context: TaskContext,
): TaskHandler {
  const parsed = parseTaskResource(resource);
  switch (parsed.kind) {
    case 'aws-sdk':
      if (parsed.pattern !== 'request') {
        throw new EngineError(`aws-sdk integrations run as request-response only, not .${parsed.pattern}`);
      }
      return awsSdkTask(parsed.service, parsed.action, context);
    case 'lambda-function':
      return lambdaFunctionTask(parsed.functionName, lambdaSteps, context);
    case 'optimized':
      if (parsed.service === 'dynamodb' && parsed.pattern === 'request')
        return dynamoDbTask(parsed.action, context);
      if (parsed.service === 'events' && parsed.pattern === 'request')
        return eventsTask(parsed.action, context);
      if (parsed.service === 'codebuild') return codeBuildSyncTask(parsed.action, parsed.pattern, context);
      if (parsed.service === 'lambda' && parsed.action === 'invoke' && parsed.pattern === 'request') {
        return lambdaInvokeTask(lambdaSteps, context);
      }
      if (resource === SCALED_WAIT_RESOURCE) return scaledWaitTask(context);
      throw new EngineError('this optimized integration is not supported by the local engine');
    case 'unknown':
      throw new EngineError(
        `Resource ${JSON.stringify(resource)} is not an integration the local engine runs`,
      );
  }
}

/** Handlers by state name; a DefinitionError naming every Task that cannot run. */
export function buildTaskHandlers(
  definition: Machine,
  lambdaSteps: Readonly<Record<string, LambdaStep>>,
  contextFor: (stateName: string) => TaskContext,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  const problems: string[] = [];
  for (const { name, state } of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    try {
      handlers[name] = taskHandler(state.Resource, lambdaSteps, contextFor(name));
    } catch (error) {
      problems.push(`state "${name}" (${String(state.Resource)}): ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  return handlers;
}
