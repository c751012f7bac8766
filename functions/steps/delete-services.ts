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
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
  type Service,
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
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { deleteExecutionRole, environmentExecutionRoles } from '../aws/iam/execution-role.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type DeleteServicesInput = EnvironmentStepInput;

export type DeleteServicesOutput = TeardownProgress;

/** DescribeServices takes at most 10 services a call. */
const BATCH_SIZE = 10;
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
    const services = await environmentServices(ecs, cluster);
    if (services === undefined) {
      await deregisterTaskDefinitions(ecs, input);
      await deleteExecutionRoles(iam, identity);
      return { done: true };
    }

    const owned = services.filter((service) => isTaggedForEnvironment(service.tags, identity));
    await mapConcurrently(owned, CONCURRENCY, async (service) => {
      if (service.status !== 'ACTIVE' || service.serviceName === undefined) return;
      await ecs.send(new UpdateServiceCommand({ cluster, service: service.serviceName, desiredCount: 0 }));
      await ecs.send(new DeleteServiceCommand({ cluster, service: service.serviceName, force: true }));
    });
    const remaining = owned.filter(
      (service) => service.status === 'ACTIVE' || service.status === 'DRAINING',
    ).length;
    if (remaining > 0) return { done: false };
    await deregisterTaskDefinitions(ecs, input);
    await deleteExecutionRoles(iam, identity);
    return { done: true };
  },
  settled: (output) => output.done,
});

/**
 * Deregisters every ACTIVE revision of the environment's task definition
 * families (`<project>-<environment>-<service>`, checked by their tags: a
 * longer environment name can share the prefix).
 */
async function deregisterTaskDefinitions(ecs: ECSClient, input: DeleteServicesInput): Promise<void> {
  const prefix = `${input.names.prefix}-`;
  const identity = { project: input.project, environment: input.environment };
  const families: string[] = [];
  for await (const page of paginateListTaskDefinitionFamilies(
    { client: ecs },
    { familyPrefix: prefix, status: 'ACTIVE' },
  )) {
    families.push(...(page.families ?? []).filter((family) => family.startsWith(prefix)));
  }
  await mapConcurrently(families, CONCURRENCY, async (family) => {
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }),
    );
    if (!isTaggedForEnvironment(latest.tags, identity)) return;
    for await (const page of paginateListTaskDefinitions(
      { client: ecs },
      { familyPrefix: family, status: 'ACTIVE' },
    )) {
      for (const arn of page.taskDefinitionArns ?? []) {
        if (!arn.includes(`:task-definition/${family}:`)) continue;
        await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
      }
    }
  });
}

/** Deletes the environment's execution roles, once no task of it can start any more. */
async function deleteExecutionRoles(iam: IAMClient, identity: EnvironmentIdentity): Promise<void> {
  const roles = await environmentExecutionRoles(iam, identity);
  await mapConcurrently([...roles.keys()], CONCURRENCY, (name) => deleteExecutionRole(iam, name));
}

/** The cluster's services with their tags; undefined when the cluster does not exist. */
export async function environmentServices(ecs: ECSClient, cluster: string): Promise<Service[] | undefined> {
  const arns: string[] = [];
  try {
    for await (const page of paginateListServices({ client: ecs }, { cluster })) {
      arns.push(...(page.serviceArns ?? []));
    }
  } catch (error) {
    if (hasAwsErrorName(error, 'ClusterNotFoundException')) return undefined;
    throw error;
  }
  const batches: string[][] = [];
  for (let start = 0; start < arns.length; start += BATCH_SIZE)
    batches.push(arns.slice(start, start + BATCH_SIZE));
  const described = await mapConcurrently(batches, CONCURRENCY, async (batch) => {
    const { services = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }),
    );
    return services;
  });
  return described.flat();
}

export const handler = lambdaHandler(deleteServices);
