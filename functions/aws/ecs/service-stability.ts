/**
 * Whether an ECS service has finished a deployment, judged from its
 * DescribeServices entry (the rollout looks at every service this way).
 * A deployment the circuit breaker failed (and rolled back) fails the
 * workflow instead of being waited on.
 */
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { StepError } from '../../step-errors.ts';

/**
 * Whether one described service has finished deploying `taskDefinitionArn`:
 * a single (PRIMARY) deployment that is COMPLETED — or, where ECS reports no
 * rollout state, runs as many tasks as it wants. Throws
 * Modeshift.ServiceDeploymentFailed when the circuit breaker failed or rolled
 * back its deployment.
 */
export function isStable(service: Service, cluster: string, taskDefinitionArn: string): boolean {
  const deployments = service.deployments ?? [];
  const failed = deployments.find((deployment) => deployment.rolloutState === 'FAILED');
  if (failed !== undefined) {
    throw new StepError(
      'Modeshift.ServiceDeploymentFailed',
      `ECS service ${service.serviceName} on cluster ${cluster}: deployment ${failed.id ?? ''} failed: ${failed.rolloutStateReason ?? 'no reason given'}${watchedAlarms(service)}`,
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

/** The deployment alarms ECS watched, which its reason names when one of them rolled the deployment back. */
function watchedAlarms(service: Service): string {
  const alarms = service.deploymentConfiguration?.alarms;
  if (!alarms?.enable || (alarms.alarmNames ?? []).length === 0) return '';
  return ` (deployment alarms watched: ${alarms.alarmNames?.join(', ')}${alarms.rollback ? ', with rollback' : ''})`;
}

function completed(deployment: Deployment, service: Service): boolean {
  if (deployment.rolloutState !== undefined) return deployment.rolloutState === 'COMPLETED';
  return service.runningCount === service.desiredCount;
}
