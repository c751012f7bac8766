/**
 * DeleteServices: scales the environment's ECS services to zero and deletes
 * them, then reports whether they are gone (ACTIVE → DRAINING → INACTIVE),
 * so the cluster can be deleted after them. Once they are, the environment's
 * task definitions are deregistered and its services' execution roles
 * deleted, so nothing of its services is left.
 */
import {
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { clusterServices, isLive, retireService } from '../aws/ecs/cluster-services.ts';
import { findEnvironmentCluster } from '../aws/ecs/environment-cluster.ts';
import { deregisterTaskFamily, environmentTaskFamilies } from '../aws/ecs/task-definition-families.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { deleteExecutionRole, environmentExecutionRoles } from '../aws/iam/execution-role.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteServicesInput = EnvironmentStepInput;

export type DeleteServicesOutput = TeardownProgress;

/** Services (and task definition families) handled at once. */
const CONCURRENCY = 10;

/**
 * Deletes every ACTIVE service of the cluster `names.cluster` that is tagged
 * for this project and environment; done once none of them is ACTIVE or
 * DRAINING. A missing cluster means there is nothing to delete.
 */
export const deleteServices = defineStep({
  name: 'DeleteServices',
  clients: { ecs: ECSClient, iam: IAMClient },
  sends: [
    DescribeClustersCommand,
    ListServicesCommand,
    DescribeServicesCommand,
    UpdateServiceCommand,
    DeleteServiceCommand,
    ListTaskDefinitionFamiliesCommand,
    DescribeTaskDefinitionCommand,
    ListTaskDefinitionsCommand,
    DeregisterTaskDefinitionCommand,
    ListRolesCommand,
    GetRoleCommand,
    ListRolePoliciesCommand,
    DeleteRolePolicyCommand,
    DeleteRoleCommand,
  ],
  async run(input: DeleteServicesInput, { ecs, iam }): Promise<DeleteServicesOutput> {
    const cluster = input.names.cluster;
    const identity = { project: input.project, environment: input.environment };
    // DeleteCluster deletes by name after this step: a cluster of that name that is another's stops the down here.
    await findEnvironmentCluster(ecs, cluster, identity);
    const services = await clusterServices(ecs, cluster);
    if (services === undefined) {
      await deregisterTaskDefinitions(ecs, input.names.prefix, identity);
      await deleteExecutionRoles(iam, identity);
      return { done: true };
    }

    const owned = services.filter((service) => isTaggedForEnvironment(service.tags, identity));
    await mapConcurrently(owned, CONCURRENCY, async (service) => {
      if (service.status !== 'ACTIVE' || service.serviceName === undefined) return;
      await retireService(ecs, cluster, service.serviceName);
    });
    const remaining = owned.filter((service) => isLive(service.status)).length;
    if (remaining > 0) return { done: false };
    await deregisterTaskDefinitions(ecs, input.names.prefix, identity);
    await deleteExecutionRoles(iam, identity);
    return { done: true };
  },
  settled: (output) => output.done,
});

/** Deregisters every ACTIVE revision of the environment's task definition families. */
async function deregisterTaskDefinitions(
  ecs: ECSClient,
  prefix: string,
  identity: EnvironmentIdentity,
): Promise<void> {
  const families = await environmentTaskFamilies(ecs, prefix, identity);
  await mapConcurrently(families, CONCURRENCY, (family) => deregisterTaskFamily(ecs, family));
}

/** Deletes the environment's execution roles, once no task of it can start any more. */
async function deleteExecutionRoles(iam: IAMClient, identity: EnvironmentIdentity): Promise<void> {
  const roles = await environmentExecutionRoles(iam, identity);
  await mapConcurrently([...roles.keys()], CONCURRENCY, (name) => deleteExecutionRole(iam, name));
}

export const handler = lambdaHandler(deleteServices);
