/**
 * RegisterTaskDefinition: a service's Fargate task definition, one essential
 * container named after the service. Secrets are references (a Parameter
 * Store ARN, or the `password` key of a database's RDS-managed secret) that
 * the service's own execution role resolves at start: their values never pass
 * through the workflow. Registers a new revision only when the definition changed.
 */
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { wireContainer } from '../../../core/app-wiring.ts';
import type { ServiceSpec, Tag } from '../../../core/execution-input.ts';
import { type EnvironmentNames, serviceNames } from '../../../core/names.ts';
import type { BuiltImage, CacheEndpoint, DatabaseEndpoint } from '../../resource-refs.ts';
import { StepError } from '../../step-errors.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';

export interface RegisterTaskDefinitionInput {
  readonly service: ServiceSpec;
  /** Project and environment: the task definition family and the log group are named after them. */
  readonly project: string;
  readonly environment: string;
  /** Images RunBuilds produced; a built service runs its own. */
  readonly images: readonly BuiltImage[];
  readonly names: EnvironmentNames;
  readonly deploymentId: string;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
  /** The service's own role, with which ECS pulls its image, writes its logs and reads its secrets. */
  readonly executionRoleArn: string;
  /** The app's own credentials (functions/aws/iam/task-role.ts); none when absent. */
  readonly taskRoleArn?: string;
  /** The container's environment and secrets (see {@link containerWiring}). */
  readonly wiring: ContainerWiring;
  /** Region of the log group, for the awslogs driver. */
  readonly region: string;
}

export interface RegisterTaskDefinitionOutput {
  /** ARN of the task definition revision to run. */
  readonly arn: string;
}

/** A container secret as the task definition names it, and the ARN its execution role must read. */
export interface SecretReference {
  readonly name: string;
  /** `arn:…:parameter/modeshift/<project>/<environment>/<NAME>`, or `<secret ARN>:password::`. */
  readonly valueFrom: string;
  /** The resource IAM authorises: the parameter or the secret. */
  readonly resource: string;
  readonly kind: 'parameter' | 'secret';
}

/** The service's container as it is wired: its environment and where each secret is read from. */
export interface ContainerWiring {
  /** The service's environment, with its database's connection settings. */
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretReference[];
}

/**
 * The service's container wiring (core/app-wiring.ts): config values from Parameter Store under
 * the environment's path, its database's password from the `password` key of the RDS-managed secret.
 */
export function containerWiring(
  service: Pick<ServiceSpec, 'name' | 'secrets' | 'environment' | 'database' | 'cache'>,
  context: {
    readonly names: EnvironmentNames;
    readonly databases: readonly DatabaseEndpoint[];
    /** The managed caches' endpoints (absent: none). */
    readonly caches?: readonly CacheEndpoint[];
    /** Whether the caches take TLS only: the services then connect to the primary endpoint by its name. */
    readonly cacheTransitEncryption?: boolean;
    readonly accountId: string;
    readonly region: string;
  },
): ContainerWiring {
  const database = context.databases.find((candidate) => candidate.name === service.database);
  if (service.database !== undefined && database === undefined) {
    throw new StepError(
      'Modeshift.DatabaseSecretMissing',
      `service ${service.name} is wired to database ${service.database}, which the deployment did not provide`,
    );
  }
  const cache = (context.caches ?? []).find((candidate) => candidate.name === service.cache);
  if (service.cache !== undefined && cache === undefined) {
    throw new StepError(
      'Modeshift.CacheMissing',
      `service ${service.name} is wired to cache ${service.cache}, which the deployment did not provide`,
    );
  }
  const tls = context.cacheTransitEncryption === true;
  const wiring = wireContainer(
    service,
    database,
    cache === undefined ? undefined : { name: cache.name, host: tls ? cache.endpoint : cache.name, tls },
  );
  const secrets = wiring.secrets.map(({ name, from }): SecretReference => {
    if ('config' in from) {
      const resource = `arn:aws:ssm:${context.region}:${context.accountId}:parameter${context.names.secretsPath}${from.config}`;
      return { name, valueFrom: resource, resource, kind: 'parameter' };
    }
    if (database?.secretArn === undefined || database.secretArn === '') {
      throw new StepError(
        'Modeshift.DatabaseSecretMissing',
        `service ${service.name} reads ${name} from database ${from.database}, whose RDS-managed password secret was not found`,
      );
    }
    return {
      name,
      valueFrom: `${database.secretArn}:password::`,
      resource: database.secretArn,
      kind: 'secret',
    };
  });
  return { environment: wiring.environment, secrets };
}

/**
 * Builds the service's task definition and returns the ARN of the family's
 * latest ACTIVE revision when that already has the same definition, or of a
 * newly registered revision otherwise.
 */
export async function registerTaskDefinition(
  input: RegisterTaskDefinitionInput,
  clients: { ecs: ECSClient },
): Promise<RegisterTaskDefinitionOutput> {
  const desired = taskDefinitionFor(input);
  const family = desired.family as string;
  const latest = await latestActiveRevision(clients.ecs, family);
  if (latest !== undefined) {
    const { taskDefinition, tags } = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: latest, include: ['TAGS'] }),
    );
    // A family of this environment's name whose revisions are another's gets no revision of ours.
    assertOwned(`ECS task definition family ${family}`, tags, environmentIdentity(input.tags));
    if (taskDefinition?.taskDefinitionArn && fingerprint(taskDefinition) === fingerprint(desired)) {
      return { arn: taskDefinition.taskDefinitionArn };
    }
  }
  const { taskDefinition } = await clients.ecs.send(new RegisterTaskDefinitionCommand(desired));
  if (!taskDefinition?.taskDefinitionArn) {
    throw new Error(`RegisterTaskDefinition of family ${family} returned no task definition ARN`);
  }
  return { arn: taskDefinition.taskDefinitionArn };
}

/** The RegisterTaskDefinition request for the service. */
function taskDefinitionFor(input: RegisterTaskDefinitionInput): RegisterTaskDefinitionCommandInput {
  const { service, region } = input;
  const { taskFamily, logGroup } = serviceNames(input.project, input.environment, service.name);
  const container: ContainerDefinition = {
    name: service.name,
    image: imageFor(service, input.images),
    essential: true,
    portMappings: service.ports.map((port) => ({
      containerPort: port.target,
      protocol: port.protocol,
      name: `${service.name}-${port.target}-${port.protocol}`,
    })),
    environment: Object.entries(input.wiring.environment)
      .sort(([a], [b]) => compare(a, b))
      .map(([name, value]) => ({ name, value })),
    secrets: input.wiring.secrets.map(({ name, valueFrom }) => ({ name, valueFrom })),
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': logGroup,
        'awslogs-region': region,
        'awslogs-stream-prefix': service.name,
      },
    },
    ...(service.healthCheck !== undefined
      ? {
          healthCheck: {
            command: [...service.healthCheck.command],
            interval: service.healthCheck.intervalSeconds,
            timeout: service.healthCheck.timeoutSeconds,
            retries: service.healthCheck.retries,
            startPeriod: service.healthCheck.startPeriodSeconds,
          },
        }
      : {}),
    ...(service.command !== undefined ? { command: [...service.command] } : {}),
    ...(service.entrypoint !== undefined ? { entryPoint: [...service.entrypoint] } : {}),
  };
  return {
    family: taskFamily,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(service.cpu),
    memory: String(service.memory),
    executionRoleArn: input.executionRoleArn,
    ...(input.taskRoleArn !== undefined ? { taskRoleArn: input.taskRoleArn } : {}),
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
    containerDefinitions: [container],
    tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
  };
}

function imageFor(service: ServiceSpec, images: readonly BuiltImage[]): string {
  if (service.build) {
    const built = images.find((image) => image.service === service.name);
    if (built === undefined) {
      throw new StepError(
        'Modeshift.ImageMissing',
        `service ${service.name} is built, but the builds produced no image for it (built: ${images.map((image) => image.service).join(', ') || 'none'})`,
      );
    }
    return built.image;
  }
  if (service.image === undefined) {
    throw new StepError('Modeshift.ImageMissing', `service ${service.name} has neither an image nor a build`);
  }
  return service.image;
}

/** ARN of the family's highest ACTIVE revision, if any. */
async function latestActiveRevision(ecs: ECSClient, family: string): Promise<string | undefined> {
  // Newest first on AWS, so the first page holds the latest; revisions are compared anyway
  // because not every implementation sorts (moto lists in registration order).
  const { taskDefinitionArns } = await ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC' }),
  );
  let latest: { arn: string; revision: number } | undefined;
  for (const arn of taskDefinitionArns ?? []) {
    const match = /:task-definition\/(.+):(\d+)$/.exec(arn);
    if (match?.[1] !== family) continue;
    const revision = Number(match[2]);
    if (latest === undefined || revision > latest.revision) latest = { arn, revision };
  }
  return latest?.arn;
}

type DefinitionFields = Pick<
  TaskDefinition,
  | 'family'
  | 'networkMode'
  | 'requiresCompatibilities'
  | 'cpu'
  | 'memory'
  | 'executionRoleArn'
  | 'taskRoleArn'
  | 'runtimePlatform'
  | 'containerDefinitions'
>;

/**
 * The fields this step sets, normalized (defaults AWS fills in, order that
 * carries no meaning), as a string two equal definitions share.
 */
function fingerprint(definition: DefinitionFields): string {
  return JSON.stringify({
    family: definition.family,
    networkMode: definition.networkMode,
    requiresCompatibilities: [...(definition.requiresCompatibilities ?? [])].sort(),
    cpu: definition.cpu,
    memory: definition.memory,
    executionRoleArn: definition.executionRoleArn,
    taskRoleArn: definition.taskRoleArn || undefined,
    runtimePlatform: {
      operatingSystemFamily: definition.runtimePlatform?.operatingSystemFamily,
      cpuArchitecture: definition.runtimePlatform?.cpuArchitecture,
    },
    containers: (definition.containerDefinitions ?? []).map(containerFingerprint),
  });
}

function containerFingerprint(container: ContainerDefinition): unknown {
  const health = container.healthCheck;
  const log = container.logConfiguration;
  return {
    name: container.name,
    image: container.image,
    essential: container.essential ?? true,
    portMappings: (container.portMappings ?? [])
      .map((port) => ({
        containerPort: port.containerPort,
        protocol: port.protocol ?? 'tcp',
        name: port.name,
      }))
      .sort((a, b) => compare(`${a.containerPort}/${a.protocol}`, `${b.containerPort}/${b.protocol}`)),
    environment: (container.environment ?? [])
      .map((variable) => ({ name: variable.name, value: variable.value }))
      .sort((a, b) => compare(a.name ?? '', b.name ?? '')),
    secrets: (container.secrets ?? [])
      .map((secret) => ({ name: secret.name, valueFrom: secret.valueFrom }))
      .sort((a, b) => compare(a.name ?? '', b.name ?? '')),
    logConfiguration: log
      ? {
          logDriver: log.logDriver,
          options: Object.entries(log.options ?? {}).sort(([a], [b]) => compare(a, b)),
        }
      : null,
    healthCheck: health
      ? {
          command: health.command,
          interval: health.interval ?? 30,
          timeout: health.timeout ?? 5,
          retries: health.retries ?? 3,
          startPeriod: health.startPeriod ?? 0,
        }
      : null,
    command: container.command?.length ? container.command : null,
    entryPoint: container.entryPoint?.length ? container.entryPoint : null,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
