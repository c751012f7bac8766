/**
 * RolloutServices: the environment's services, each deployed as soon as the
 * services it depends on are stable — not in waves that each wait for their
 * slowest service, so a deploy takes as long as its longest chain of
 * depends_on and no longer. The workflow calls it until every service is
 * stable: while some are not, it fails with `Modeshift.NotReady` and the
 * state's Retry calls it again (one state transition a look).
 *
 * It keeps no progress of its own: each call reads it back from ECS. A
 * service this rollout deployed carries the tags `modeshift:rollout` (this
 * execution's start) and `modeshift:task-definition` (the `family:revision`
 * it deployed); it is stable once ECS has finished that deployment. Every
 * other service whose dependencies are all stable is deployed now — its task
 * definition (a new revision only when it changed) and its ECS service and
 * Cloud Map entry, created or brought to every setting of the mode, a
 * bounded number at once. Each service starts with its own execution role,
 * which may read exactly the secrets its task definition names
 * (functions/aws/iam/execution-role.ts). A service that scales (core/autoscaling.ts) is
 * registered with Application Auto Scaling once it exists, and keeps the count it runs. A
 * deployment the circuit breaker failed or rolled back fails the run; a later run deploys that
 * service again.
 */
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  GetServiceCommand as GetDiscoveryServiceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ServiceDiscoveryClient,
  UpdateServiceCommand as UpdateDiscoveryServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { serviceScaling } from '../../core/autoscaling.ts';
import type { ServiceSpec } from '../../core/execution-input.ts';
import type { Policy } from '../../core/policy.ts';
import { ensureServiceScaling, removeServiceScaling } from '../aws/applicationautoscaling/service-scaling.ts';
import { discoveryIndex, type EnsureServiceInput, ensureService } from '../aws/ecs/service.ts';
import { isStable } from '../aws/ecs/service-stability.ts';
import {
  registerServiceTaskDefinition,
  SERVICE_TASK_DEFINITION_COMMANDS,
} from '../aws/ecs/service-task-definition.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type {
  CacheEndpoint,
  DatabaseEndpoint,
  EnvironmentNames,
  LoadBalancerRef,
  NamespaceRef,
  NetworkRef,
  Tag,
} from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** The tag naming the rollout (execution) that last deployed a service. */
export const ROLLOUT_TAG = 'modeshift:rollout';
/** The tag naming the task definition (`family:revision`) that rollout deployed. */
export const TASK_DEFINITION_TAG = 'modeshift:task-definition';
/** The tag naming the rollout that last started an ECS deployment of the service (not one that found it unchanged). */
export const DEPLOYED_BY_TAG = 'modeshift:deployed-by';

export interface RolloutServicesInput {
  /** `replace` stops the old tasks before new ones start (0 % / 100 %); `rolling` keeps them until the new ones are healthy. */
  readonly strategy: 'replace' | 'rolling';
  /** Every service of the environment, each with the services it depends on. */
  readonly services: readonly ServiceSpec[];
  /** This rollout: the execution's start time, the same on every call of one run and new on the next run. */
  readonly rollout: string;
  readonly project: string;
  readonly environment: string;
  /** The deployment id: the tag of a built image whose service has no `imageTag` (its digest). */
  readonly deploymentId: string;
  readonly policy: Policy;
  readonly names: EnvironmentNames;
  readonly tags: readonly Tag[];
  readonly taskNetwork: EnsureServiceInput['taskNetwork'];
  readonly network: NetworkRef;
  /** `{}` when the environment has no public service. */
  readonly loadBalancer: LoadBalancerRef | Record<string, never>;
  readonly namespace: NamespaceRef;
  /** The managed databases, with their password secrets: the services that depend on one read it. */
  readonly databases: readonly DatabaseEndpoint[];
  /** The managed caches' primary endpoints: the services that depend on one get its URL. @default [] */
  readonly caches?: readonly CacheEndpoint[];
  readonly accountId: string;
  readonly region: string;
}

export interface RolloutServicesOutput {
  /** true once every service is deployed and stable. */
  readonly done: boolean;
  readonly stable: number;
  /** Deployed by this rollout and not stable yet. */
  readonly deploying: number;
  /** Deployed by this call: an ECS deployment started (services already as wanted are not in it). */
  readonly started: readonly string[];
  /** Every service this rollout started an ECS deployment of, in any call: what the deploy rolled. */
  readonly rolled: readonly string[];
}

/** Services registered and created or updated at once. */
const DEPLOY_CONCURRENCY = 10;
/** DescribeServices calls at once (each takes ten services). */
const DESCRIBE_CONCURRENCY = 5;
/** DescribeServices takes at most 10 services a call. */
const DESCRIBE_BATCH = 10;

export const rolloutServices = defineStep({
  name: 'RolloutServices',
  clients: {
    ecs: ECSClient,
    servicediscovery: ServiceDiscoveryClient,
    iam: IAMClient,
    applicationautoscaling: ApplicationAutoScalingClient,
  },
  sends: [
    CreateServiceCommand,
    DescribeServicesCommand,
    TagResourceCommand,
    UpdateServiceCommand,
    CreateDiscoveryServiceCommand,
    GetDiscoveryServiceCommand,
    ListDiscoveryServicesCommand,
    UpdateDiscoveryServiceCommand,
    DescribeScalableTargetsCommand,
    RegisterScalableTargetCommand,
    DescribeScalingPoliciesCommand,
    PutScalingPolicyCommand,
    DeregisterScalableTargetCommand,
    ...SERVICE_TASK_DEFINITION_COMMANDS,
  ],
  settings: [
    'capacityProvider',
    'minimumHealthyPercent',
    'maximumPercent',
    'circuitBreakerRollback',
    'executeCommand',
    'serviceDiscoveryTtlSeconds',
    'autoscaling',
    'autoscalingCpuPercent',
    'autoscalingMaxFactor',
  ],
  async run(input: RolloutServicesInput, clients): Promise<RolloutServicesOutput> {
    const cluster = input.names.cluster;
    const described = await describeAll(
      clients.ecs,
      cluster,
      input.services.map((service) => service.name),
    );
    const stable = new Set<string>();
    const deploying = new Set<string>();
    const rolled = new Set<string>();
    for (const spec of input.services) {
      const service = described.get(spec.name);
      const tags = new Map((service?.tags ?? []).map((tag) => [tag.key, tag.value]));
      if (service?.status !== 'ACTIVE' || tags.get(ROLLOUT_TAG) !== input.rollout) continue;
      if (tags.get(DEPLOYED_BY_TAG) === input.rollout) rolled.add(spec.name);
      const deployed = tags.get(TASK_DEFINITION_TAG) ?? '';
      const arn = service.taskDefinition?.endsWith(`/${deployed}`) ? service.taskDefinition : deployed;
      (isStable(service, cluster, arn) ? stable : deploying).add(spec.name);
    }

    // A service that needs no ECS deployment (it has every setting and runs its task definition) is
    // stable at once, so the services that depend on it are deployed in the same call: a redeploy
    // that changes nothing finishes in one call, and a change deep in a chain waits for no poll.
    const dueNow = () =>
      input.services.filter(
        (service) =>
          !stable.has(service.name) &&
          !deploying.has(service.name) &&
          service.dependsOn.every((dependency) => stable.has(dependency)),
      );
    const started: string[] = [];
    let known: Awaited<ReturnType<typeof discoveryIndex>> | undefined;
    for (let due = dueNow(); due.length > 0; due = dueNow()) {
      if (known === undefined) known = await discoveryIndex(clients.servicediscovery, input.namespace.id);
      const index = known;
      const outcomes = await mapConcurrently(due, DEPLOY_CONCURRENCY, async (service) => ({
        service: service.name,
        ...(await deployService(service, input, clients, index)),
      }));
      for (const outcome of outcomes) {
        const current = described.get(outcome.service);
        const settled =
          outcome.action === 'unchanged' &&
          current !== undefined &&
          isStable(current, cluster, outcome.taskDefinitionArn);
        (settled ? stable : deploying).add(outcome.service);
        if (outcome.action !== 'unchanged') {
          started.push(outcome.service);
          rolled.add(outcome.service);
        }
      }
    }
    return {
      done: stable.size === input.services.length,
      stable: stable.size,
      deploying: deploying.size,
      started,
      rolled: input.services.map((service) => service.name).filter((name) => rolled.has(name)),
    };
  },
  settled: (output) => output.done,
});

/** The services by name, with their tags; a name ECS does not know is absent. */
async function describeAll(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
): Promise<Map<string, Service>> {
  const batches: string[][] = [];
  for (let start = 0; start < names.length; start += DESCRIBE_BATCH) {
    batches.push(names.slice(start, start + DESCRIBE_BATCH));
  }
  const results = await mapConcurrently(batches, DESCRIBE_CONCURRENCY, async (batch) => {
    const { services = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }),
    );
    return services;
  });
  return new Map(
    results.flat().flatMap((service) => (service.serviceName ? [[service.serviceName, service]] : [])),
  );
}

async function deployService(
  service: ServiceSpec,
  input: RolloutServicesInput,
  clients: {
    ecs: ECSClient;
    servicediscovery: ServiceDiscoveryClient;
    iam: IAMClient;
    applicationautoscaling: ApplicationAutoScalingClient;
  },
  known: Awaited<ReturnType<typeof discoveryIndex>>,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; taskDefinitionArn: string }> {
  const taskDefinitionArn = await registerServiceTaskDefinition(service, input, clients);
  const familyRevision = taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1);
  const scaling = serviceScaling(service, input.policy);
  const { action } = await ensureService(
    {
      strategy: input.strategy,
      service,
      taskDefinitionArn,
      policy: input.policy,
      names: input.names,
      tags: [
        ...input.tags,
        { Key: ROLLOUT_TAG, Value: input.rollout },
        { Key: TASK_DEFINITION_TAG, Value: familyRevision },
      ],
      deploymentTags: [{ Key: DEPLOYED_BY_TAG, Value: input.rollout }],
      taskNetwork: input.taskNetwork,
      network: input.network,
      loadBalancer: input.loadBalancer,
      namespace: input.namespace,
      ...(scaling !== undefined ? { scaling } : {}),
    },
    clients,
    known,
  );
  // Registered once the service exists; a service that no longer scales is deregistered.
  const cluster = input.names.cluster;
  if (scaling === undefined)
    await removeServiceScaling(clients.applicationautoscaling, cluster, service.name);
  else
    await ensureServiceScaling(clients.applicationautoscaling, {
      cluster,
      service: service.name,
      scaling,
      tags: input.tags,
    });
  return { action, taskDefinitionArn };
}

export const handler = lambdaHandler(rolloutServices);
