import { type Deployment, DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkServicesStable } from '../../../functions/steps/check-services-stable.ts';

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'us-east-1' });

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

function service(name: string, deployments: Deployment[], overrides: Partial<Service> = {}): Service {
  return { serviceName: name, status: 'ACTIVE', desiredCount: 2, runningCount: 2, deployments, ...overrides };
}

/** The services a wave deployed, each with the task definition it was given. */
function wanted(...names: string[]) {
  return names.map((name) => ({
    name,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-42-${name}:2`,
  }));
}

beforeEach(() => {
  ecs.reset();
});

describe('CheckServicesStable', () => {
  it('is stable when every service has a single PRIMARY deployment that is COMPLETED', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', [deployment()]), service('worker', [deployment()])],
    });

    const result = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted('api', 'worker') },
      { ecs: client },
    );

    expect(result).toEqual({ stable: true, retryAfterSeconds: 0 });
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'shop-pr-42',
      services: ['api', 'worker'],
    });
  });

  it('waits 15 seconds while a new deployment rolls out beside the old one', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service('api', [
          deployment({ id: 'ecs-svc/2', rolloutState: 'IN_PROGRESS', runningCount: 1 }),
          deployment({ id: 'ecs-svc/1', status: 'ACTIVE' }),
        ]),
      ],
    });

    const result = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted('api') },
      { ecs: client },
    );

    expect(result).toEqual({ stable: false, retryAfterSeconds: 15 });
  });

  it('waits while the only deployment is still IN_PROGRESS', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', [deployment({ rolloutState: 'IN_PROGRESS' })])],
    });

    const result = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted('api') },
      { ecs: client },
    );

    expect(result.stable).toBe(false);
  });

  it('counts running tasks where ECS reports no rollout state', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service('api', [deployment({ rolloutState: undefined })]),
        service('worker', [deployment({ rolloutState: undefined })], { runningCount: 1 }),
      ],
    });

    const apiOnly = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted('api') },
      { ecs: client },
    );
    const both = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted('api', 'worker') },
      { ecs: client },
    );

    expect(apiOnly.stable).toBe(true);
    expect(both.stable).toBe(false);
  });

  it('fails with Modeshift.ServiceDeploymentFailed when the circuit breaker failed and rolled back a deployment', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service('api', [
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
        ]),
      ],
    });

    await expect(
      checkServicesStable({ cluster: 'shop-pr-42', services: wanted('api') }, { ecs: client }),
    ).rejects.toMatchObject({
      name: 'Modeshift.ServiceDeploymentFailed',
      message: expect.stringMatching(/ECS service api .*tasks failed to start/),
    });
  });

  it('fails with Modeshift.ServiceMissing when a service does not exist', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', [deployment()])],
      failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/shop-pr-42/worker', reason: 'MISSING' }],
    });

    await expect(
      checkServicesStable({ cluster: 'shop-pr-42', services: wanted('api', 'worker') }, { ecs: client }),
    ).rejects.toMatchObject({ name: 'Modeshift.ServiceMissing', message: expect.stringContaining('worker') });
  });

  it('fails with Modeshift.ServiceMissing when a service was deleted (INACTIVE)', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', [], { status: 'INACTIVE' })],
    });

    await expect(
      checkServicesStable({ cluster: 'shop-pr-42', services: wanted('api') }, { ecs: client }),
    ).rejects.toMatchObject({ name: 'Modeshift.ServiceMissing' });
  });

  it('describes services in batches of 10', async () => {
    const names = Array.from({ length: 12 }, (_, index) => `svc-${index}`);
    ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services.map((name) => service(name, [deployment()])),
    }));

    const result = await checkServicesStable(
      { cluster: 'shop-pr-42', services: wanted(...names) },
      { ecs: client },
    );

    expect(result.stable).toBe(true);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 2);
    expect(ecs).toHaveReceivedNthCommandWith(DescribeServicesCommand, 1, { services: names.slice(0, 10) });
    expect(ecs).toHaveReceivedNthCommandWith(DescribeServicesCommand, 2, { services: names.slice(10) });
  });

  it('fails when the circuit breaker rolled back to the previous task definition', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service('api', [deployment()], {
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-42-api:1',
        }),
      ],
    });

    const check = checkServicesStable({ cluster: 'shop-pr-42', services: wanted('api') }, { ecs: client });

    await expect(check).rejects.toMatchObject({ name: 'Modeshift.ServiceDeploymentFailed' });
    await expect(check).rejects.toThrow(/rolled back to .*shop-pr-42-api:1/);
  });
});
