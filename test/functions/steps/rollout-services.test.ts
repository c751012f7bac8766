import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRoleCommand,
  type CreateRoleCommandInput,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags, type ServiceSpec } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { MODE_POLICIES } from '../../../core/policy.ts';
import {
  DEPLOYED_BY_TAG,
  ROLLOUT_TAG,
  type RolloutServicesInput,
  rolloutServices,
  TASK_DEFINITION_TAG,
} from '../../../functions/steps/rollout-services.ts';
import { networkRef } from '../../support/step-inputs.ts';

const ecs = mockClient(ECSClient);
const servicediscovery = mockClient(ServiceDiscoveryClient);
const iam = mockClient(IAMClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const clients = () => ({
  ecs: new ECSClient({ region: 'us-east-1' }),
  servicediscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
  iam: new IAMClient({ region: 'us-east-1' }),
  applicationautoscaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
});

const ROLLOUT = '2026-11-26T07:00:00.000Z';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition';

const spec = (name: string, dependsOn: string[] = []): ServiceSpec => ({
  name,
  image: 'nginx:1.27',
  build: false,
  cpu: 256,
  memory: 512,
  replicas: 1,
  ports: [],
  public: false,
  environment: {},
  secrets: [],
  dependsOn,
});

const input: RolloutServicesInput = {
  strategy: 'rolling',
  services: [spec('api'), spec('web', ['api']), spec('worker', ['api'])],
  rollout: ROLLOUT,
  project: 'shop',
  environment: 'pr-42',
  deploymentId: 'deploy-2',
  policy: MODE_POLICIES.staging,
  names: environmentNames('shop', 'pr-42'),
  tags: modeshiftTags('shop', 'pr-42', 'staging', 'deploy-2'),
  taskNetwork: { subnets: 'private', assignPublicIp: 'DISABLED' },
  network: networkRef(),
  loadBalancer: {},
  namespace: {
    id: 'ns-1',
    name: 'pr-42.shop.internal',
    hostedZoneId: 'Z1',
    ready: true,
  },
  databases: [],
  accountId: '123456789012',
  region: 'us-east-1',
};

/** A service this rollout deployed, at `revision`, and how far ECS is with it. */
function deployed(name: string, rolloutState: 'IN_PROGRESS' | 'COMPLETED', running = 2): Service {
  return {
    serviceName: name,
    status: 'ACTIVE',
    taskDefinition: `${TD}/shop-pr-42-${name}:${running}`,
    desiredCount: 1,
    runningCount: 1,
    deployments: [
      { id: `d-${name}`, status: 'PRIMARY', rolloutState, taskDefinition: `${TD}/shop-pr-42-${name}:2` },
    ],
    tags: [
      { key: 'modeshift:project', value: 'shop' },
      { key: 'modeshift:environment', value: 'pr-42' },
      { key: ROLLOUT_TAG, value: ROLLOUT },
      { key: TASK_DEFINITION_TAG, value: `shop-pr-42-${name}:2` },
      { key: DEPLOYED_BY_TAG, value: ROLLOUT },
    ],
  };
}

function answering(services: Service[]) {
  ecs.on(DescribeServicesCommand).callsFake((asked: { services: string[] }) => ({
    services: services.filter((service) => asked.services.includes(service.serviceName ?? '')),
  }));
}

const created = () => ecs.commandCalls(CreateServiceCommand).map((call) => call.args[0].input.serviceName);

beforeEach(() => {
  ecs.reset();
  servicediscovery.reset();
  iam.reset();
  autoscaling.reset();
  autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  autoscaling.on(DescribeScalingPoliciesCommand).resolves({ ScalingPolicies: [] });
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no role', $metadata: {} }));
  iam.on(CreateRoleCommand).callsFake((asked: CreateRoleCommandInput) => ({
    Role: {
      RoleName: asked.RoleName,
      Arn: `arn:aws:iam::123456789012:role${asked.Path}${asked.RoleName}`,
      Tags: asked.Tags,
    },
  }));
  iam.on(PutRolePolicyCommand).resolves({});
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  ecs.on(RegisterTaskDefinitionCommand).callsFake((definition: { family: string }) => ({
    taskDefinition: { taskDefinitionArn: `${TD}/${definition.family}:2` },
  }));
  ecs.on(CreateServiceCommand).callsFake((service: { serviceName: string }) => ({
    service: { serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/shop--pr-42/${service.serviceName}` },
  }));
  servicediscovery.on(ListDiscoveryServicesCommand).resolves({ Services: [] });
  servicediscovery.on(CreateDiscoveryServiceCommand).callsFake((asked: { Name: string }) => ({
    Service: {
      Id: `srv-${asked.Name}`,
      Arn: `arn:aws:servicediscovery:us-east-1:123456789012:service/srv-${asked.Name}`,
    },
  }));
  answering([]);
});

describe('RolloutServices', () => {
  it('deploys first the services that depend on no other, tagged with this rollout and their task definition', async () => {
    const result = await rolloutServices(input, clients());

    expect(result).toEqual({ done: false, stable: 0, deploying: 1, started: ['api'], rolled: ['api'] });
    expect(created()).toEqual(['api']);
    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      serviceName: 'api',
      tags: expect.arrayContaining([
        { key: ROLLOUT_TAG, value: ROLLOUT },
        { key: TASK_DEFINITION_TAG, value: 'shop--pr-42--api:2' },
        { key: DEPLOYED_BY_TAG, value: ROLLOUT },
      ]),
    });
  });

  it('waits while a dependency is still deploying, deploying nothing new', async () => {
    answering([deployed('api', 'IN_PROGRESS')]);

    const result = await rolloutServices(input, clients());

    expect(result).toEqual({ done: false, stable: 0, deploying: 1, started: [], rolled: ['api'] });
    expect(created()).toEqual([]);
  });

  it('deploys the dependents as soon as what they depend on is stable', async () => {
    answering([deployed('api', 'COMPLETED')]);

    const result = await rolloutServices(input, clients());

    expect(result).toMatchObject({ done: false, stable: 1, started: ['web', 'worker'] });
    expect(created().sort()).toEqual(['web', 'worker']);
  });

  it('is done once every service this rollout deployed is stable', async () => {
    answering([deployed('api', 'COMPLETED'), deployed('web', 'COMPLETED'), deployed('worker', 'COMPLETED')]);

    await expect(rolloutServices(input, clients())).resolves.toEqual({
      done: true,
      stable: 3,
      deploying: 0,
      started: [],
      rolled: ['api', 'web', 'worker'],
    });
  });

  it('counts as rolled only the services this rollout started an ECS deployment of', async () => {
    const unchanged = (name: string) => ({
      ...deployed(name, 'COMPLETED'),
      tags: (deployed(name, 'COMPLETED').tags ?? []).map((tag) =>
        tag.key === DEPLOYED_BY_TAG ? { ...tag, value: 'an earlier run' } : tag,
      ),
    });
    answering([deployed('api', 'COMPLETED'), unchanged('web'), unchanged('worker')]);

    await expect(rolloutServices(input, clients())).resolves.toMatchObject({ done: true, rolled: ['api'] });
  });

  it('deploys again a service an earlier run deployed', async () => {
    const earlier = {
      ...deployed('api', 'COMPLETED'),
      tags: [
        { key: 'modeshift:project', value: 'shop' },
        { key: 'modeshift:environment', value: 'pr-42' },
        { key: ROLLOUT_TAG, value: 'an earlier run' },
      ],
    };
    answering([earlier]);
    ecs.on(UpdateServiceCommand).resolves({
      service: { ...earlier, serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/shop--pr-42/api' },
    });
    ecs.on(TagResourceCommand).resolves({});

    const result = await rolloutServices(input, clients());

    expect(result.started).toEqual(['api']);
    expect(ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      tags: expect.arrayContaining([{ key: ROLLOUT_TAG, value: ROLLOUT }]),
    });
  });

  it('fails the run when the circuit breaker rolled a service back to its old task definition', async () => {
    answering([deployed('api', 'COMPLETED', 1)]);

    await expect(rolloutServices(input, clients())).rejects.toMatchObject({
      name: 'Modeshift.ServiceDeploymentFailed',
    });
  });
});

describe('RolloutServices: autoscaling', () => {
  const one = (policy: RolloutServicesInput['policy'], service = spec('api')) => ({
    ...input,
    policy,
    services: [{ ...service, replicas: 2 }],
  });
  const target = (min: number, max: number) => ({
    ScalableTargets: [
      {
        ServiceNamespace: 'ecs' as const,
        ResourceId: 'service/shop--pr-42/api',
        ScalableDimension: 'ecs:service:DesiredCount' as const,
        MinCapacity: min,
        MaxCapacity: max,
        RoleARN: 'arn:aws:iam::123456789012:role/aws-service-role/x',
        CreationTime: new Date(),
      },
    ],
  });

  it('registers a production service between its replicas and 4 times them, tracking 60 % CPU', async () => {
    await rolloutServices(one(MODE_POLICIES.production), clients());

    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: 'ecs',
      ResourceId: 'service/shop--pr-42/api',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 8,
    });
    expect(autoscaling).toHaveReceivedCommandWith(PutScalingPolicyCommand, {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: expect.objectContaining({
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    // The target is registered after the service exists.
    const [created] = ecs.commandCalls(CreateServiceCommand);
    const [registered] = autoscaling.commandCalls(RegisterScalableTargetCommand);
    expect(registered && created?.calledBefore(registered)).toBe(true);
  });

  it('registers nothing in development, and deregisters a target a service no longer needs', async () => {
    await rolloutServices(one(MODE_POLICIES.development), clients());
    expect(autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(autoscaling).not.toHaveReceivedCommand(DeregisterScalableTargetCommand);

    autoscaling.on(DescribeScalableTargetsCommand).resolves(target(2, 4));
    await rolloutServices(one(MODE_POLICIES.development), clients());
    expect(autoscaling).toHaveReceivedCommandWith(DeregisterScalableTargetCommand, {
      ResourceId: 'service/shop--pr-42/api',
    });
  });

  it('keeps a scaled-out count on redeploy: the update names the running count, not the replicas', async () => {
    const running: Service = {
      ...deployed('api', 'COMPLETED'),
      tags: [
        { key: 'modeshift:project', value: 'shop' },
        { key: 'modeshift:environment', value: 'pr-42' },
      ],
      desiredCount: 5,
    };
    answering([running]);
    ecs
      .on(UpdateServiceCommand)
      .resolves({ service: { serviceArn: 'arn:aws:ecs:us-east-1:1:service/c/api' } });
    autoscaling.on(DescribeScalableTargetsCommand).resolves(target(2, 8));

    await rolloutServices(one(MODE_POLICIES.production), clients());

    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'api', desiredCount: 5 });
    expect(autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
  });

  it("takes a service's own bounds and turns scaling on in development (x-modeshift.scaling)", async () => {
    await rolloutServices(
      one(MODE_POLICIES.development, { ...spec('api'), scaling: { max: 6, cpu: 50 } }),
      clients(),
    );
    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    expect(autoscaling).toHaveReceivedCommandWith(PutScalingPolicyCommand, {
      TargetTrackingScalingPolicyConfiguration: expect.objectContaining({ TargetValue: 50 }),
    });
  });
});

describe('RolloutServices: secrets and execution roles', () => {
  const DB_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf';

  it('starts each service with its own execution role, allowed to read exactly the secrets its task definition names', async () => {
    const api: ServiceSpec = {
      ...spec('api'),
      secrets: ['STRIPE_KEY'],
      database: 'db',
    };
    const worker: ServiceSpec = { ...spec('worker') };

    await rolloutServices(
      {
        ...input,
        services: [api, worker],
        databases: [
          {
            name: 'db',
            instance: 'shop-pr-42-db',
            databaseName: 'shop',
            username: 'shop',
            endpoint: 'db.example',
            secretArn: DB_SECRET,
          },
        ],
      },
      clients(),
    );

    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand).map((call) => call.args[0].input);
    const apiDefinition = registered.find((definition) => definition.family === 'shop--pr-42--api');
    expect(apiDefinition?.executionRoleArn).toBe(
      'arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--api',
    );
    expect(apiDefinition?.containerDefinitions?.[0]?.secrets).toEqual([
      {
        name: 'STRIPE_KEY',
        valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/modeshift/shop/pr-42/STRIPE_KEY',
      },
      { name: 'PGPASSWORD', valueFrom: `${DB_SECRET}:password::` },
    ]);
    const workerDefinition = registered.find((definition) => definition.family === 'shop--pr-42--worker');
    expect(workerDefinition?.executionRoleArn).toBe(
      'arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--worker',
    );

    const policies = new Map(
      iam
        .commandCalls(PutRolePolicyCommand)
        .map((call) => [call.args[0].input.RoleName, JSON.parse(call.args[0].input.PolicyDocument ?? '{}')]),
    );
    const readable = (role: string, action: string) =>
      (policies.get(role)?.Statement ?? [])
        .filter((statement: { Action: string[] }) => statement.Action.includes(action))
        .flatMap((statement: { Resource: string[] }) => statement.Resource);
    expect(readable('shop--pr-42--api', 'secretsmanager:GetSecretValue')).toEqual([DB_SECRET]);
    expect(readable('shop--pr-42--api', 'ssm:GetParameters')).toEqual([
      'arn:aws:ssm:us-east-1:123456789012:parameter/modeshift/shop/pr-42/STRIPE_KEY',
    ]);
    expect(readable('shop--pr-42--worker', 'secretsmanager:GetSecretValue')).toEqual([]);
    expect(readable('shop--pr-42--worker', 'ssm:GetParameters')).toEqual([]);
  });

  it('fails, before registering anything, a service whose database has no managed password secret', async () => {
    const api: ServiceSpec = { ...spec('api'), database: 'db' };

    await expect(
      rolloutServices({ ...input, services: [api], databases: [] }, clients()),
    ).rejects.toMatchObject({ name: 'Modeshift.DatabaseSecretMissing' });
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });
});
