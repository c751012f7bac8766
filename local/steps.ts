/**
 * Workflow steps as the local engine runs them: each step gets its declared
 * clients from the engine's client factory (one per Step Functions service
 * id, pointed at the local AWS or mocked in tests) and runs as a Task runs
 * it on AWS (functions/step.ts `runAsTask`). The execution's last failed
 * Task, which the failure step reads from the history on AWS, comes from the
 * engine.
 */
import { awsServiceOfClient } from '../core/aws-services.ts';
import { logCall } from '../engine/call-log.ts';
import type { LambdaStep, LambdaStepContext } from '../engine/lambda-task.ts';
import { type AnyStep, runAsTask } from '../functions/step.ts';
import { NotReadyError } from '../functions/step-errors.ts';
import { STEPS } from '../state-machines/workflows.ts';
import { withEmulatedImagePush } from './emulated-image-push.ts';

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
      // The engine's answer stands in for the execution history a step reads on AWS: the call log is told of that read.
      lastFailedTask: () => {
        const executionArn = (input as { executionArn?: unknown } | null)?.executionArn;
        logCall({
          service: 'sfn',
          operation: 'GetExecutionHistory',
          input: { executionArn },
          synthetic: true,
        });
        return context.lastFailedTask();
      },
    });
  };
}

/** Every step, by name, as the engine calls them. */
export function localSteps(steps: readonly AnyStep[]): Record<string, LambdaStep> {
  return Object.fromEntries(steps.map((step) => [step.name, localStep(step)]));
}

/** Every step of the workflows (state-machines/workflows.ts), as the engine calls them: what local runs use. */
export const LOCAL_STEPS: Readonly<Record<string, LambdaStep>> = localSteps(Object.values(STEPS));

/**
 * The steps as local runs on an emulator use them: StartBuilds is followed by the image pushes the
 * local AWS does not make (local/emulated-image-push.ts).
 */
export const EMULATOR_STEPS: Readonly<Record<string, LambdaStep>> = {
  ...LOCAL_STEPS,
  StartBuilds: withEmulatedImagePush(LOCAL_STEPS.StartBuilds as LambdaStep),
};

/** What answers for a step in its stead (the benchmark's models): input in, the step's output out. */
export type StepModel = (input: unknown, context: LambdaStepContext) => Promise<unknown>;

/**
 * A stand-in for a step (the benchmark's models): it answers as `answer`
 * does, and says `Modeshift.NotReady` while the step's declaration says its
 * answer is not settled, as the step itself would.
 */
export function standIn(step: AnyStep, answer: StepModel): LambdaStep {
  return async function runStandIn(input, context) {
    const output = await answer(input, context);
    if (step.settled && !step.settled(output)) {
      throw new NotReadyError(`${step.name}: not done yet ${JSON.stringify(output)}`);
    }
    return output;
  };
}
