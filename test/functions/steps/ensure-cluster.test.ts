import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  PutClusterCapacityProvidersCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { ensureCluster } from '../../../functions/steps/ensure-cluster.ts';

const ecs = mockClient(ECSClient);
const clients = { ecs: new ECSClient({ region: 'us-east-1' }) };
const input = {
  names: environmentNames('shop', 'wk-x'),
  tags: modeshiftTags('shop', 'wk-x', 'development', 'd-1'),
  capacityProvider: 'FARGATE_SPOT' as const,
};
const ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/shop--wk-x';
const lower = (project: string, environment: string) => [
  { key: 'modeshift:project', value: project },
  { key: 'modeshift:environment', value: environment },
];

beforeEach(() => {
  ecs.reset();
  ecs.on(PutClusterCapacityProvidersCommand).resolves({});
  ecs.on(CreateClusterCommand).resolves({ cluster: { clusterArn: ARN } });
});

describe('EnsureCluster', () => {
  it('creates the cluster with both Fargate providers, the mode’s as default, tagged', async () => {
    ecs.on(DescribeClustersCommand).resolves({ clusters: [] });

    const result = await ensureCluster(input, clients);

    expect(result).toEqual({ arn: ARN });
    expect(ecs).toHaveReceivedCommandWith(CreateClusterCommand, {
      clusterName: 'shop--wk-x',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      tags: expect.arrayContaining(lower('shop', 'wk-x')),
    });
  });

  it('re-applies the mode’s capacity provider to its own cluster', async () => {
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        { clusterName: 'shop--wk-x', clusterArn: ARN, status: 'ACTIVE', tags: lower('shop', 'wk-x') },
      ],
    });

    await ensureCluster({ ...input, capacityProvider: 'FARGATE' }, clients);

    expect(ecs).toHaveReceivedCommandWith(PutClusterCapacityProvidersCommand, {
      cluster: 'shop--wk-x',
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });
    expect(ecs).not.toHaveReceivedCommand(CreateClusterCommand);
  });

  it('refuses a cluster of its name that belongs to another environment, and changes nothing', async () => {
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        { clusterName: 'shop--wk-x', clusterArn: ARN, status: 'ACTIVE', tags: lower('shop-wk', 'x') },
      ],
    });

    await expect(ensureCluster(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('ECS cluster shop--wk-x belongs to shop-wk/x, not shop/wk-x'),
    });
    expect(ecs).not.toHaveReceivedCommand(PutClusterCapacityProvidersCommand);
    expect(ecs).not.toHaveReceivedCommand(CreateClusterCommand);
  });

  it('refuses an untagged cluster of its name', async () => {
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [{ clusterName: 'shop--wk-x', clusterArn: ARN, status: 'ACTIVE' }],
    });

    await expect(ensureCluster(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('ECS cluster shop--wk-x has no modeshift tags'),
    });
  });
});
