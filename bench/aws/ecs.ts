/**
 * In-memory ECS: clusters with their tags, task definitions and services whose deployments
 * complete when the latency model says. A new deployment of a public service
 * cannot become healthy before the load balancer is active; a replace
 * deployment (0 % minimum healthy) of a running service first stops the old
 * tasks.
 */
import type {
  CreateServiceCommandInput,
  DeleteServiceCommandInput,
  DescribeServicesCommandInput,
  DescribeTaskDefinitionCommandInput,
  ListServicesCommandInput,
  ListTaskDefinitionsCommandInput,
  RegisterTaskDefinitionCommandInput,
  Service,
  Tag,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import type { World } from '../world.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

interface ServiceRecord {
  readonly name: string;
  readonly arn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  settings: Partial<CreateServiceCommandInput>;
  /** The deployment in progress or done, by world key. */
  deployment: string;
  previous?: string;
  deployments: number;
}

export function inMemoryEcs(world: World): InMemoryService {
  const families = new Map<string, RegisterTaskDefinitionCommandInput[]>();
  const services = new Map<string, ServiceRecord>();
  const clusters = new Map<string, Tag[]>();
  const describeCluster = (name: string) => ({
    clusterName: name,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`,
    status: 'ACTIVE',
    tags: clusters.get(name) ?? [],
  });
  const definitionArn = (family: string, revision: number) =>
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

  const deploy = (record: ServiceRecord, replaceRunning: boolean) => {
    record.deployments += 1;
    record.previous = record.deployment;
    record.deployment = `service:${record.name}:${record.deployments}`;
    const isPublic = (record.settings.loadBalancers ?? []).length > 0;
    let notBefore = world.clock.now();
    if (replaceRunning) notBefore = world.restart(`${record.deployment}:stop`, 'ecs:StopTasks').readyAt;
    if (isPublic) notBefore = Math.max(notBefore, world.get('lb')?.readyAt ?? notBefore);
    world.restart(
      record.deployment,
      record.deployments === 1 ? 'ecs:CreateService' : 'ecs:UpdateService',
      notBefore,
    );
  };

  const byNameOrArn = (service: string) => services.get(service.split('/').at(-1) ?? service);
  const describe = (record: ServiceRecord): Service => {
    const done = world.ready(record.deployment);
    const deleting = record.status === 'DRAINING';
    const gone = deleting && world.ready(`delete:${record.name}`);
    const status = gone ? 'INACTIVE' : record.status;
    return {
      serviceName: record.name,
      serviceArn: record.arn,
      status,
      taskDefinition: record.taskDefinition,
      desiredCount: record.desiredCount,
      runningCount: done ? record.desiredCount : 0,
      capacityProviderStrategy: record.settings.capacityProviderStrategy ?? [],
      ...(record.settings.deploymentConfiguration
        ? { deploymentConfiguration: record.settings.deploymentConfiguration }
        : {}),
      ...(record.settings.networkConfiguration
        ? { networkConfiguration: record.settings.networkConfiguration }
        : {}),
      loadBalancers: record.settings.loadBalancers ?? [],
      serviceRegistries: record.settings.serviceRegistries ?? [],
      ...(record.settings.propagateTags ? { propagateTags: record.settings.propagateTags } : {}),
      enableECSManagedTags: record.settings.enableECSManagedTags ?? false,
      tags: record.settings.tags ?? [],
      deployments: [
        {
          id: record.deployment,
          status: 'PRIMARY',
          taskDefinition: record.taskDefinition,
          rolloutState: done ? 'COMPLETED' : 'IN_PROGRESS',
        },
        ...(!done && record.previous ? [{ id: record.previous, status: 'ACTIVE' }] : []),
      ],
    };
  };

  return {
    CreateCluster: (input: { clusterName?: string; tags?: Tag[] }) => {
      const name = input.clusterName ?? '';
      clusters.set(name, input.tags ?? []);
      return { cluster: describeCluster(name) };
    },
    DescribeClusters: (input: { clusters?: string[] }) => ({
      clusters: (input.clusters ?? []).flatMap((cluster) => {
        const name = cluster.split('/').at(-1) ?? cluster;
        return clusters.has(name) ? [describeCluster(name)] : [];
      }),
      failures: [],
    }),
    PutClusterCapacityProviders: () => ({}),
    DeleteCluster: (input: { cluster?: string }) => {
      clusters.delete(input.cluster?.split('/').at(-1) ?? '');
      return {};
    },
    RegisterTaskDefinition: (input: RegisterTaskDefinitionCommandInput) => {
      const revisions = families.get(input.family ?? '') ?? [];
      revisions.push(input);
      families.set(input.family ?? '', revisions);
      const arn = definitionArn(input.family ?? '', revisions.length);
      return {
        taskDefinition: { ...input, taskDefinitionArn: arn, revision: revisions.length, status: 'ACTIVE' },
      };
    },
    ListTaskDefinitions: (input: ListTaskDefinitionsCommandInput) => {
      const family = input.familyPrefix ?? '';
      const revisions = families.get(family) ?? [];
      return { taskDefinitionArns: revisions.map((_, index) => definitionArn(family, index + 1)).reverse() };
    },
    DescribeTaskDefinition: (input: DescribeTaskDefinitionCommandInput) => {
      const requested = input.taskDefinition ?? '';
      const latest = families.get(requested)?.length;
      const match = /task-definition\/(.+):(\d+)$/.exec(
        latest === undefined ? requested : definitionArn(requested, latest),
      );
      const definition = match ? families.get(match[1] ?? '')?.[Number(match[2]) - 1] : undefined;
      if (!match || !definition)
        throw awsError('ecs', 'ClientException', 'Unable to describe task definition.');
      return {
        taskDefinition: {
          ...definition,
          taskDefinitionArn: definitionArn(match[1] ?? '', Number(match[2])),
          revision: Number(match[2]),
          status: 'ACTIVE',
        },
        tags: definition.tags ?? [],
      };
    },
    DeregisterTaskDefinition: () => ({}),
    ListTaskDefinitionFamilies: (input: { familyPrefix?: string }) => ({
      families: [...families.keys()].filter((family) => family.startsWith(input.familyPrefix ?? '')),
    }),
    CreateService: (input: CreateServiceCommandInput) => {
      const name = input.serviceName ?? '';
      const existing = services.get(name);
      if (existing && existing.status !== 'INACTIVE' && !world.ready(`delete:${name}`)) {
        throw awsError('ecs', 'InvalidParameterException', 'Creation of service was not idempotent.');
      }
      const record: ServiceRecord = {
        name,
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${name}`,
        status: 'ACTIVE',
        taskDefinition: input.taskDefinition ?? '',
        desiredCount: input.desiredCount ?? 1,
        settings: input,
        deployment: '',
        deployments: 0,
      };
      services.set(name, record);
      world.forget(`delete:${name}`);
      deploy(record, false);
      return { service: describe(record) };
    },
    UpdateService: (input: UpdateServiceCommandInput) => {
      const record = byNameOrArn(input.service ?? '');
      if (!record || record.status === 'INACTIVE')
        throw awsError('ecs', 'ServiceNotFoundException', 'Service not found.');
      const changed =
        (input.taskDefinition !== undefined && input.taskDefinition !== record.taskDefinition) ||
        input.forceNewDeployment === true;
      const running = world.ready(record.deployment) && record.desiredCount > 0;
      record.taskDefinition = input.taskDefinition ?? record.taskDefinition;
      record.desiredCount = input.desiredCount ?? record.desiredCount;
      record.settings = { ...record.settings, ...(input as Partial<CreateServiceCommandInput>) };
      if (changed) deploy(record, running && input.deploymentConfiguration?.minimumHealthyPercent === 0);
      return { service: describe(record) };
    },
    DescribeServices: (input: DescribeServicesCommandInput) => {
      const found = (input.services ?? []).flatMap((name) => {
        const record = byNameOrArn(name);
        return record ? [describe(record)] : [];
      });
      return { services: found, failures: [] };
    },
    ListServices: (_input: ListServicesCommandInput) => ({
      serviceArns: [...services.values()]
        .filter((record) => describe(record).status !== 'INACTIVE')
        .map((record) => record.arn),
    }),
    // The model starts no task outside a service: a down finds none to stop.
    ListTasks: () => ({ taskArns: [] }),
    DeleteService: (input: DeleteServiceCommandInput) => {
      const record = byNameOrArn(input.service ?? '');
      if (!record) throw awsError('ecs', 'ServiceNotFoundException', 'Service not found.');
      record.status = 'DRAINING';
      world.start(`delete:${record.name}`, 'ecs:DeleteService');
      return { service: describe(record) };
    },
    TagResource: (input: { resourceArn?: string; tags?: Array<{ key?: string; value?: string }> }) => {
      const record = [...services.values()].find((candidate) => candidate.arn === input.resourceArn);
      if (record) {
        const merged = new Map((record.settings.tags ?? []).map((tag) => [tag.key, tag]));
        for (const tag of input.tags ?? []) merged.set(tag.key, tag);
        record.settings = { ...record.settings, tags: [...merged.values()] };
      }
      return {};
    },
  };
}
