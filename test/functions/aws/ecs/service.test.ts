import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  GetServiceCommand as GetDiscoveryServiceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ServiceDiscoveryClient,
  UpdateServiceCommand as UpdateDiscoveryServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags, type ServiceSpec } from '../../../../core/execution-input.ts';
import { environmentNames } from '../../../../core/names.ts';
import { MODE_POLICIES, type Mode } from '../../../../core/policy.ts';
import {
  type EnsureServiceInput,
  ensureService,
  serviceConnectFor,
} from '../../../../functions/aws/ecs/service.ts';
import type { LoadBalancerRef } from '../../../../functions/resource-refs.ts';
import { networkRef } from '../../../support/step-inputs.ts';

const ecs = mockClient(ECSClient);
const servicediscovery = mockClient(ServiceDiscoveryClient);
const clients = {
  ecs: new ECSClient({ region: 'us-east-1' }),
  servicediscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
};

const SERVICE_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/shop--pr-42/api';
const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop--pr-42--api:8';
const REGISTRY_ARN = 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-api';
const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop--pr-42--api/abc';

// The subnets the tests below check the service is placed in.
const network = networkRef({
  publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b'],
  privateSubnetIds: ['subnet-priv-a', 'subnet-priv-b'],
});

const loadBalancer: LoadBalancerRef = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop--pr-42/1',
  dnsName: 'shop-pr-42-1.us-east-1.elb.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
  accessLogBucket: 'shop--pr-42-lb-logs-12345678',
  shared: false,
  targetGroups: [{ service: 'api', arn: TARGET_GROUP_ARN, port: 8080 }],
};

const worker: ServiceSpec = {
  name: 'worker',
  image: 'ghcr.io/acme/worker:2',
  build: false,
  cpu: 256,
  memory: 512,
  replicas: 1,
  ports: [],
  public: false,
  environment: {},
  secrets: [],
  dependsOn: [],
};

const api: ServiceSpec = {
  ...worker,
  name: 'api',
  replicas: 2,
  ports: [{ target: 8080, protocol: 'tcp' }],
  public: true,
  dependsOn: [],
  targetGroup: 'shop--pr-42--api',
};

function inputFor(mode: Mode, service: ServiceSpec = api): EnsureServiceInput {
  const production = mode === 'production';
  return {
    strategy: MODE_POLICIES[mode].deploymentStrategy,
    service,
    taskDefinitionArn: TASK_DEFINITION,
    policy: MODE_POLICIES[mode],
    names: environmentNames('shop', 'pr-42'),
    tags: modeshiftTags('shop', 'pr-42', mode, 'deploy-2'),
    taskNetwork: production
      ? { subnets: 'private', assignPublicIp: 'DISABLED' }
      : { subnets: 'public', assignPublicIp: 'ENABLED' },
    network,
    loadBalancer,
    namespace: {
      id: 'ns-pr-42',
      name: 'pr-42.shop.internal',
      hostedZoneId: 'Z-PRIVATE',
      ready: true,
    },
  };
}

function activeService(overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'api',
    serviceArn: SERVICE_ARN,
    status: 'ACTIVE',
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
    tags: [
      { key: 'modeshift:project', value: 'shop' },
      { key: 'modeshift:environment', value: 'pr-42' },
    ],
    ...overrides,
  };
}

/** Cloud Map knows the api service in the environment's namespace with the given TTL. */
function discoveryServiceWithTtl(ttl: number): void {
  servicediscovery.on(ListDiscoveryServicesCommand).resolves({ Services: [{ Id: 'srv-api', Name: 'api' }] });
  servicediscovery.on(GetDiscoveryServiceCommand).resolves({
    Service: {
      Id: 'srv-api',
      Arn: REGISTRY_ARN,
      Name: 'api',
      NamespaceId: 'ns-pr-42',
      DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: ttl }] },
    },
  });
}

beforeEach(() => {
  ecs.reset();
  servicediscovery.reset();
  ecs.on(CreateServiceCommand).resolves({ service: { serviceArn: SERVICE_ARN } });
  ecs.on(UpdateServiceCommand).resolves({ service: { serviceArn: SERVICE_ARN } });
});

describe('EnsureService — deployment alarms', () => {
  it('gives a development service no alarms, and turns off alarms a service still has from another mode', async () => {
    discoveryServiceWithTtl(10);
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    await ensureService(inputFor('development'), clients);
    expect(
      ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input.deploymentConfiguration,
    ).not.toHaveProperty('alarms');

    ecs.resetHistory();
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        activeService({
          deploymentConfiguration: {
            alarms: { alarmNames: ['shop--pr-42--api--5xx'], enable: true, rollback: true },
          },
        }),
      ],
    });
    await ensureService(inputFor('development'), clients);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      deploymentConfiguration: expect.objectContaining({
        alarms: { alarmNames: [], enable: false, rollback: false },
      }),
    });
  });
});

describe('EnsureService — Cloud Map', () => {
  it('creates the Cloud Map service with A records of the discovery TTL when the namespace has none', async () => {
    servicediscovery.on(ListDiscoveryServicesCommand).resolves({ Services: [] });
    servicediscovery
      .on(CreateDiscoveryServiceCommand)
      .resolves({ Service: { Id: 'srv-api', Arn: REGISTRY_ARN } });
    ecs.on(DescribeServicesCommand).resolves({ services: [] });

    await ensureService(inputFor('development'), clients);

    expect(servicediscovery).toHaveReceivedCommandWith(ListDiscoveryServicesCommand, {
      Filters: [{ Name: 'NAMESPACE_ID', Values: ['ns-pr-42'], Condition: 'EQ' }],
    });
    expect(servicediscovery).toHaveReceivedCommandWith(CreateDiscoveryServiceCommand, {
      Name: 'api',
      NamespaceId: 'ns-pr-42',
      DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] },
      HealthCheckCustomConfig: {},
      Tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-2'),
    });
  });

  it('re-applies the discovery TTL to an existing Cloud Map service that has another (the mode TTL it had before)', async () => {
    discoveryServiceWithTtl(3600);
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService()] });

    await ensureService(inputFor('production'), clients);

    expect(servicediscovery).toHaveReceivedCommandWith(UpdateDiscoveryServiceCommand, {
      Id: 'srv-api',
      Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } },
    });
    expect(servicediscovery).not.toHaveReceivedCommand(CreateDiscoveryServiceCommand);
  });

  it('leaves an existing Cloud Map service with the right TTL alone', async () => {
    discoveryServiceWithTtl(10);
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService()] });

    await ensureService(inputFor('production'), clients);

    expect(servicediscovery).not.toHaveReceivedCommand(UpdateDiscoveryServiceCommand);
    expect(servicediscovery).not.toHaveReceivedCommand(CreateDiscoveryServiceCommand);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      serviceRegistries: [{ registryArn: REGISTRY_ARN }],
    });
  });

  it('does not reuse a Cloud Map service of the same name in another namespace', async () => {
    servicediscovery
      .on(ListDiscoveryServicesCommand)
      .resolves({ Services: [{ Id: 'srv-other', Name: 'api' }] });
    servicediscovery.on(GetDiscoveryServiceCommand).resolves({
      Service: { Id: 'srv-other', Arn: 'arn:other', Name: 'api', NamespaceId: 'ns-pr-43' },
    });
    servicediscovery
      .on(CreateDiscoveryServiceCommand)
      .resolves({ Service: { Id: 'srv-api', Arn: REGISTRY_ARN } });
    ecs.on(DescribeServicesCommand).resolves({ services: [] });

    await ensureService(inputFor('development'), clients);

    expect(servicediscovery).toHaveReceivedCommandWith(CreateDiscoveryServiceCommand, {
      NamespaceId: 'ns-pr-42',
    });
    expect(servicediscovery).not.toHaveReceivedCommand(UpdateDiscoveryServiceCommand);
  });
});

describe('EnsureService — ECS service', () => {
  beforeEach(() => {
    discoveryServiceWithTtl(60);
  });

  it('creates a development service: Fargate Spot, replace (0/100), public subnets with public IPs, ECS Exec on', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }],
    });

    const result = await ensureService(inputFor('development'), clients);

    expect(result).toEqual({ arn: SERVICE_ARN, action: 'created' });
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'shop--pr-42',
      services: ['api'],
    });
    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      cluster: 'shop--pr-42',
      serviceName: 'api',
      taskDefinition: TASK_DEFINITION,
      desiredCount: 2,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      deploymentConfiguration: {
        minimumHealthyPercent: 0,
        maximumPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-pub-a', 'subnet-pub-b'],
          securityGroups: ['sg-services'],
          assignPublicIp: 'ENABLED',
        },
      },
      loadBalancers: [{ targetGroupArn: TARGET_GROUP_ARN, containerName: 'api', containerPort: 8080 }],
      serviceRegistries: [{ registryArn: REGISTRY_ARN }],
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      enableExecuteCommand: true,
      tags: [
        { key: 'modeshift:project', value: 'shop' },
        { key: 'modeshift:environment', value: 'pr-42' },
        { key: 'modeshift:mode', value: 'development' },
        { key: 'modeshift:deployment', value: 'deploy-2' },
        // The fingerprint of these settings: a redeploy that would send the same ones sends none.
        { key: 'modeshift:settings', value: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ],
    });
    expect(ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input).not.toHaveProperty('launchType');
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('creates a production service: on-demand Fargate, rolling (100/200), private subnets without public IPs, ECS Exec off', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });

    await ensureService(inputFor('production'), clients);

    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // A public service: ECS watches its 5xx and p95 alarms, and rolls back on them in production.
        alarms: {
          alarmNames: ['shop--pr-42--api--5xx', 'shop--pr-42--api--p95'],
          enable: true,
          rollback: true,
        },
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-priv-a', 'subnet-priv-b'],
          securityGroups: ['sg-services'],
          assignPublicIp: 'DISABLED',
        },
      },
      enableExecuteCommand: false,
    });
  });

  it('creates a private service without load balancers', async () => {
    servicediscovery
      .on(CreateDiscoveryServiceCommand)
      .resolves({ Service: { Id: 'srv-worker', Arn: 'arn:worker' } });
    ecs.on(DescribeServicesCommand).resolves({ services: [] });

    await ensureService({ ...inputFor('development', worker), loadBalancer: {} }, clients);

    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      serviceName: 'worker',
      loadBalancers: [],
      serviceRegistries: [{ registryArn: 'arn:worker' }],
    });
  });

  it("in a team's own VPC, joins the namespace through Service Connect: each TCP port answers to the service's name", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    const udp: ServiceSpec = {
      ...api,
      ports: [
        { target: 8080, protocol: 'tcp' },
        { target: 9000, protocol: 'tcp' },
        { target: 5353, protocol: 'udp' },
      ],
    };

    await ensureService(
      { ...inputFor('staging', udp), network: { ...network, serviceConnect: true } },
      clients,
    );

    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      serviceRegistries: [{ registryArn: REGISTRY_ARN }],
      serviceConnectConfiguration: {
        enabled: true,
        namespace: 'pr-42.shop.internal',
        services: [
          {
            portName: 'api-8080-tcp',
            discoveryName: 'api_8080',
            clientAliases: [{ port: 8080, dnsName: 'api' }],
          },
          {
            portName: 'api-9000-tcp',
            discoveryName: 'api_9000',
            clientAliases: [{ port: 9000, dnsName: 'api' }],
          },
        ],
      },
    });
    expect(
      serviceConnectFor(worker, { name: 'pr-42.shop.internal' }),
      'a service with no port is a client',
    ).toEqual({
      enabled: true,
      namespace: 'pr-42.shop.internal',
    });
  });

  it('uses no Service Connect where the VPC is the environment’s own', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });

    await ensureService(inputFor('staging'), clients);

    expect(
      ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input.serviceConnectConfiguration,
    ).toBeUndefined();
  });

  it('creates the service again when the one of that name is INACTIVE (deleted)', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService({ status: 'INACTIVE' })] });

    await ensureService(inputFor('development'), clients);

    expect(ecs).toHaveReceivedCommandTimes(CreateServiceCommand, 1);
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('updates an ACTIVE service with every setting again and re-tags it', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService()] });

    const result = await ensureService(inputFor('staging'), clients);

    expect(result).toEqual({ arn: SERVICE_ARN, action: 'updated' });
    expect(ecs).not.toHaveReceivedCommand(CreateServiceCommand);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'shop--pr-42',
      service: 'api',
      taskDefinition: TASK_DEFINITION,
      desiredCount: 2,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // Staging watches the alarms and does not roll back on them.
        alarms: {
          alarmNames: ['shop--pr-42--api--5xx', 'shop--pr-42--api--p95'],
          enable: true,
          rollback: false,
        },
      },
      loadBalancers: [{ targetGroupArn: TARGET_GROUP_ARN, containerName: 'api', containerPort: 8080 }],
      serviceRegistries: [{ registryArn: REGISTRY_ARN }],
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      forceNewDeployment: false,
    });
    expect(ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: SERVICE_ARN,
      tags: expect.arrayContaining([{ key: 'modeshift:mode', value: 'staging' }]),
    });
  });

  /** The service as ECS describes it after ensureService created it with `mode`'s settings, and `overrides`. */
  async function serviceAsCreated(
    mode: 'development' | 'staging',
    overrides: Partial<Service> = {},
  ): Promise<Service> {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    await ensureService(inputFor(mode), clients);
    const created = ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input;
    ecs.resetHistory();
    const { serviceName, tags, ...settings } = created ?? {};
    return {
      ...settings,
      serviceName,
      serviceArn: SERVICE_ARN,
      status: 'ACTIVE',
      tags,
      ...overrides,
    } as Service;
  }

  it('sends no UpdateService to a service that has every setting already, so ECS starts no deployment', async () => {
    const described = await serviceAsCreated('staging');
    ecs.on(DescribeServicesCommand).resolves({ services: [described] });

    const result = await ensureService(inputFor('staging'), clients);

    expect(result).toEqual({ arn: SERVICE_ARN, action: 'unchanged' });
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(ecs).not.toHaveReceivedCommand(CreateServiceCommand);
    expect(ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: SERVICE_ARN,
      tags: expect.arrayContaining([{ key: 'modeshift:deployment', value: 'deploy-2' }]),
    });
  });

  it('updates a service whose reported setting was changed behind modeshift’s back, though its tag says otherwise', async () => {
    const described = await serviceAsCreated('staging', { desiredCount: 7 });
    ecs.on(DescribeServicesCommand).resolves({ services: [described] });

    const result = await ensureService(inputFor('staging'), clients);

    expect(result.action).toBe('updated');
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { desiredCount: 2 });
  });

  it('updates a service when a setting the endpoint does not report changed (the fingerprint differs)', async () => {
    // Development's deployment configuration is 0/100, staging's 100/200; the local AWS reports neither.
    const {
      deploymentConfiguration: _unreported,
      capacityProviderStrategy: _alsoUnreported,
      ...described
    } = await serviceAsCreated('development');
    ecs.on(DescribeServicesCommand).resolves({ services: [described as Service] });

    const result = await ensureService(inputFor('staging'), clients);

    expect(result.action).toBe('updated');
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      deploymentConfiguration: expect.objectContaining({ minimumHealthyPercent: 100, maximumPercent: 200 }),
    });
  });

  it('turns ECS Exec back on with a new deployment when it was turned off behind modeshift’s back', async () => {
    // Only tasks started after the change get ECS Exec: the running ones are replaced.
    const described = await serviceAsCreated('staging', { enableExecuteCommand: false });
    ecs.on(DescribeServicesCommand).resolves({ services: [described] });

    const result = await ensureService(inputFor('staging'), clients);

    expect(result.action).toBe('updated');
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      enableExecuteCommand: true,
      forceNewDeployment: true,
    });
  });

  it('updates a service when its task definition changed', async () => {
    const described = await serviceAsCreated('staging', {
      taskDefinition: `${TASK_DEFINITION.slice(0, -1)}9`,
    });
    ecs.on(DescribeServicesCommand).resolves({ services: [described] });

    expect((await ensureService(inputFor('staging'), clients)).action).toBe('updated');
  });

  it('forces a new deployment when a promotion moves the service from Fargate Spot to on-demand Fargate', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService()] });

    await ensureService(inputFor('production'), clients);

    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      forceNewDeployment: true,
    });
  });

  it('forces a new deployment when the service ran on a launch type rather than capacity providers', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [activeService({ capacityProviderStrategy: undefined, launchType: 'FARGATE' })],
    });

    await ensureService(inputFor('development'), clients);

    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { forceNewDeployment: true });
  });

  it('fails with Modeshift.ServiceDraining while the service of that name is being deleted', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [activeService({ status: 'DRAINING' })] });

    await expect(ensureService(inputFor('development'), clients)).rejects.toMatchObject({
      name: 'Modeshift.ServiceDraining',
      message: expect.stringContaining('api'),
    });
    expect(ecs).not.toHaveReceivedCommand(CreateServiceCommand);
  });

  it('fails with Modeshift.TargetGroupMissing when a public service has no target group', async () => {
    await expect(
      ensureService({ ...inputFor('development'), loadBalancer: {} }, clients),
    ).rejects.toMatchObject({
      name: 'Modeshift.TargetGroupMissing',
      message: expect.stringContaining('service api'),
    });
    expect(ecs).not.toHaveReceivedCommand(CreateServiceCommand);
  });

  it('refuses a service of its name on the cluster that belongs to another environment, and changes nothing', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        activeService({
          tags: [
            { key: 'modeshift:project', value: 'shop-pr' },
            { key: 'modeshift:environment', value: '42' },
          ],
        }),
      ],
    });

    await expect(ensureService(inputFor('development'), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining(
        'ECS service api in cluster shop--pr-42 belongs to shop-pr/42, not shop/pr-42',
      ),
    });
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { include: ['TAGS'] });
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(ecs).not.toHaveReceivedCommand(TagResourceCommand);
  });
});
