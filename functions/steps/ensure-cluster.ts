/**
 * EnsureCluster: the environment's ECS cluster with Fargate and Fargate Spot,
 * and the mode's capacity provider as its default (re-applied on every
 * deploy: it changes when the mode does). A cluster of the environment's name
 * that is not tagged for it stops the step with `Modeshift.NotOwned` before
 * anything is changed: CreateCluster would answer with it, and
 * PutClusterCapacityProviders would change it.
 */
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  PutClusterCapacityProvidersCommand,
} from '@aws-sdk/client-ecs';
import { findEnvironmentCluster } from '../aws/ecs/environment-cluster.ts';
import { environmentIdentity } from '../aws/environment-tags.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** Input of EnsureCluster (state-machines/deploy.asl.json, state EnsureCluster). */
export interface EnsureClusterInput {
  readonly names: EnvironmentNames;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
  /** The mode's capacity provider, the cluster's default. */
  readonly capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
}

export interface EnsureClusterOutput {
  readonly arn: string;
}

const CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

export const ensureCluster = defineStep({
  name: 'EnsureCluster',
  clients: { ecs: ECSClient },
  sends: [DescribeClustersCommand, CreateClusterCommand, PutClusterCapacityProvidersCommand],
  async run(input: EnsureClusterInput, { ecs }): Promise<EnsureClusterOutput> {
    const name = input.names.cluster;
    const strategy = [{ capacityProvider: input.capacityProvider, weight: 1 }];
    const existing = await findEnvironmentCluster(ecs, name, environmentIdentity(input.tags));
    if (existing?.clusterArn !== undefined) {
      await ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: name,
          capacityProviders: CAPACITY_PROVIDERS,
          defaultCapacityProviderStrategy: strategy,
        }),
      );
      return { arn: existing.clusterArn };
    }
    const { cluster } = await ecs.send(
      new CreateClusterCommand({
        clusterName: name,
        capacityProviders: CAPACITY_PROVIDERS,
        defaultCapacityProviderStrategy: strategy,
        tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
      }),
    );
    if (cluster?.clusterArn === undefined) throw new Error(`CreateCluster ${name} returned no cluster ARN`);
    return { arn: cluster.clusterArn };
  },
});

export const handler = lambdaHandler(ensureCluster);
