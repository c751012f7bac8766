import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { isStable } from '../../../../functions/aws/ecs/service-stability.ts';

const CLUSTER = 'shop-pr-42';
const WANTED = 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-42-api:2';

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'ecs-svc/1',
    status: 'PRIMARY',
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1 completed.',
    desiredCount: 2,
    runningCount: 2,
    ...overrides,
  };
}

function service(deployments: Deployment[], overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'api',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    deployments,
    ...overrides,
  };
}

describe('isStable — has an ECS service finished its deployment', () => {
  it('is stable with a single PRIMARY deployment that is COMPLETED', () => {
    expect(isStable(service([deployment()]), CLUSTER, WANTED)).toBe(true);
  });

  it('is not while a new deployment rolls out beside the old one', () => {
    const rolling = service([
      deployment({ id: 'ecs-svc/2', rolloutState: 'IN_PROGRESS' }),
      deployment({ status: 'ACTIVE' }),
    ]);

    expect(isStable(rolling, CLUSTER, WANTED)).toBe(false);
  });

  it('is not while the only deployment is still IN_PROGRESS', () => {
    expect(isStable(service([deployment({ rolloutState: 'IN_PROGRESS' })]), CLUSTER, WANTED)).toBe(false);
  });

  it('counts running tasks where ECS reports no rollout state', () => {
    const noRolloutState = [deployment({ rolloutState: undefined })];

    expect(isStable(service(noRolloutState), CLUSTER, WANTED)).toBe(true);
    expect(isStable(service(noRolloutState, { runningCount: 1 }), CLUSTER, WANTED)).toBe(false);
  });

  it('fails with Modeshift.ServiceDeploymentFailed when the circuit breaker failed and rolled back a deployment', () => {
    const failed = service([
      deployment({
        id: 'ecs-svc/1',
        rolloutState: 'IN_PROGRESS',
        rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.',
      }),
      deployment({
        id: 'ecs-svc/2',
        status: 'ACTIVE',
        rolloutState: 'FAILED',
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    ]);

    expect(() => isStable(failed, CLUSTER, WANTED)).toThrow(
      expect.objectContaining({
        name: 'Modeshift.ServiceDeploymentFailed',
        message: expect.stringMatching(/ECS service api .*tasks failed to start/),
      }),
    );
  });

  it('fails when the circuit breaker rolled back to the previous task definition', () => {
    const rolledBack = service([deployment()], {
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-42-api:1',
    });

    expect(() => isStable(rolledBack, CLUSTER, WANTED)).toThrow(/rolled back to .*shop-pr-42-api:1/);
    expect(() => isStable(rolledBack, CLUSTER, WANTED)).toThrow(
      expect.objectContaining({ name: 'Modeshift.ServiceDeploymentFailed' }),
    );
  });
});
