import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from 'vitest';
import { databaseNames } from '../../core/names.ts';
import { MODE_POLICIES } from '../../core/policy.ts';
import { StepError } from '../../functions/step-errors.ts';
import { aws, previousRecord, resetAws, runDeploy, shopDeployInput } from '../support/workflow-harness.ts';

const DB_INSTANCE = databaseNames('shop', 'pr-1', 'db').instance;

beforeEach(() => {
  resetAws();
});

const modeCases = [
  {
    mode: 'development',
    compute: 'BUILD_GENERAL1_SMALL',
    capacity: 'FARGATE_SPOT',
    retention: 1,
    protection: 'false',
    // Behind the project's shared load balancer, which keeps no access logs.
    accessLogs: 'false',
    nat: 0,
    strategy: 'replace',
    redirect: 'HTTP_302',
    ttl: 60,
    write: 'recreate',
  },
  {
    mode: 'staging',
    compute: 'BUILD_GENERAL1_SMALL',
    capacity: 'FARGATE_SPOT',
    retention: 7,
    protection: 'false',
    accessLogs: 'false',
    nat: 1,
    strategy: 'rolling',
    redirect: 'HTTP_301',
    ttl: 300,
    write: 'upsert',
  },
  {
    mode: 'production',
    compute: 'BUILD_GENERAL1_MEDIUM',
    capacity: 'FARGATE',
    retention: 30,
    protection: 'true',
    accessLogs: 'true',
    nat: 2,
    strategy: 'rolling',
    redirect: 'HTTP_301',
    ttl: 3600,
    write: 'upsert',
  },
] as const;

describe.each(modeCases)('deploy workflow — $mode', (expected) => {
  const deploy = () => runDeploy(shopDeployInput(expected.mode));

  it('succeeds and records the deployment', async () => {
    const { result } = await deploy();

    expect(result.status, `${result.failedState}: ${result.error} ${result.cause}`).toBe('SUCCEEDED');
    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: '#lockId = :lock',
      ExpressionAttributeValues: expect.objectContaining({
        ':deployed': { S: 'deployed' },
        ':mode': { S: expected.mode },
      }),
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ status: { S: 'succeeded' }, mode: { S: expected.mode } }),
    });
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Deployment Succeeded', Source: 'modeshift' })],
    });
  });

  it(`builds every built service with ${expected.compute} in one step, waiting for all builds`, async () => {
    const run = await deploy();

    expect(run.inputsOf('StartBuilds')).toEqual([
      expect.objectContaining({
        computeType: expected.compute,
        imageTag: `deploy-${expected.mode}`,
        builds: [expect.objectContaining({ service: 'web' }), expect.objectContaining({ service: 'api' })],
      }),
    ]);
    expect(run.inputsOf('CheckBuilds')).toEqual([
      { builds: [expect.objectContaining({ service: 'web' }), expect.objectContaining({ service: 'api' })] },
    ]);
  });

  it(`runs the cluster on ${expected.capacity} by default`, async () => {
    const run = await deploy();

    expect(run.inputsOf('EnsureCluster')).toEqual([
      expect.objectContaining({
        capacityProvider: expected.capacity,
        names: expect.objectContaining({ cluster: 'shop--pr-1' }),
      }),
    ]);
  });

  it(`keeps logs for ${expected.retention} days, every service's log group in one step`, async () => {
    const run = await deploy();

    expect(run.inputsOf('EnsureLogGroups')).toEqual([
      expect.objectContaining({
        retentionInDays: expected.retention,
        project: 'shop',
        environment: 'pr-1',
        services: expect.arrayContaining(['web', 'api', 'worker']),
      }),
    ]);
  });

  it(`sets load balancer deletion protection to ${expected.protection} with access logs ${expected.accessLogs === 'true' ? 'on' : 'off'}`, async () => {
    await deploy();

    expect(aws.elbv2).toHaveReceivedCommandWith(ModifyLoadBalancerAttributesCommand, {
      Attributes: expect.arrayContaining([
        { Key: 'deletion_protection.enabled', Value: expected.protection },
        { Key: 'access_logs.s3.enabled', Value: expected.accessLogs },
      ]),
    });
  });

  it(`asks for ${expected.nat} NAT gateways`, async () => {
    const run = await deploy();

    expect(run.inputsOf('EnsureNatGateways').map((input) => input.count)).toEqual([expected.nat]);
  });

  it(`deploys every service with the ${expected.strategy} strategy and the mode’s capacity and deployment configuration`, async () => {
    const run = await deploy();

    const waves = run.inputsOf('RolloutServices');
    expect(
      waves
        .flatMap((input) => (input.services as Array<{ name: string }>).map((service) => service.name))
        .sort(),
    ).toEqual(['api', 'web', 'worker']);
    for (const input of waves) {
      expect(input.strategy).toBe(expected.strategy);
      expect(input.policy).toMatchObject({
        capacityProvider: expected.capacity,
        minimumHealthyPercent: MODE_POLICIES[expected.mode].minimumHealthyPercent,
        maximumPercent: MODE_POLICIES[expected.mode].maximumPercent,
        circuitBreakerRollback: true,
      });
    }
  });

  it('rolls out every service with what it depends on: web and worker after api, the database left out', async () => {
    const run = await deploy();

    const [rollout] = run.inputsOf('RolloutServices');
    const dependsOn = Object.fromEntries(
      ((rollout?.services ?? []) as Array<{ name: string; dependsOn: string[] }>).map((service) => [
        service.name,
        service.dependsOn,
      ]),
    );
    expect(dependsOn).toEqual({ api: [], web: ['api'], worker: ['api'] });
    expect(rollout?.rollout).toEqual(expect.any(String));
  });

  it('creates the database with the mode’s class, encryption, protection and apply-immediately', async () => {
    const run = await deploy();

    const [input] = run.inputsOf('EnsureDatabases');
    expect(input?.databases).toEqual([expect.objectContaining({ name: 'db', instance: DB_INSTANCE })]);
    expect(input?.policy).toMatchObject({
      dbInstanceClass: MODE_POLICIES[expected.mode].dbInstanceClass,
      storageEncrypted: true,
      dbDeletionProtection: MODE_POLICIES[expected.mode].dbDeletionProtection,
      applyImmediately: MODE_POLICIES[expected.mode].applyImmediately,
    });
  });

  it(`redirects HTTP to HTTPS with ${expected.redirect}`, async () => {
    const run = await deploy();

    expect(run.inputsOf('EnsureListeners')).toEqual([
      expect.objectContaining({ mode: 'redirect', redirectCode: expected.redirect }),
    ]);
  });

  it(`writes DNS records with TTL ${expected.ttl} by ${expected.write}`, async () => {
    const run = await deploy();

    expect(run.inputsOf('WriteDnsRecords')).toEqual([
      expect.objectContaining({ writeMode: expected.write, ttl: expected.ttl }),
    ]);
    expect(run.inputsOf('EnsureCertificate')).toEqual([
      expect.objectContaining({ writeMode: expected.write, ttl: expected.ttl }),
    ]);
  });
});

describe('deploy workflow — expiry', () => {
  it('arms a one-time Down Requested schedule before anything is deployed when the request has a ttl', async () => {
    const run = await runDeploy(shopDeployInput('development', { ttl: '24h' }));

    expect(aws.scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'shop--pr-1-expiry',
      ScheduleExpression: 'at(2026-11-27T07:00:00)',
      ActionAfterCompletion: 'DELETE',
      Target: expect.objectContaining({
        EventBridgeParameters: { DetailType: 'Down Requested', Source: 'modeshift' },
        Input: JSON.stringify({ project: 'shop', environment: 'pr-1', reason: 'expired' }),
      }),
    });
    expect(run.entered.indexOf('CreateExpirySchedule')).toBeLessThan(run.entered.indexOf('Foundations'));
  });

  it('updates the schedule an earlier deploy armed, once it is found to be the environment’s', async () => {
    const run = await runDeploy(shopDeployInput('development', { ttl: '24h' }), {
      answers: { CheckExpirySchedule: { exists: true } },
    });

    expect(aws.scheduler).toHaveReceivedCommandWith(UpdateScheduleCommand, { Name: 'shop--pr-1-expiry' });
    expect(aws.scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(run.entered.indexOf('ArmExpiry')).toBeLessThan(run.entered.indexOf('UpdateExpirySchedule'));
  });

  it('touches no schedule of its name that is another environment’s, and fails with Modeshift.NotOwned', async () => {
    const refused = new StepError(
      'Modeshift.NotOwned',
      'expiry schedule shop--pr-1-expiry belongs to a/b, not shop/pr-1',
    );
    const run = await runDeploy(shopDeployInput('development'), {
      failing: { CheckExpirySchedule: refused },
    });

    expect(run.result.status).toBe('FAILED');
    expect(run.result.error).toBe('Modeshift.NotOwned');
    expect(aws.scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(aws.scheduler).not.toHaveReceivedCommand(UpdateScheduleCommand);
    expect(run.entered).not.toContain('EnsureNetwork');
  });

  it('leaves the schedules alone when there is none and the request has no ttl', async () => {
    await runDeploy(shopDeployInput('development'));

    expect(aws.scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(aws.scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('removes an earlier expiry schedule when the request has no ttl', async () => {
    await runDeploy(shopDeployInput('development'), { answers: { CheckExpirySchedule: { exists: true } } });

    expect(aws.scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: 'shop--pr-1-expiry' });
    expect(aws.scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });
});

describe('deploy workflow — mode changes', () => {
  it('refuses production → development without force, before provisioning, and releases the lock', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});

    const run = await runDeploy(shopDeployInput('development'));

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ModeChangeRefused' });
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId'),
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'deployed' } }),
    });
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Deployment Failed' })],
    });
  });

  it('refuses production → development with force but no confirm naming the environment', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});

    const run = await runDeploy(shopDeployInput('development', { force: true, confirm: 'pr-2' }));

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ModeChangeRefused' });
    expect(run.result.cause).toContain("needs force: true with confirm: 'pr-1' (--force --confirm pr-1)");
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
  });

  it('allows production → development with force and confirm, and records the downgrade warning', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});

    const run = await runDeploy(shopDeployInput('development', { force: true, confirm: 'pr-1' }));

    expect(run.result.status).toBe('SUCCEEDED');
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ warning: { S: 'mode downgraded from production to development' } }),
    });
  });

  it('adds the mode to the modes the environment was ever deployed in, when it takes the lock', async () => {
    await runDeploy(shopDeployInput('production'));

    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringMatching(/^SET #lockId = :lock, .* ADD #modesDeployed :modes$/),
      ExpressionAttributeNames: expect.objectContaining({ '#modesDeployed': 'modesDeployed' }),
      ExpressionAttributeValues: expect.objectContaining({ ':modes': { SS: ['production'] } }),
    });
  });

  it('records each override in the history, a confirmed production protection marked as such', async () => {
    const run = await runDeploy(
      shopDeployInput('production', {
        confirm: 'pr-1',
        overrides: { finalSnapshotOnDown: false, logRetentionDays: 7 },
      }),
    );

    expect(run.result.status).toBe('SUCCEEDED');
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        action: { S: 'deploy' },
        overrides: { S: 'logRetentionDays=7, finalSnapshotOnDown=false (confirmed)' },
      }),
    });
  });

  it('proceeds with a production → staging downgrade and records a warning', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});

    const run = await runDeploy(shopDeployInput('staging'));

    expect(run.result.status).toBe('SUCCEEDED');
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ warning: { S: 'mode downgraded from production to staging' } }),
    });
  });

  it('re-applies retention, TTLs, deletion protection and capacity when development is promoted to production', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('development')).resolves({});
    const run = await runDeploy(shopDeployInput('production'));

    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.inputsOf('StartBuilds')[0]).toMatchObject({ computeType: 'BUILD_GENERAL1_MEDIUM' });
    expect(run.inputsOf('EnsureLogGroups')[0]).toMatchObject({ retentionInDays: 30 });
    expect(aws.elbv2).toHaveReceivedCommandWith(ModifyLoadBalancerAttributesCommand, {
      Attributes: expect.arrayContaining([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    expect(run.inputsOf('EnsureCluster')[0]).toMatchObject({ capacityProvider: 'FARGATE' });
    expect(run.inputsOf('WriteDnsRecords')[0]).toMatchObject({ ttl: 3600, writeMode: 'upsert' });
    expect(run.inputsOf('EnsureDatabases')[0]?.policy).toMatchObject({
      dbDeletionProtection: true,
      dbInstanceClass: 'db.m7g.large',
    });
    expect(run.inputsOf('RolloutServices')[0]?.policy).toMatchObject({ capacityProvider: 'FARGATE' });
  });
});

describe('deploy workflow — pruning', () => {
  const kept = {
    keptDatabases: ['shop--pr-1--olddb'],
    warning: 'database shop--pr-1--olddb is no longer in the compose file and is kept',
  };
  const succeededEvent = () =>
    aws.events
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries?.[0])
      .find((entry) => entry?.DetailType === 'Deployment Succeeded');

  it('prunes after the DNS records are written, with the services, public services and databases of the request', async () => {
    const run = await runDeploy(shopDeployInput('staging'));

    expect(run.entered.indexOf('PruneServices')).toBeGreaterThan(run.entered.indexOf('UpsertDnsRecords'));
    expect(run.entered.indexOf('FinishPruning')).toBeGreaterThan(run.entered.indexOf('PruneServices'));
    expect(run.entered.indexOf('FinishPruning')).toBeLessThan(run.entered.indexOf('MarkDeployed'));
    expect(run.inputsOf('PruneServices')).toEqual([
      {
        project: 'shop',
        environment: 'pr-1',
        names: expect.objectContaining({ prefix: 'shop--pr-1', cluster: 'shop--pr-1' }),
        services: expect.arrayContaining(['web', 'api', 'worker']),
        containers: expect.arrayContaining(['web', 'api', 'worker']),
        publicServices: [expect.objectContaining({ service: 'web' })],
      },
    ]);
    expect(run.inputsOf('FinishPruning')).toEqual([
      {
        project: 'shop',
        environment: 'pr-1',
        names: expect.objectContaining({ prefix: 'shop--pr-1', cluster: 'shop--pr-1' }),
        services: expect.arrayContaining(['web', 'api', 'worker']),
        // staging has ECS Exec on: every service gets a task role with its channel.
        taskRoles: expect.arrayContaining(['web', 'api', 'worker']),
        databases: [expect.objectContaining({ instance: DB_INSTANCE })],
      },
    ]);
  });

  it('records no warning and reports no database when none is kept', async () => {
    await runDeploy(shopDeployInput('staging'));

    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ status: { S: 'succeeded' }, warning: { S: '' } }),
    });
    expect(JSON.parse(succeededEvent()?.Detail ?? '{}')).not.toHaveProperty('keptDatabases');
  });

  it('records a kept database as the warning and names it in Deployment Succeeded', async () => {
    const run = await runDeploy(shopDeployInput('staging'), { answers: { FinishPruning: kept } });

    expect(run.result.status).toBe('SUCCEEDED');
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ status: { S: 'succeeded' }, warning: { S: kept.warning } }),
    });
    expect(JSON.parse(succeededEvent()?.Detail ?? '{}')).toMatchObject({
      project: 'shop',
      environment: 'pr-1',
      keptDatabases: ['shop--pr-1--olddb'],
    });
  });

  it('adds the kept database to a downgrade warning', async () => {
    aws.dynamodb.on(UpdateItemCommand).resolvesOnce(previousRecord('production')).resolves({});

    await runDeploy(shopDeployInput('staging'), { answers: { FinishPruning: kept } });

    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        warning: { S: `mode downgraded from production to staging; ${kept.warning}` },
      }),
    });
  });
});

describe('deploy workflow — failures', () => {
  it('names the failed step, releases the lock, records the history and emits Deployment Failed', async () => {
    const run = await runDeploy(shopDeployInput('staging'), {
      failing: {
        EnsureDatabases: new StepError('Modeshift.DatabaseFailed', 'shop-pr-1-db is incompatible-parameters'),
      },
    });

    expect(run.result).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.DatabaseFailed',
      failedState: 'EnsureDatabases',
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId, #lockExpiresAt, #lockExecution'),
      ExpressionAttributeValues: expect.objectContaining({
        ':status': { S: 'failed' },
        ':error': { S: 'EnsureDatabases: Modeshift.DatabaseFailed' },
      }),
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ status: { S: 'failed' }, failedState: { S: 'EnsureDatabases' } }),
    });
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Deployment Failed',
          Detail: expect.stringContaining('"failedState":"EnsureDatabases"'),
        }),
      ],
    });
  });

  it('names its execution the lock’s holder when it takes the lock, so a later request can tell it has ended', async () => {
    const input = shopDeployInput('development');

    await runDeploy(input);

    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringMatching(
        /^SET #lockId = :lock, #lockExpiresAt = :lockExpiresAt, #lockExecution = :execution, /,
      ),
      ExpressionAttributeValues: expect.objectContaining({
        ':lock': { S: input.deploymentId },
        ':execution': {
          S: `arn:aws:states:us-east-1:000000000000:execution:modeshift-deploy:${input.deploymentId}`,
        },
      }),
    });
  });

  it('stops without touching the lock when another deployment holds it', async () => {
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    aws.dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'locked', $metadata: {} }))
      .rejects(new ConditionalCheckFailedException({ message: 'not our lock', $metadata: {} }));

    const run = await runDeploy(shopDeployInput('development'));

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.EnvironmentLocked' });
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
  });
});
