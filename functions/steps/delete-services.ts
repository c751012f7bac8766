/**
 * DeleteServices: deletes the scheduled jobs' schedules first, so that no
 * job starts during the down, and the services' autoscaling, so that nothing
 * scales them up again, then scales the environment's ECS services to
 * zero and deletes them, and reports whether they are gone (ACTIVE →
 * DRAINING → INACTIVE), so the cluster can be deleted after them. Once they
 * are, a job or run-once task still running is stopped, the environment's
 * task definitions are deregistered and its services' execution roles
 * deleted, so nothing of its services is left.
 */
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
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
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { removeClusterScaling } from '../aws/applicationautoscaling/service-scaling.ts';
import { clusterServices, isLive, retireService } from '../aws/ecs/cluster-services.ts';
import { findEnvironmentCluster } from '../aws/ecs/environment-cluster.ts';
import { deregisterTaskFamily, environmentTaskFamilies } from '../aws/ecs/task-definition-families.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { deleteExecutionRole, environmentExecutionRoles } from '../aws/iam/execution-role.ts';
import { deleteScheduleGroup } from '../aws/scheduler/job-schedules.ts';
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
  clients: {
    ecs: ECSClient,
    iam: IAMClient,
    scheduler: SchedulerClient,
    applicationautoscaling: ApplicationAutoScalingClient,
  },
  sends: [
    DescribeScalableTargetsCommand,
    DeregisterScalableTargetCommand,
    GetScheduleGroupCommand,
    ListTagsForResourceCommand,
    ListSchedulesCommand,
    DeleteScheduleGroupCommand,
    ListTasksCommand,
    StopTaskCommand,
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
    ListAttachedRolePoliciesCommand,
    DetachRolePolicyCommand,
  ],
  async run(input: DeleteServicesInput, clients): Promise<DeleteServicesOutput> {
    const { ecs, iam, scheduler } = clients;
    const cluster = input.names.cluster;
    const identity = { project: input.project, environment: input.environment };
    await deleteScheduleGroup(scheduler, input.names.scheduleGroup, identity);
    // DeleteCluster deletes by name after this step: a cluster of that name that is another's stops the down here.
    await findEnvironmentCluster(ecs, cluster, identity);
    // The cluster is the environment's (checked above), so every scalable target of its services is.
    await removeClusterScaling(clients.applicationautoscaling, cluster);
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
    await stopStandaloneTasks(ecs, cluster);
    await deregisterTaskDefinitions(ecs, input.names.prefix, identity);
    await deleteExecutionRoles(iam, identity);
    return { done: true };
  },
  settled: (output) => output.done,
});

/**
 * Stops the tasks no service owns any more (a scheduled job's run, a run-once task of a deploy
 * that failed): the cluster cannot be deleted while they run. The cluster is the environment's
 * (checked above), so every task in it is.
 */
async function stopStandaloneTasks(ecs: ECSClient, cluster: string): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken }));
    await mapConcurrently(page.taskArns ?? [], CONCURRENCY, (task) =>
      ecs.send(
        new StopTaskCommand({ cluster, task, reason: 'modeshift down: the environment is torn down' }),
      ),
    );
    nextToken = page.nextToken;
  } while (nextToken);
}

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
