/**
 * The rules that keep a deployment safe, each checked end to end: secret
 * values never pass through modeshift; the bus subscriptions and the handlers
 * accept only modeshift's own events; a production down needs `confirm`;
 * production → development needs `force` and `confirm`. The workflows run through the
 * local engine with AWS mocked (test/support/workflow-harness.ts).
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateServiceCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateDBInstanceCommand, DeleteDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { composeToRequest } from '../../core/compose.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { databaseNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { deployRequested } from '../../functions/deploy-requested.ts';
import { downRequested } from '../../functions/down-requested.ts';
import { MODESHIFT_SOURCE } from '../../functions/requests/request-event.ts';
import { type EnsureDatabasesInput, ensureDatabases } from '../../functions/steps/ensure-databases.ts';
import { type RolloutServicesInput, rolloutServices } from '../../functions/steps/rollout-services.ts';
import { DEPLOY_MACHINE, requestDeps } from '../support/request-deps.ts';
import {
  aws,
  environmentRecord,
  NOW,
  previousRecord,
  resetAws,
  runDeploy,
  runDown,
  shopDeployInput,
  shopDownInput,
} from '../support/workflow-harness.ts';
import { countReliability } from './stats.ts';

// The request handlers' Step Functions; the harness has DynamoDB and EventBridge mocked already.
const sfn = mockClient(SFNClient);

beforeEach(() => {
  resetAws();
  sfn.reset();
  sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
  sfn
    .on(StartExecutionCommand)
    .resolves({ executionArn: `${DEPLOY_MACHINE.replace(':stateMachine:', ':execution:')}:x` });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const SECRET = 'hunter2-secret';

/** An API with a secret (a variable without a value) and a Postgres given a password, as people write them. */
const COMPOSE_WITH_SECRETS = `name: shop
services:
  api:
    image: ghcr.io/acme/api:1.4.2
    ports: ["8080"]
    environment:
      DATABASE_HOST: db
      DATABASE_PASSWORD:
    depends_on: [db]
  db:
    image: postgres:16
    x-defang-postgres: true
    environment:
      POSTGRES_DB: shop
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: ${SECRET}
`;

/** Everything written to stdout, stderr and the console from now on (passed through as well). */
function captureOutput(): () => string {
  const spies = [
    vi.spyOn(process.stdout, 'write'),
    vi.spyOn(process.stderr, 'write'),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method),
    ),
  ];
  return () =>
    spies.flatMap((spy) => spy.mock.calls.map((call) => call.map((arg) => String(arg)).join(' '))).join('\n');
}

/** Every input every mocked AWS client was sent, by client and command. */
function everySdkCall(): Array<{ where: string; input: unknown }> {
  const mocks = { ...aws, sfn } as Record<string, { calls(): Array<{ args: unknown[] }> }>;
  return Object.entries(mocks).flatMap(([client, mock]) =>
    mock.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: unknown };
      return { where: `${client} ${command.constructor.name}`, input: command.input };
    }),
  );
}

/** Every key anywhere in a JSON-like value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [key, ...keysOf(item)]);
  }
  return [];
}

describe('safety rule — secret values never leak', () => {
  it('keeps "hunter2-secret" out of the input, the workflow, the records, the events, the steps and the logs', async () => {
    // Prepare: the secret is also in the shell environment, where a compose tool would look for a valueless variable.
    const output = captureOutput();
    const variables = { DATABASE_PASSWORD: SECRET, POSTGRES_PASSWORD: SECRET };
    const logger = new Logger({ serviceName: 'modeshift', logLevel: 'DEBUG' });
    aws.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    aws.ecs.on(CreateServiceCommand).callsFake((created: { serviceName?: string }) => ({
      service: { serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/x/${created.serviceName}` },
    }));
    aws.ecs.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/x:1' },
    });

    // Act: compose → request → execution input → handler → deploy workflow → the two steps that touch secrets.
    const composed = composeToRequest(COMPOSE_WITH_SECRETS, {
      environment: 'pr-1',
      mode: 'production',
      deploymentId: 'deploy-secret',
      variables,
    });
    const { request } = composed;
    const input = buildDeployInput(request, resolvePolicy(request.mode), NOW);
    const handled = await deployRequested(
      { 'detail-type': 'Deploy Requested', source: 'modeshift', detail: request },
      requestDeps(NOW, logger),
    );
    const run = await runDeploy(input);
    const rolloutInputs = run.inputsOf('RolloutServices') as unknown as RolloutServicesInput[];
    const databaseInputs = run.inputsOf('EnsureDatabases') as unknown as EnsureDatabasesInput[];
    // The rollout's service registration answers from a mocked Cloud Map (the harness mocks ECS and RDS).
    const cloudMap = mockClient(ServiceDiscoveryClient);
    cloudMap.onAnyCommand().resolves({});
    cloudMap.on(CreateDiscoveryServiceCommand).resolves({
      Service: { Arn: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1', Id: 'srv-1' },
    });
    // And its autoscaling (production scales) from a mocked Application Auto Scaling with nothing registered.
    const autoscaling = mockClient(ApplicationAutoScalingClient);
    autoscaling.onAnyCommand().resolves({});
    for (const stepInput of rolloutInputs) {
      // The harness's load balancer has no target groups; the real one has one per public service.
      const targetGroups = stepInput.services
        .filter((service) => service.public)
        .map((service) => ({
          service: service.name,
          arn: `arn:aws:elasticloadbalancing:tg/${service.name}`,
          port: service.ports[0]?.target ?? 80,
        }));
      const withTargetGroups = {
        ...stepInput,
        loadBalancer: { ...stepInput.loadBalancer, targetGroups },
      } as RolloutServicesInput;
      await rolloutServices(withTargetGroups, {
        ecs: new ECSClient({ region: 'us-east-1' }),
        servicediscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
        iam: new IAMClient({ region: 'us-east-1' }),
        applicationautoscaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
      });
    }
    cloudMap.restore();
    autoscaling.restore();
    for (const stepInput of databaseInputs) {
      await ensureDatabases(stepInput, { rds: new RDSClient({ region: 'us-east-1' }) });
    }
    logger.info('deployment finished', { result: run.result.status });
    const written = output();

    // Assert: the path ran, and every place a value could surface was captured.
    expect(request.services.find((service) => service.name === 'api')?.secrets).toEqual([
      'DATABASE_PASSWORD',
    ]);
    expect(handled.outcome).toBe('started');
    expect(run.result.status).toBe('SUCCEEDED');
    expect(rolloutInputs).toHaveLength(1);
    expect(databaseInputs).toHaveLength(1);
    expect(written).toContain('workflow started');
    const places: Array<{ where: string; value: unknown }> = [
      { where: 'compose warnings', value: composed.warnings },
      { where: 'the request', value: request },
      { where: 'the execution input', value: input },
      { where: 'the execution history', value: run.result },
      ...run.calls.map((call) => ({ where: `Lambda step ${call.step} input`, value: call.input })),
      ...everySdkCall().map((call) => ({ where: call.where, value: call.input })),
      { where: 'stdout, stderr and the console', value: written },
    ];
    expect(places.map((place) => place.where)).toEqual(
      expect.arrayContaining([
        'dynamodb PutItemCommand',
        'dynamodb UpdateItemCommand',
        'events PutEventsCommand',
        'sfn StartExecutionCommand',
        'ecs RegisterTaskDefinitionCommand',
        'rds CreateDBInstanceCommand',
      ]),
    );
    const leaks = places.filter((place) => JSON.stringify(place.value ?? null).includes(SECRET));
    expect(leaks.map((place) => place.where)).toEqual([]);

    // The database step gets no password field; RDS is told to manage the password itself.
    expect(keysOf(databaseInputs[0]).filter((key) => /password/i.test(key))).toEqual([]);
    expect(aws.rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, { ManageMasterUserPassword: true });
    expect(
      aws.rds.commandCalls(CreateDBInstanceCommand)[0]?.args[0].input.MasterUserPassword,
    ).toBeUndefined();
    // The task definition carries the secret as a name and a reference to the RDS-managed secret only.
    const api = rolloutInputs[0]?.services.find((service) => service.name === 'api');
    expect(api?.secrets).toEqual(['DATABASE_PASSWORD']);
    expect(api?.database).toBe('db');
    expect(Object.keys(api?.environment ?? {})).not.toContain('DATABASE_PASSWORD');
    const container = aws.ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
      .containerDefinitions?.[0];
    const secretArn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-${databaseNames('shop', 'pr-1', 'db').instance}-AbCdEf`;
    expect(container?.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', valueFrom: `${secretArn}:password::` },
      { name: 'PGPASSWORD', valueFrom: `${secretArn}:password::` },
    ]);
    expect(container?.environment?.map((variable) => variable.name)).not.toContain('DATABASE_PASSWORD');
    countReliability('safetyRulesChecked');
  });
});

describe('safety rule — only modeshift’s own events start anything', () => {
  const SUBSCRIPTIONS = ['OnDeployRequested', 'OnDownRequested', 'OnWorkflowFinished'];

  it('refuses Deploy and Down Requested from any other source, starting nothing and taking no lock', async () => {
    const request = {
      project: 'shop',
      environment: 'pr-1',
      mode: 'development',
      deploymentId: 'deploy-1',
      services: [{ name: 'web', image: 'nginx:1.27' }],
    };
    for (const source of ['aws.s3', 'modeshift.evil', 'Modeshift', ' modeshift', '', null]) {
      const deploy = await deployRequested(
        { 'detail-type': 'Deploy Requested', source, detail: request },
        requestDeps(NOW),
      );
      const down = await downRequested(
        { 'detail-type': 'Down Requested', source, detail: { project: 'shop', environment: 'pr-1' } },
        requestDeps(NOW),
      );

      expect(deploy).toMatchObject({
        outcome: 'rejected',
        problems: [expect.objectContaining({ path: 'source' })],
      });
      expect(down).toMatchObject({
        outcome: 'rejected',
        problems: [expect.objectContaining({ path: 'source' })],
      });
    }
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(aws.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);

    // The stack subscribes each handler with a pattern naming modeshift's source only (a second, textual check).
    const stack = readFileSync(new URL('../../stacks/request-handlers.ts', import.meta.url), 'utf8');
    const subscriptions = [
      ...stack.matchAll(/bus\.subscribe\(\s*'(\w+)',[^{]*\{\s*pattern:\s*\{\s*source:\s*\[([^\]]*)\]/g),
    ].map((match) => ({ name: match[1], sources: match[2]?.trim() }));
    expect(subscriptions).toEqual(SUBSCRIPTIONS.map((name) => ({ name, sources: `'${MODESHIFT_SOURCE}'` })));
    expect(stack.match(/bus\.subscribe\(/g)).toHaveLength(SUBSCRIPTIONS.length);
    countReliability('safetyRulesChecked');
  });
});

describe('safety rule — a production down needs confirm', () => {
  it('refuses without confirm or with another environment’s name, touching nothing; proceeds when confirmed', async () => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord('production'));
    const missing = await runDown(shopDownInput());
    const wrong = await runDown(shopDownInput('pr-2'));

    expect(missing.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ProductionDownNotConfirmed' });
    expect(wrong.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ProductionDownNotConfirmed' });
    expect([...missing.calls, ...wrong.calls].map((call) => call.step)).toEqual([
      'DescribeFailure',
      'DescribeFailure',
    ]);
    expect(aws.rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(aws.scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);

    const confirmed = await runDown(shopDownInput('pr-1'));

    expect(confirmed.result.status).toBe('SUCCEEDED');
    // DeleteDatabases with finalSnapshot sends SkipFinalSnapshot: false (test/functions/steps/delete-databases.test.ts).
    expect(confirmed.inputsOf('DeleteDatabases')).toEqual([expect.objectContaining({ finalSnapshot: true })]);
    countReliability('safetyRulesChecked');
  });
});

describe('safety rule — production → development needs force and confirm', () => {
  it('refuses before building or provisioning anything, also with force alone; proceeds with force and confirm', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});
    const refused = await runDeploy(shopDeployInput('development'));

    expect(refused.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ModeChangeRefused' });
    expect(refused.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Deployment Failed' })],
    });

    resetAws();
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});
    const unconfirmed = await runDeploy(shopDeployInput('development', { force: true }));
    expect(unconfirmed.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ModeChangeRefused' });
    expect(unconfirmed.calls.map((call) => call.step)).toEqual(['DescribeFailure']);

    resetAws();
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});
    const forced = await runDeploy(shopDeployInput('development', { force: true, confirm: 'pr-1' }));

    expect(forced.result.status).toBe('SUCCEEDED');
    expect(forced.calls.map((call) => call.step)).toContain('StartBuilds');
    countReliability('safetyRulesChecked');
  });
});
