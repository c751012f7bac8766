import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteClusterCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteDBSubnetGroupCommand } from '@aws-sdk/client-rds';
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepError } from '../../functions/step-errors.ts';
import { aws, environmentRecord, resetAws, runDown, shopDownInput } from '../support/workflow-harness.ts';

beforeEach(() => {
  resetAws();
});

describe('down workflow — production', () => {
  beforeEach(() => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord('production'));
  });

  it('fails with Modeshift.ProductionDownNotConfirmed before touching anything when confirm is missing', async () => {
    const run = await runDown(shopDownInput());

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.ProductionDownNotConfirmed' });
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
    expect(aws.scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Teardown Failed' })],
    });
  });

  it('refuses a confirm that names another environment', async () => {
    const run = await runDown(shopDownInput('pr-2'));

    expect(run.result.error).toBe('Modeshift.ProductionDownNotConfirmed');
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
  });

  it('deletes the databases with a final snapshot, protection off first where it is on', async () => {
    const run = await runDown(shopDownInput('pr-1'), {
      answers: { FindDatabases: { databases: [{ instance: 'shop-pr-1-db', deletionProtection: true }] } },
    });

    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.entered).toContain('DeleteDatabasesWithFinalSnapshot');
    expect(run.inputsOf('DeleteDatabases')).toEqual([
      {
        databases: [{ instance: 'shop-pr-1-db', deletionProtection: true }],
        finalSnapshot: true,
        stamp: '20261126070000',
      },
    ]);
    expect(run.inputsOf('CheckDatabasesDeleted')).toEqual([
      { databases: [{ instance: 'shop-pr-1-db', deletionProtection: true }] },
    ]);
  });

  it('turns load balancer deletion protection off before deleting it', async () => {
    const run = await runDown(shopDownInput('pr-1'));

    const steps = run.calls.map((call) => call.step);
    expect(steps.indexOf('DisableLoadBalancerProtection')).toBeGreaterThan(-1);
    expect(steps.indexOf('DisableLoadBalancerProtection')).toBeLessThan(steps.indexOf('DeleteLoadBalancer'));
  });

  it('keeps the hosted zone, the access logs and the log groups', async () => {
    const run = await runDown(shopDownInput('pr-1'));

    const steps = run.calls.map((call) => call.step);
    expect(steps).toContain('RemoveServiceRecords');
    expect(steps).not.toContain('PurgeAndDeleteZones');
    expect(steps).not.toContain('DeleteAccessLogBucket');
    expect(steps).not.toContain('DeleteLogGroups');
  });
});

describe('down workflow — development', () => {
  beforeEach(() => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord('development'));
  });

  it('needs no confirmation and deletes the database without a snapshot', async () => {
    const run = await runDown(shopDownInput());

    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.entered).toContain('DeleteDatabasesWithoutSnapshot');
    expect(run.inputsOf('DeleteDatabases')).toEqual([expect.objectContaining({ finalSnapshot: false })]);
    expect(aws.rds).toHaveReceivedCommandWith(DeleteDBSubnetGroupCommand, {
      DBSubnetGroupName: 'shop--pr-1',
    });
  });

  it('deletes the NAT gateways, the load balancer and the private namespace once the services are gone, with the databases still going', async () => {
    const run = await runDown(shopDownInput());

    const steps = run.calls.map((call) => call.step);
    expect(run.inputsOf('DeleteNetwork')[0]).toMatchObject({ scope: 'nat-gateways' });
    for (const step of ['DeleteLoadBalancer', 'DeletePrivateNamespace']) {
      expect(steps.indexOf(step)).toBeGreaterThan(steps.indexOf('DeleteServices'));
    }
    expect(run.inputsOf('DeleteNetwork').at(-1)).not.toHaveProperty('scope');
  });

  it('force-destroys the hosted zone and deletes the access logs and log groups', async () => {
    const run = await runDown(shopDownInput());

    const steps = run.calls.map((call) => call.step);
    expect(steps).toEqual(
      expect.arrayContaining(['PurgeAndDeleteZones', 'DeleteAccessLogBucket', 'DeleteLogGroups']),
    );
    expect(steps).not.toContain('RemoveServiceRecords');
    expect(steps).not.toContain('DisableLoadBalancerProtection');
  });

  it('deletes services before the cluster and the network last', async () => {
    const run = await runDown(shopDownInput());

    const steps = run.calls.map((call) => call.step);
    expect(aws.ecs).toHaveReceivedCommandWith(DeleteClusterCommand, { cluster: 'shop--pr-1' });
    expect(steps.lastIndexOf('DeleteNetwork')).toBeGreaterThan(steps.indexOf('DeleteServices'));
    expect(steps.lastIndexOf('DeleteNetwork')).toBeGreaterThan(steps.indexOf('CheckDatabasesDeleted'));
  });

  it('marks the environment down, releases the lock, records the history and emits Teardown Succeeded', async () => {
    await runDown(shopDownInput());

    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId, #lockExpiresAt, #lockExecution, #sweepMode'),
      ExpressionAttributeValues: expect.objectContaining({ ':down': { S: 'down' } }),
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ action: { S: 'down' }, status: { S: 'succeeded' } }),
    });
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Teardown Succeeded' })],
    });
  });
});

describe('down workflow — an environment that was once in production', () => {
  beforeEach(() => {
    aws.dynamodb
      .on(GetItemCommand)
      .resolves(environmentRecord('development', undefined, ['development', 'production']));
  });

  it('keeps a final snapshot of its databases when the down is not confirmed, and says why in the history', async () => {
    const run = await runDown(shopDownInput());

    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.entered).toContain('DeleteDatabasesWithFinalSnapshot');
    expect(run.inputsOf('DeleteDatabases')).toEqual([expect.objectContaining({ finalSnapshot: true })]);
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        action: { S: 'down' },
        warning: { S: expect.stringContaining('once in production') },
      }),
    });
  });

  it('deletes them as its mode says when the down is confirmed', async () => {
    const run = await runDown(shopDownInput('pr-1'));

    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.inputsOf('DeleteDatabases')).toEqual([expect.objectContaining({ finalSnapshot: false })]);
  });

  it('an environment that was never in production follows its mode', async () => {
    aws.dynamodb
      .on(GetItemCommand)
      .resolves(environmentRecord('development', undefined, ['development', 'staging']));

    const run = await runDown(shopDownInput());

    expect(run.inputsOf('DeleteDatabases')).toEqual([expect.objectContaining({ finalSnapshot: false })]);
  });
});

describe('down workflow — failures', () => {
  it('fails with Modeshift.EnvironmentNotFound for an environment with no record, deleting nothing', async () => {
    const run = await runDown(shopDownInput());

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.EnvironmentNotFound' });
    expect(run.calls.map((call) => call.step)).toEqual(['DescribeFailure']);
  });

  it('names the failed step, releases the lock and records the failure', async () => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord('staging'));

    const run = await runDown(shopDownInput(), {
      failing: { DeleteNetwork: new StepError('Modeshift.NetworkStuck', 'nat-1 still has interfaces') },
    });

    expect(run.result).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.NetworkStuck',
      failedState: 'DeleteNatGateways',
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId'),
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'teardown-failed' } }),
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        action: { S: 'down' },
        status: { S: 'failed' },
        failedState: { S: 'DeleteNatGateways' },
      }),
    });
  });
});
