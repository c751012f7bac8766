import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteClusterCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepError } from '../../functions/steps/step-error.ts';
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
    expect(aws.rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(aws.scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(aws.events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Teardown Failed' })],
    });
  });

  it('refuses a confirm that names another environment', async () => {
    const run = await runDown(shopDownInput('pr-2'));

    expect(run.result.error).toBe('Modeshift.ProductionDownNotConfirmed');
    expect(aws.rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('turns database deletion protection off, then deletes with a final snapshot', async () => {
    const run = await runDown(shopDownInput('pr-1'));

    expect(run.result.status).toBe('SUCCEEDED');
    expect(aws.rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-db',
      DeletionProtection: false,
      ApplyImmediately: true,
    });
    expect(aws.rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-db',
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'shop-pr-1-db-final-20261126070000',
    });
    const calls = aws.rds.calls().map((call) => (call.args[0] as object).constructor.name);
    expect(calls.indexOf('ModifyDBInstanceCommand')).toBeLessThan(calls.indexOf('DeleteDBInstanceCommand'));
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
    expect(aws.rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'shop-pr-1-db',
      SkipFinalSnapshot: true,
    });
    expect(aws.rds).toHaveReceivedCommandWith(DeleteDBSubnetGroupCommand, { DBSubnetGroupName: 'shop-pr-1' });
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
    expect(aws.ecs).toHaveReceivedCommandWith(DeleteClusterCommand, { cluster: 'shop-pr-1' });
    expect(steps.indexOf('DeleteNetwork')).toBeGreaterThan(steps.indexOf('DeleteServices'));
    expect(steps.indexOf('DeleteNetwork')).toBeGreaterThan(steps.indexOf('CheckDatabaseDeleted'));
  });

  it('marks the environment down, releases the lock, records the history and emits Teardown Succeeded', async () => {
    await runDown(shopDownInput());

    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId, #lockExpiresAt, #sweepMode'),
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

describe('down workflow — failures', () => {
  it('fails with Modeshift.EnvironmentNotFound for an environment with no record, deleting nothing', async () => {
    const run = await runDown(shopDownInput());

    expect(run.result).toMatchObject({ status: 'FAILED', error: 'Modeshift.EnvironmentNotFound' });
    expect(aws.rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('names the failed step, releases the lock and records the failure', async () => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord('staging'));

    const run = await runDown(shopDownInput(), {
      failing: { DeleteNetwork: new StepError('Modeshift.NetworkStuck', 'vpc-1 still has interfaces') },
    });

    expect(run.result).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.NetworkStuck',
      failedState: 'DeleteNetwork',
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #lockId'),
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'teardown-failed' } }),
    });
    expect(aws.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        action: { S: 'down' },
        status: { S: 'failed' },
        failedState: { S: 'DeleteNetwork' },
      }),
    });
  });
});
