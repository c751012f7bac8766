// End-to-end against the local AWS (moto): each mode's deploy, read back and checked against the policy.
import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { accessLogBucketName, environmentNames } from '../../core/names.ts';
import { MODE_POLICIES, MODES, type Mode } from '../../core/policy.ts';
import { sharedNetworkNames } from '../../core/shared-network.ts';
import { readEnvironmentState } from '../../local/read-back.ts';
import { taggedResources } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { callsOf, deployShop, SHOP_SERVICES, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

/**
 * What the environment's load balancer exposes, read back: its attributes,
 * the ports its target groups send to, the ports its security group may reach
 * in the services' group, and the access-log bucket's policy and lifecycle.
 */
async function readLoadBalancerExposure(target: Target, project: string, environment: string, mode: Mode) {
  const names = environmentNames(project, environment);
  // In a shared network the environment sits behind the project's load balancer of the mode, with its group.
  const shared = MODE_POLICIES[mode].network === 'shared' ? sharedNetworkNames(project, mode) : undefined;
  const balancerName = shared?.loadBalancer ?? names.loadBalancer;
  const balancerGroup = shared?.albSecurityGroup ?? names.albSecurityGroup;
  const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
  const ec2 = target.clients('ec2') as EC2Client;
  const s3 = target.clients('s3') as S3Client;
  const [balancer] =
    (await elbv2.send(new DescribeLoadBalancersCommand({ Names: [balancerName] }))).LoadBalancers ?? [];
  const arn = balancer?.LoadBalancerArn as string;
  const attributes = (await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })))
    .Attributes;
  const targetGroups = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn })))
    .TargetGroups;
  const groups = (
    await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [balancer?.VpcId as string] },
          { Name: 'group-name', Values: [balancerGroup, names.serviceSecurityGroup] },
        ],
      }),
    )
  ).SecurityGroups;
  const loadBalancerGroup = groups?.find((group) => group.GroupName === balancerGroup)?.GroupId;
  const services = groups?.find((group) => group.GroupName === names.serviceSecurityGroup);
  const fromLoadBalancer = (services?.IpPermissions ?? []).filter((permission) =>
    (permission.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === loadBalancerGroup),
  );
  const bucket = accessLogBucketName(project, environment, target.names.accountId, target.names.region);
  const owner = { Bucket: bucket, ExpectedBucketOwner: target.names.accountId };
  return {
    dropsInvalidHeaders: attributes?.find((a) => a.Key === 'routing.http.drop_invalid_header_fields.enabled')
      ?.Value,
    targetPorts: [...new Set((targetGroups ?? []).map((group) => group.Port))].sort(),
    ingressFromLoadBalancer: fromLoadBalancer
      .map((permission) => `${permission.IpProtocol}:${permission.FromPort ?? ''}-${permission.ToPort ?? ''}`)
      .sort(),
    accessLogs: attributes?.find((a) => a.Key === 'access_logs.s3.enabled')?.Value,
    // The shared load balancer keeps no access logs: no bucket.
    ...(shared === undefined
      ? {
          bucketPolicy: JSON.parse((await s3.send(new GetBucketPolicyCommand(owner))).Policy ?? '{}'),
          bucketLifecycle: (await s3.send(new GetBucketLifecycleConfigurationCommand(owner))).Rules,
        }
      : {}),
  };
}

describe.each(MODES)('deploy on the local AWS — %s', (mode) => {
  const policy = MODE_POLICIES[mode];

  it('succeeds and leaves the resources the policy asks for, as read back from the emulator', async () => {
    const report = await deployShop(aws.target(), mode);

    expect(report).toMatchObject({ status: 'SUCCEEDED', mode });
    const state = await readEnvironmentState(aws.target(), 'shop', 'main', SHOP_SERVICES);
    expect(state.buildComputeType.value).toBe(policy.buildComputeType);
    expect(state.capacityProvider.value).toBe(policy.capacityProvider);
    expect(state.dbInstanceClass.value).toBe(policy.dbInstanceClass);
    expect(state.storageEncrypted.value).toBe('true');
    expect(state.dbDeletionProtection.value).toBe(String(policy.dbDeletionProtection));
    expect(state.dbMultiAz.value).toBe({ development: 'false', staging: 'false', production: 'true' }[mode]);
    expect(state.dbBackupRetentionDays.value).toBe(
      { development: '1', staging: '7', production: '30' }[mode],
    );
    expect(state.logRetentionDays.value).toBe(String(policy.logRetentionDays));
    expect(state.natGateways.value).toBe({ none: '0', single: '1', 'per-az': '2' }[policy.natGateways]);
    expect(state.httpRedirectCode.value).toBe(policy.httpRedirectCode);
    expect(state.lbDeletionProtection.value).toBe(String(policy.lbDeletionProtection));
    expect(state.dnsTtlSeconds.value).toBe(String(policy.dnsTtlSeconds));

    const exposure = await readLoadBalancerExposure(aws.target(), 'shop', 'main', mode);
    expect(exposure.dropsInvalidHeaders).toBe('true');
    expect(exposure.targetPorts.length).toBeGreaterThan(0);
    expect(exposure.ingressFromLoadBalancer).toEqual(
      exposure.targetPorts.map((port) => `tcp:${port}-${port}`).sort(),
    );
    if (policy.network === 'shared') {
      expect(exposure.accessLogs, 'the shared load balancer keeps no access logs').toBe('false');
      return;
    }
    expect(exposure.accessLogs).toBe('true');
    expect(exposure.bucketPolicy?.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(exposure.bucketLifecycle).toEqual([
      expect.objectContaining({ Status: 'Enabled', Expiration: { Days: policy.logRetentionDays } }),
    ]);
  });

  // moto's CreateService ignores capacityProviderStrategy and deploymentConfiguration (docs/design.md §4),
  // so what ECS was asked for is checked on the calls the workflow made.
  it('asks ECS for the mode’s capacity, deployment configuration and circuit breaker', async () => {
    await deployShop(aws.target(), mode);

    const created = callsOf(aws.target(), 'ecs', 'CreateServiceCommand');
    expect(created.map((input) => input.serviceName).sort()).toEqual(['api', 'web', 'worker']);
    for (const input of created) {
      expect(input).toMatchObject({
        capacityProviderStrategy: [{ capacityProvider: policy.capacityProvider, weight: 1 }],
        deploymentConfiguration: {
          minimumHealthyPercent: policy.minimumHealthyPercent,
          maximumPercent: policy.maximumPercent,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      });
    }
  });

  it('records the deployment: mode, status, no lock, a history entry', async () => {
    const report = await deployShop(aws.target(), mode);

    const { readEnvironment, readHistory } = await import('../../local/records.ts');
    const dynamodb = aws.target().clients('dynamodb') as Parameters<typeof readEnvironment>[0];
    const record = await readEnvironment(dynamodb, aws.target().names.tableName, 'shop', 'main');
    expect(record).toMatchObject({ mode, status: 'deployed', lastDeploymentId: report.deploymentId });
    expect(record?.lockId).toBeUndefined();
    const history = await readHistory(dynamodb, aws.target().names.tableName, 'shop', 'main');
    expect(history).toEqual([expect.objectContaining({ action: 'deploy', status: 'succeeded', mode })]);
  });
});

describe('deploy on the local AWS — redeploy', () => {
  it('changes nothing when the same request is deployed again: same resources, same identifiers', async () => {
    await deployShop(aws.target(), 'staging', 'main', { deploymentId: 'same-request' });
    const first = await taggedResources(aws.target(), 'shop', 'main');
    const values = async () =>
      Object.fromEntries(
        Object.entries(await readEnvironmentState(aws.target(), 'shop', 'main', SHOP_SERVICES)).map(
          ([key, read]) => [key, read.value],
        ),
      );
    const firstState = await values();

    const again = await deployShop(aws.target(), 'staging', 'main', { deploymentId: 'same-request' });

    expect(again.status).toBe('SUCCEEDED');
    expect(await taggedResources(aws.target(), 'shop', 'main')).toEqual(first);
    expect(await values()).toEqual(firstState);
    expect(callsOf(aws.target(), 'ec2', 'CreateVpcCommand')).toHaveLength(1);
    expect(callsOf(aws.target(), 'rds', 'CreateDBInstanceCommand')).toHaveLength(1);
    expect(callsOf(aws.target(), 'elasticloadbalancingv2', 'CreateLoadBalancerCommand')).toHaveLength(1);
    expect(callsOf(aws.target(), 'ecs', 'CreateServiceCommand')).toHaveLength(3);
  });
});
