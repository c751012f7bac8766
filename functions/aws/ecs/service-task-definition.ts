/**
 * A service's task definition as a deploy registers it: its image (built or
 * named), its wiring to the environment's databases, caches and config
 * values, an execution role that may read exactly the secrets it names, and
 * the app's task role, if it has one (functions/aws/iam/task-role.ts).
 * The long-running services' rollout and the run-once tasks both start from it.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { ServiceSpec } from '../../../core/execution-input.ts';
import { serviceNames } from '../../../core/names.ts';
import type { Policy } from '../../../core/policy.ts';
import type { CacheEndpoint, DatabaseEndpoint, EnvironmentNames, Tag } from '../../resource-refs.ts';
import { builtImage } from '../ecr/image-uri.ts';
import { ensureExecutionRole } from '../iam/execution-role.ts';
import { ensureTaskRole } from '../iam/task-role.ts';
import { containerWiring, registerTaskDefinition } from './task-definition.ts';

/** What a service's task definition is made from besides the service. */
/**
 * What {@link registerServiceTaskDefinition} sends: the task definition's revisions and its
 * execution and task roles. A step that registers one declares these among its `sends`.
 */
export const SERVICE_TASK_DEFINITION_COMMANDS = [
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  CreateRoleCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  PutRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
] as const;

export interface ServiceTaskContext {
  readonly project: string;
  readonly environment: string;
  /** The deployment id: the tag of a built image whose service has no `imageTag` (its digest). */
  readonly deploymentId: string;
  readonly policy: Pick<Policy, 'cacheTransitEncryption' | 'executeCommand'>;
  readonly names: EnvironmentNames;
  readonly tags: readonly Tag[];
  readonly databases: readonly DatabaseEndpoint[];
  /** @default [] */
  readonly caches?: readonly CacheEndpoint[];
  readonly accountId: string;
  readonly region: string;
}

/**
 * Registers the service's task definition (a new revision only when it
 * changed), after its execution role; returns the revision's ARN.
 */
export async function registerServiceTaskDefinition(
  service: ServiceSpec,
  context: ServiceTaskContext,
  clients: { readonly ecs: ECSClient; readonly iam: IAMClient },
): Promise<string> {
  const repository = serviceNames(context.project, context.environment, service.name).ecrRepository;
  const images = service.build
    ? [
        {
          service: service.name,
          image: builtImage(
            context.accountId,
            context.region,
            repository,
            service.imageTag ?? context.deploymentId,
          ).image,
        },
      ]
    : [];
  const wiring = containerWiring(service, {
    ...context,
    cacheTransitEncryption: context.policy.cacheTransitEncryption,
  });
  const { secrets } = wiring;
  const executionRoleArn = await ensureExecutionRole(
    {
      project: context.project,
      environment: context.environment,
      service: service.name,
      built: service.build,
      parameters: secrets.filter((secret) => secret.kind === 'parameter').map((secret) => secret.resource),
      secrets: secrets.filter((secret) => secret.kind === 'secret').map((secret) => secret.resource),
      accountId: context.accountId,
      region: context.region,
    },
    context.tags,
    clients.iam,
  );
  const taskRoleArn = await ensureTaskRole(
    {
      project: context.project,
      environment: context.environment,
      service: service.name,
      ...(service.role !== undefined ? { role: service.role } : {}),
      ...(service.policies !== undefined ? { policies: service.policies } : {}),
      executeCommand: context.policy.executeCommand,
      accountId: context.accountId,
      region: context.region,
    },
    context.tags,
    clients.iam,
  );
  const taskDefinition = await registerTaskDefinition(
    {
      service,
      project: context.project,
      environment: context.environment,
      images,
      names: context.names,
      deploymentId: context.deploymentId,
      tags: context.tags,
      executionRoleArn,
      ...(taskRoleArn !== undefined ? { taskRoleArn } : {}),
      wiring,
      region: context.region,
    },
    clients,
  );
  return taskDefinition.arn;
}
