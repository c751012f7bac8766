/**
 * EnsurePrivateNamespace: the Cloud Map private DNS namespace in which
 * services and databases are found by their compose names. Creating one is an
 * asynchronous operation; the step reports it pending until it is done.
 */
import {
  CreatePrivateDnsNamespaceCommand,
  type DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  ListTagsForResourceCommand,
  type NamespaceAlreadyExists,
  ServiceDiscoveryClient,
  TagResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { shortHash } from '../../core/names.ts';
import { environmentIdentity } from '../aws/environment-tags.ts';
import { awsErrorNamed } from '../aws/errors.ts';
import { assertNamespaceOwned, findNamespaceId } from '../aws/servicediscovery/private-namespace.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, NamespaceRef, NetworkRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of EnsurePrivateNamespace (state-machines/deploy.asl.json, state EnsurePrivateNamespace). */
export interface EnsurePrivateNamespaceInput {
  readonly names: EnvironmentNames;
  /** The four modeshift tags, put on the namespace. */
  readonly tags: readonly Tag[];
  readonly network: NetworkRef;
}

/** The namespace once it exists; `ready` false (and empty ids) while it is being created. */
export type EnsurePrivateNamespaceOutput = NamespaceRef;

/**
 * Finds the namespace named `names.privateZone`, or starts creating it in the
 * environment's VPC and follows the creation on later calls.
 */
export const ensurePrivateNamespace = defineStep({
  name: 'EnsurePrivateNamespace',
  clients: { servicediscovery: ServiceDiscoveryClient },
  sends: [
    CreatePrivateDnsNamespaceCommand,
    GetNamespaceCommand,
    GetOperationCommand,
    ListNamespacesCommand,
    ListTagsForResourceCommand,
    TagResourceCommand,
  ],
  async run(input: EnsurePrivateNamespaceInput, { servicediscovery }): Promise<EnsurePrivateNamespaceOutput> {
    const name = input.names.privateZone;
    const pending = (id = ''): EnsurePrivateNamespaceOutput => ({
      ready: false,
      id,
      name,
      hostedZoneId: '',
    });

    const owner = environmentIdentity(input.tags);
    const existingId = await findNamespaceId(servicediscovery, name, owner);
    let id = existingId;
    if (id === undefined) {
      const creation = await startCreation(servicediscovery, input);
      if ('namespaceId' in creation) {
        id = creation.namespaceId;
      } else {
        const { Operation: operation } = await servicediscovery.send(
          new GetOperationCommand({ OperationId: creation.operationId }),
        );
        if (operation?.Status === 'FAIL') {
          throw new StepError(
            'Modeshift.NamespaceCreationFailed',
            `private DNS namespace ${name}: creation (operation ${creation.operationId}) failed: ` +
              `${operation.ErrorCode ?? 'no code'}: ${operation.ErrorMessage ?? 'no message'}`,
          );
        }
        if (operation?.Status !== 'SUCCESS') return pending();
        id = operation.Targets?.NAMESPACE;
        if (id === undefined) return pending();
      }
    }

    const { Namespace: namespace } = await servicediscovery.send(new GetNamespaceCommand({ Id: id }));
    // Bare id, as Cloud Map returns it; moto returns `/hostedzone/<id>`.
    const hostedZoneId = namespace?.Properties?.DnsProperties?.HostedZoneId?.replace(/^\/hostedzone\//, '');
    // One of this name in this VPC that CreatePrivateDnsNamespace answered with may be another's.
    if (namespace?.Arn !== undefined)
      await assertNamespaceOwned(servicediscovery, { name, arn: namespace.Arn }, owner);
    if (hostedZoneId === undefined) return pending(id);
    if (existingId !== undefined && namespace?.Arn !== undefined) {
      // Found rather than created: bring its deployment and mode tags up to date.
      await servicediscovery.send(
        new TagResourceCommand({ ResourceARN: namespace.Arn, Tags: [...input.tags] }),
      );
    }
    return { ready: true, id, name, hostedZoneId };
  },
  settled: (output) => output.ready,
});

/**
 * Starts creating the namespace, or finds the creation already started: the
 * request id is derived from the zone and the VPC, so a repeated call names
 * the same operation, and a later environment in a new VPC starts afresh.
 */
async function startCreation(
  servicediscovery: ServiceDiscoveryClient,
  input: EnsurePrivateNamespaceInput,
): Promise<{ operationId: string } | { namespaceId: string }> {
  const name = input.names.privateZone;
  try {
    const created = await servicediscovery.send(
      new CreatePrivateDnsNamespaceCommand({
        Name: name,
        Vpc: input.network.vpcId,
        CreatorRequestId: `modeshift-${shortHash(`${name}/${input.network.vpcId}`, 32)}`,
        Description: `Service discovery for ${input.names.prefix}`,
        Tags: [...input.tags],
      }),
    );
    if (created.OperationId === undefined) {
      throw new Error(`CreatePrivateDnsNamespace ${name} returned no operation id`);
    }
    return { operationId: created.OperationId };
  } catch (error) {
    const duplicate = awsErrorNamed<DuplicateRequest>(error, 'DuplicateRequest')?.DuplicateOperationId;
    if (duplicate !== undefined) return { operationId: duplicate };
    const existing = awsErrorNamed<NamespaceAlreadyExists>(error, 'NamespaceAlreadyExists')?.NamespaceId;
    if (existing !== undefined) return { namespaceId: existing };
    throw error;
  }
}

export const handler = lambdaHandler(ensurePrivateNamespace);
