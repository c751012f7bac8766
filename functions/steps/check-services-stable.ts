/**
 * CheckServicesStable: whether every ECS service of a deployment wave has
 * finished its deployment. A deployment the circuit breaker failed (and
 * rolled back) fails the workflow instead of being waited on.
 */
import { type Deployment, DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import { StepError } from './step-error.ts';

export interface CheckServicesStableInput {
  readonly cluster: string;
  /** The wave's ECS services and the task definition each was just deployed with. */
  readonly services: ReadonlyArray<{ readonly name: string; readonly taskDefinitionArn: string }>;
}

export interface CheckServicesStableOutput {
  readonly stable: boolean;
  /** Seconds the workflow waits before looking again while not stable. */
  readonly retryAfterSeconds: number;
}

/** DescribeServices takes at most 10 services a call. */
const BATCH_SIZE = 10;
/** Seconds between looks at a wave that is still deploying. */
const RETRY_AFTER_SECONDS = 15;

/**
 * Stable when each service has a single (PRIMARY) deployment that is
 * COMPLETED — or, where ECS reports no rollout state, runs as many tasks as
 * it wants. Throws Modeshift.ServiceDeploymentFailed for a FAILED deployment
 * and Modeshift.ServiceMissing for a service that does not exist.
 */
export async function checkServicesStable(
  input: CheckServicesStableInput,
  clients: { ecs: ECSClient },
): Promise<CheckServicesStableOutput> {
  let stable = true;
  for (let start = 0; start < input.services.length; start += BATCH_SIZE) {
    const batch = input.services.slice(start, start + BATCH_SIZE);
    const { services = [] } = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: input.cluster, services: batch.map((entry) => entry.name) }),
    );
    for (const { name, taskDefinitionArn } of batch) {
      const service = services.find(
        (candidate) => candidate.serviceName === name && candidate.status === 'ACTIVE',
      );
      if (service === undefined) {
        throw new StepError(
          'Modeshift.ServiceMissing',
          `ECS service ${name} does not exist (or is being deleted) on cluster ${input.cluster}`,
        );
      }
      if (!isStable(service, input.cluster, taskDefinitionArn)) stable = false;
    }
  }
  return stable
    ? { stable: true, retryAfterSeconds: 0 }
    : { stable: false, retryAfterSeconds: RETRY_AFTER_SECONDS };
}

/**
 * Whether one described service has finished deploying `taskDefinitionArn`;
 * throws Modeshift.ServiceDeploymentFailed when the circuit breaker failed or
 * rolled back its deployment.
 */
export function isStable(service: Service, cluster: string, taskDefinitionArn: string): boolean {
  const deployments = service.deployments ?? [];
  const failed = deployments.find((deployment) => deployment.rolloutState === 'FAILED');
  if (failed !== undefined) {
    throw new StepError(
      'Modeshift.ServiceDeploymentFailed',
      `ECS service ${service.serviceName} on cluster ${cluster}: deployment ${failed.id ?? ''} failed: ${failed.rolloutStateReason ?? 'no reason given'}`,
    );
  }
  const [primary, ...others] = deployments;
  if (primary === undefined || others.length > 0 || primary.status !== 'PRIMARY') return false;
  if (service.taskDefinition !== undefined && service.taskDefinition !== taskDefinitionArn) {
    // The circuit breaker rolled back and the failed deployment has drained: the service runs the old one again.
    throw new StepError(
      'Modeshift.ServiceDeploymentFailed',
      `ECS service ${service.serviceName} on cluster ${cluster} was rolled back to ${service.taskDefinition} instead of running ${taskDefinitionArn}`,
    );
  }
  return completed(primary, service);
}

function completed(deployment: Deployment, service: Service): boolean {
  if (deployment.rolloutState !== undefined) return deployment.rolloutState === 'COMPLETED';
  return service.runningCount === service.desiredCount;
}
