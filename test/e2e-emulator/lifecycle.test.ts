// End-to-end against the local AWS (moto): promotion in place, a failure mid-deploy, two environments side by side.

import { DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { readEnvironmentState } from '../../local/read-back.ts';
import { readEnvironment, readHistory } from '../../local/records.ts';
import { taggedResources } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { callsOf, deployShop, downShop, SHOP_SERVICES, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

function records(target: Target) {
  const dynamodb = target.clients('dynamodb') as Parameters<typeof readEnvironment>[0];
  return {
    environment: (environment = 'main') =>
      readEnvironment(dynamodb, target.names.tableName, 'shop', environment),
    history: (environment = 'main') => readHistory(dynamodb, target.names.tableName, 'shop', environment),
  };
}

async function vpcIds(target: Target, environment: string) {
  const { Vpcs = [] } = await (target.clients('ec2') as EC2Client).send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'tag:modeshift:environment', Values: [environment] }] }),
  );
  return Vpcs.map((vpc) => vpc.VpcId);
}

describe('promotion on the local AWS', () => {
  it('updates retention, TTLs, deletion protection and capacity in place from development to production', async () => {
    // An environment to be promoted to production in place starts with a network of its own (network dedicated).
    await deployShop(aws.target(), 'development', 'main', { network: 'dedicated' });
    const before = {
      vpcs: await vpcIds(aws.target(), 'main'),
      resources: await taggedResources(aws.target(), 'shop', 'main'),
    };

    const report = await deployShop(aws.target(), 'production');

    expect(report.status).toBe('SUCCEEDED');
    const state = await readEnvironmentState(aws.target(), 'shop', 'main', SHOP_SERVICES);
    expect(state.logRetentionDays.value).toBe('30');
    expect(state.dnsTtlSeconds.value).toBe('3600');
    expect(state.lbDeletionProtection.value).toBe('true');
    expect(state.dbDeletionProtection.value).toBe('true');
    expect(state.dbMultiAz.value, 'the standby is added in place').toBe('true');
    expect(state.dbBackupRetentionDays.value).toBe('30');
    expect(state.dbInstanceClass.value).toBe('db.m7g.large');
    expect(state.capacityProvider.value).toBe('FARGATE');
    expect(state.natGateways.value).toBe('2');
    expect(await vpcIds(aws.target(), 'main')).toEqual(before.vpcs);
    expect(callsOf(aws.target(), 'rds', 'CreateDBInstanceCommand')).toHaveLength(1);
    expect(callsOf(aws.target(), 'rds', 'ModifyDBInstanceCommand')).toContainEqual(
      expect.objectContaining({
        DBInstanceClass: 'db.m7g.large',
        DeletionProtection: true,
        ApplyImmediately: false,
      }),
    );
    // moto keeps the capacity provider only from UpdateService (docs/design.md §4); the update asked for on-demand Fargate.
    expect(callsOf(aws.target(), 'ecs', 'UpdateServiceCommand')).toContainEqual(
      expect.objectContaining({
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        forceNewDeployment: true,
      }),
    );
    expect(await records(aws.target()).environment()).toMatchObject({
      mode: 'production',
      status: 'deployed',
    });
  });

  it('refuses production → development without force and leaves production as it was', async () => {
    await deployShop(aws.target(), 'production');

    const report = await deployShop(aws.target(), 'development');

    expect(report).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.ModeChangeRefused',
      failedState: 'CheckModeChange',
    });
    const record = await records(aws.target()).environment();
    expect(record).toMatchObject({ mode: 'production', status: 'deployed' });
    expect(record?.lockId).toBeUndefined();
    expect(
      (await readEnvironmentState(aws.target(), 'shop', 'main', SHOP_SERVICES)).lbDeletionProtection.value,
    ).toBe('true');
  });
});

describe('failure on the local AWS', () => {
  it('releases the lock, records the failed step, and a re-run succeeds once the cause is gone', async () => {
    // Another environment's load balancer holds the name this deploy needs.
    const elbv2 = aws.target().clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
    const { Vpcs = [] } = await (aws.target().clients('ec2') as EC2Client).send(new DescribeVpcsCommand({}));
    const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
    const { Subnets = [] } = await (aws.target().clients('ec2') as EC2Client).send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [Vpcs[0]?.VpcId ?? ''] }] }),
    );
    const squatter = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'shop--main',
        Subnets: Subnets.slice(0, 2).map((subnet) => subnet.SubnetId as string),
        Tags: [{ Key: 'modeshift:environment', Value: 'someone-else' }],
      }),
    );

    // The squatter takes the name of the environment's own load balancer: a network of its own.
    const failed = await deployShop(aws.target(), 'staging', 'main', {
      deploymentId: 'retry-me',
      network: 'dedicated',
    });

    expect(failed).toMatchObject({
      status: 'FAILED',
      failedState: 'EnsureLoadBalancer',
      error: 'Modeshift.NotOwned',
    });
    const record = await records(aws.target()).environment();
    expect(record).toMatchObject({
      status: 'failed',
      lastError: 'EnsureLoadBalancer: Modeshift.NotOwned',
    });
    expect(record?.lockId).toBeUndefined();
    expect(await records(aws.target()).history()).toEqual([
      expect.objectContaining({
        status: 'failed',
        failedState: 'EnsureLoadBalancer',
        error: 'Modeshift.NotOwned',
      }),
    ]);

    await elbv2.send(
      new DeleteLoadBalancerCommand({ LoadBalancerArn: squatter.LoadBalancers?.[0]?.LoadBalancerArn }),
    );
    const rerun = await deployShop(aws.target(), 'staging', 'main', {
      deploymentId: 'retry-me',
      network: 'dedicated',
    });

    expect(rerun.status).toBe('SUCCEEDED');
    expect(await records(aws.target()).environment()).toMatchObject({ status: 'deployed', mode: 'staging' });
    expect(callsOf(aws.target(), 'ec2', 'CreateVpcCommand')).toHaveLength(1);
  });
});

describe('isolation on the local AWS', () => {
  it('never touches another environment of the same project', async () => {
    // pr-1, to be promoted, has a network of its own; pr-2 is in the project's shared development network.
    await deployShop(aws.target(), 'development', 'pr-1', { network: 'dedicated' });
    await deployShop(aws.target(), 'development', 'pr-2');
    const pr2 = await taggedResources(aws.target(), 'shop', 'pr-2');
    const pr2State = await readEnvironmentState(aws.target(), 'shop', 'pr-2', SHOP_SERVICES);

    await deployShop(aws.target(), 'production', 'pr-1');
    await downShop(aws.target(), 'pr-1', 'pr-1');

    expect(await taggedResources(aws.target(), 'shop', 'pr-2')).toEqual(pr2);
    const after = await readEnvironmentState(aws.target(), 'shop', 'pr-2', SHOP_SERVICES);
    expect(Object.entries(after).map(([key, read]) => [key, read.value])).toEqual(
      Object.entries(pr2State).map(([key, read]) => [key, read.value]),
    );
    expect(await vpcIds(aws.target(), 'shared.development'), 'the shared VPC pr-2 runs in').toHaveLength(1);
    expect(await records(aws.target()).environment('pr-2')).toMatchObject({
      status: 'deployed',
      mode: 'development',
    });
  });
});
