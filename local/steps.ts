/**
 * Workflow steps as the local engine runs them: each step gets its declared
 * clients from the engine's client factory (one per Step Functions service
 * id, pointed at the local AWS or mocked in tests) and runs as a Task runs
 * it on AWS (functions/step.ts `runAsTask`). The execution's last failed
 * Task, which DescribeFailure reads from the history on AWS, comes from the
 * engine.
 */
import { awsServiceOfClient } from '../core/aws-services.ts';
import type { LambdaStep } from '../engine/run-workflow.ts';
import { type AnyStep, runAsTask } from '../functions/step.ts';

/** A declared client the engine cannot make: its class is not in core/aws-services.ts. */
export class UnknownClientError extends Error {
  override name = 'UnknownClientError';
}

/** The step as the engine calls a Lambda step. */
export function localStep(step: AnyStep): LambdaStep {
  const serviceIds = Object.entries(step.clients).map(([key, Client]) => {
    const service = awsServiceOfClient(Client);
    if (service === undefined) {
      throw new UnknownClientError(
        `${step.name}: client "${key}" (${Client.name}) is not an AWS service modeshift knows (core/aws-services.ts)`,
      );
    }
    return [key, service.id] as const;
  });
  return function runLocalStep(input, context) {
    const clients = Object.fromEntries(serviceIds.map(([key, id]) => [key, context.clients(id)]));
    return runAsTask(step, input, clients, {
      lastFailedTask: context.lastFailedTask,
    });
  };
}

/** Every step, by name, as the engine calls them. */
export function localSteps(steps: readonly AnyStep[]): Record<string, LambdaStep> {
  return Object.fromEntries(steps.map((step) => [step.name, localStep(step)]));
}
