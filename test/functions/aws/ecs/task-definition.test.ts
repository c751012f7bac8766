import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags, type ServiceSpec } from '../../../../core/execution-input.ts';
import { environmentNames } from '../../../../core/names.ts';
import {
  containerWiring,
  type RegisterTaskDefinitionInput,
  registerTaskDefinition,
} from '../../../../functions/aws/ecs/task-definition.ts';

/** The tags of a task definition revision of this environment, as DescribeTaskDefinition returns them. */
const OWNED = [
  { key: 'modeshift:project', value: 'shop' },
  { key: 'modeshift:environment', value: 'pr-42' },
];
const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'us-east-1' });

const FAMILY_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop--pr-42--api';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--api';
const DB_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0f3c-AbCdEf';
const STRIPE_PARAMETER = 'arn:aws:ssm:us-east-1:123456789012:parameter/modeshift/shop/pr-42/STRIPE_KEY';
const DATABASES = [
  {
    name: 'db',
    instance: 'shop-pr-42-db',
    databaseName: 'shop',
    username: 'shop',
    endpoint: 'db.rds.example',
    secretArn: DB_SECRET,
  },
];

const api: ServiceSpec = {
  name: 'api',
  image: 'ghcr.io/acme/api:1.4.2',
  build: false,
  cpu: 512,
  memory: 1024,
  replicas: 2,
  ports: [{ target: 8080, protocol: 'tcp' }],
  public: true,
  healthCheck: {
    command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
    intervalSeconds: 15,
    timeoutSeconds: 5,
    retries: 3,
    startPeriodSeconds: 10,
  },
  environment: { NODE_ENV: 'production', DATABASE_HOST: 'db' },
  secrets: ['DATABASE_PASSWORD', 'STRIPE_KEY'],
  database: 'db',
  command: ['node', 'server.js'],
  dependsOn: [],
};

function inputFor(service: ServiceSpec, images: RegisterTaskDefinitionInput['images'] = []) {
  return {
    service,
    project: 'shop',
    environment: 'pr-42',
    images,
    names: environmentNames('shop', 'pr-42'),
    deploymentId: 'deploy-2',
    tags: modeshiftTags('shop', 'pr-42', 'production', 'deploy-2'),
    executionRoleArn: EXECUTION_ROLE,
    wiring: containerWiring(service, {
      names: environmentNames('shop', 'pr-42'),
      databases: DATABASES,
      accountId: '123456789012',
      region: 'us-east-1',
    }),
    region: 'us-east-1',
  } satisfies RegisterTaskDefinitionInput;
}

/** The api's definition as ECS describes it: defaults filled in, variables in another order. */
function describedApi(revision: number, overrides: { image?: string } = {}): TaskDefinition {
  return {
    taskDefinitionArn: `${FAMILY_ARN}:${revision}`,
    family: 'shop--pr-42--api',
    revision,
    status: 'ACTIVE',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: EXECUTION_ROLE,
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    volumes: [],
    containerDefinitions: [
      {
        name: 'api',
        image: overrides.image ?? 'ghcr.io/acme/api:1.4.2',
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'api-8080-tcp' }],
        environment: [
          { name: 'PGUSER', value: 'shop' },
          { name: 'NODE_ENV', value: 'production' },
          { name: 'PGHOST', value: 'db' },
          { name: 'DATABASE_HOST', value: 'db' },
          { name: 'PGDATABASE', value: 'shop' },
          { name: 'PGPORT', value: '5432' },
        ],
        secrets: [
          { name: 'STRIPE_KEY', valueFrom: STRIPE_PARAMETER },
          { name: 'PGPASSWORD', valueFrom: `${DB_SECRET}:password::` },
          { name: 'DATABASE_PASSWORD', valueFrom: `${DB_SECRET}:password::` },
        ],
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-stream-prefix': 'api',
            'awslogs-group': '/modeshift/shop/pr-42/api',
            'awslogs-region': 'us-east-1',
          },
          secretOptions: [],
        },
        healthCheck: {
          command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
          interval: 15,
          timeout: 5,
          retries: 3,
          startPeriod: 10,
        },
        command: ['node', 'server.js'],
      },
    ],
  };
}

beforeEach(() => {
  ecs.reset();
  ecs
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { taskDefinitionArn: `${FAMILY_ARN}:8` } });
});

describe('RegisterTaskDefinition', () => {
  it('registers a Fargate task definition with one essential container named after the service', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });

    const result = await registerTaskDefinition(inputFor(api), { ecs: client });

    expect(result).toEqual({ arn: `${FAMILY_ARN}:8` });
    expect(ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      family: 'shop--pr-42--api',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      executionRoleArn: EXECUTION_ROLE,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      tags: [
        { key: 'modeshift:project', value: 'shop' },
        { key: 'modeshift:environment', value: 'pr-42' },
        { key: 'modeshift:mode', value: 'production' },
        { key: 'modeshift:deployment', value: 'deploy-2' },
      ],
      containerDefinitions: [
        {
          name: 'api',
          image: 'ghcr.io/acme/api:1.4.2',
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp', name: 'api-8080-tcp' }],
          environment: [
            { name: 'DATABASE_HOST', value: 'db' },
            { name: 'NODE_ENV', value: 'production' },
            { name: 'PGDATABASE', value: 'shop' },
            { name: 'PGHOST', value: 'db' },
            { name: 'PGPORT', value: '5432' },
            { name: 'PGUSER', value: 'shop' },
          ],
          secrets: [
            { name: 'DATABASE_PASSWORD', valueFrom: `${DB_SECRET}:password::` },
            { name: 'STRIPE_KEY', valueFrom: STRIPE_PARAMETER },
            { name: 'PGPASSWORD', valueFrom: `${DB_SECRET}:password::` },
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/modeshift/shop/pr-42/api',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'api',
            },
          },
          healthCheck: {
            command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 10,
          },
          command: ['node', 'server.js'],
        },
      ],
    });
  });

  it('passes secrets as references only, never values: config values by parameter ARN, the database password from its RDS-managed secret', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });

    await registerTaskDefinition(inputFor(api), { ecs: client });

    const container = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
      .containerDefinitions?.[0];
    expect(container?.secrets).toHaveLength(3);
    for (const secret of container?.secrets ?? []) {
      expect(Object.keys(secret).sort()).toEqual(['name', 'valueFrom']);
    }
    expect(container?.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', valueFrom: `${DB_SECRET}:password::` },
      { name: 'STRIPE_KEY', valueFrom: STRIPE_PARAMETER },
      { name: 'PGPASSWORD', valueFrom: `${DB_SECRET}:password::` },
    ]);
    expect(container?.environment?.map((variable) => variable.name)).not.toContain('DATABASE_PASSWORD');
  });

  it('runs the image the build produced for a built service', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    const { image: _unused, ...withoutImage } = api;
    const built: ServiceSpec = { ...withoutImage, build: true };

    await registerTaskDefinition(
      inputFor(built, [
        { service: 'web', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/pr-42/web:deploy-2' },
        { service: 'api', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/pr-42/api:deploy-2' },
      ]),
      { ecs: client },
    );

    const container = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
      .containerDefinitions?.[0];
    expect(container?.image).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/pr-42/api:deploy-2');
  });

  it('fails with Modeshift.ImageMissing when a built service has no built image', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    const built: ServiceSpec = { ...api, build: true };

    await expect(
      registerTaskDefinition(inputFor(built, [{ service: 'web', image: 'web:deploy-2' }]), { ecs: client }),
    ).rejects.toMatchObject({
      name: 'Modeshift.ImageMissing',
      message: expect.stringContaining('service api'),
    });
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  it('sets entrypoint and leaves out health check and command when the service has none', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    const { healthCheck: _health, command: _command, ...plain } = api;

    await registerTaskDefinition(inputFor({ ...plain, entrypoint: ['/bin/sh', '-c'] }), { ecs: client });

    const container = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
      .containerDefinitions?.[0];
    expect(container?.entryPoint).toEqual(['/bin/sh', '-c']);
    expect(container).not.toHaveProperty('healthCheck');
    expect(container).not.toHaveProperty('command');
  });

  it('returns the latest ACTIVE revision instead of registering when its definition is unchanged', async () => {
    ecs
      .on(ListTaskDefinitionsCommand)
      .resolves({ taskDefinitionArns: [`${FAMILY_ARN}:6`, `${FAMILY_ARN}:7`] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ tags: OWNED, taskDefinition: describedApi(7) });

    const result = await registerTaskDefinition(inputFor(api), { ecs: client });

    expect(result).toEqual({ arn: `${FAMILY_ARN}:7` });
    expect(ecs).toHaveReceivedCommandWith(ListTaskDefinitionsCommand, {
      familyPrefix: 'shop--pr-42--api',
      status: 'ACTIVE',
    });
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: `${FAMILY_ARN}:7`,
    });
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  it('registers a new revision when the latest one runs another image', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [`${FAMILY_ARN}:7`] });
    ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ tags: OWNED, taskDefinition: describedApi(7, { image: 'ghcr.io/acme/api:1.4.1' }) });

    const result = await registerTaskDefinition(inputFor(api), { ecs: client });

    expect(result).toEqual({ arn: `${FAMILY_ARN}:8` });
    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
  });

  it('registers a new revision when a variable changed', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [`${FAMILY_ARN}:7`] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ tags: OWNED, taskDefinition: describedApi(7) });

    await registerTaskDefinition(
      inputFor({ ...api, environment: { ...api.environment, NODE_ENV: 'staging' } }),
      {
        ecs: client,
      },
    );

    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
  });

  it('compares with the highest revision of the exact family only', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({
      taskDefinitionArns: [`${FAMILY_ARN}:7`, `${FAMILY_ARN}-worker:12`, `${FAMILY_ARN}:3`],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ tags: OWNED, taskDefinition: describedApi(7) });

    await registerTaskDefinition(inputFor(api), { ecs: client });

    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: `${FAMILY_ARN}:7`,
    });
  });
});

describe('containerWiring', () => {
  const context = {
    names: environmentNames('shop', 'pr-42'),
    databases: DATABASES,
    accountId: '123456789012',
    region: 'us-east-1',
  };

  it('names the resource the execution role must read for each secret', () => {
    const fromDatabase = { valueFrom: `${DB_SECRET}:password::`, resource: DB_SECRET, kind: 'secret' };
    expect(containerWiring(api, context).secrets).toEqual([
      { name: 'DATABASE_PASSWORD', ...fromDatabase },
      { name: 'STRIPE_KEY', valueFrom: STRIPE_PARAMETER, resource: STRIPE_PARAMETER, kind: 'parameter' },
      { name: 'PGPASSWORD', ...fromDatabase },
    ]);
  });

  it("adds its database's connection settings to the service's own environment", () => {
    expect(containerWiring(api, context).environment).toEqual({
      NODE_ENV: 'production',
      DATABASE_HOST: 'db',
      PGHOST: 'db',
      PGPORT: '5432',
      PGDATABASE: 'shop',
      PGUSER: 'shop',
    });
  });

  it('reads every secret of a service wired to no database from config', () => {
    const { database: _none, ...unwired } = api;
    expect(containerWiring(unwired, context).secrets.map((secret) => secret.kind)).toEqual([
      'parameter',
      'parameter',
    ]);
  });

  it('refuses a database password whose database has no managed secret, naming service, variable and database', () => {
    const withoutSecret = DATABASES.map(({ secretArn: _none, ...database }) => database);
    expect(() => containerWiring(api, { ...context, databases: withoutSecret })).toThrow(
      /service api reads DATABASE_PASSWORD from database db, whose RDS-managed password secret was not found/,
    );
    expect(() => containerWiring(api, { ...context, databases: [] })).toThrow(
      /service api is wired to database db, which the deployment did not provide/,
    );
  });
});
