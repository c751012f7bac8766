/**
 * DeletePrivateNamespace: empties the environment's Cloud Map namespace —
 * instances, services, and the records modeshift wrote into its hosted zone
 * (the databases' CNAMEs) — then deletes it. Cloud Map refuses to delete a
 * namespace that still has services, and its hosted zone cannot go while it
 * holds records of ours, so each call removes what it can and reports not done
 * until the namespace is gone.
 */
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  type DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { awsErrorNamed, hasAwsErrorName } from '../aws/errors.ts';
import { deleteDiscoveryService, namespaceServices } from '../aws/servicediscovery/discovery-services.ts';
import { findNamespaceId } from '../aws/servicediscovery/private-namespace.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of DeletePrivateNamespace (state-machines/down.asl.json, state DeletePrivateNamespace). */
export type DeletePrivateNamespaceInput = EnvironmentStepInput;

/** `done` once no namespace named `names.privateZone` is left. */
export type DeletePrivateNamespaceOutput = TeardownProgress;

/** Route 53 takes up to 1,000 changes in one batch; smaller batches keep each request small. */
const CHANGES_PER_BATCH = 100;

/**
 * Deletes what is left of the namespace named `names.privateZone` and then
 * the namespace itself.
 */
export const deletePrivateNamespace = defineStep({
  name: 'DeletePrivateNamespace',
  clients: { servicediscovery: ServiceDiscoveryClient, route53: Route53Client },
  sends: [
    ListNamespacesCommand,
    ListTagsForResourceCommand,
    ListServicesCommand,
    GetServiceCommand,
    ListInstancesCommand,
    DeregisterInstanceCommand,
    DeleteServiceCommand,
    GetNamespaceCommand,
    ListResourceRecordSetsCommand,
    ChangeResourceRecordSetsCommand,
    DeleteNamespaceCommand,
    GetOperationCommand,
  ],
  async run(
    input: DeletePrivateNamespaceInput,
    { servicediscovery, route53 },
  ): Promise<DeletePrivateNamespaceOutput> {
    const zone = input.names.privateZone;
    const done = { done: true };
    const notDone = { done: false };

    // Only the namespace tagged for this environment: one of the same name in another VPC is left alone.
    const namespaceId = await findNamespaceId(servicediscovery, zone, input);
    if (namespaceId === undefined) return done;

    const services = await namespaceServices(servicediscovery, namespaceId);
    let servicesLeft = false;
    for (const service of services) {
      if (!(await deleteDiscoveryService(servicediscovery, service.Id as string))) servicesLeft = true;
    }

    const { Namespace: namespace } = await servicediscovery.send(
      new GetNamespaceCommand({ Id: namespaceId }),
    );
    const hostedZoneId = namespace?.Properties?.DnsProperties?.HostedZoneId;
    if (hostedZoneId !== undefined) {
      const cloudMapNames = services.flatMap((service) => (service.Name === undefined ? [] : [service.Name]));
      if (!(await deleteOurRecords(route53, hostedZoneId, zone, cloudMapNames))) return notDone;
    }
    if (servicesLeft) return notDone;

    let operationId: string;
    try {
      const deleted = await servicediscovery.send(new DeleteNamespaceCommand({ Id: namespaceId }));
      if (deleted.OperationId === undefined) return notDone;
      operationId = deleted.OperationId;
    } catch (error) {
      if (hasAwsErrorName(error, 'NamespaceNotFound')) return done;
      const duplicate = awsErrorNamed<DuplicateRequest>(error, 'DuplicateRequest')?.DuplicateOperationId;
      if (duplicate !== undefined) {
        operationId = duplicate;
      } else if (hasAwsErrorName(error, 'ResourceInUse', 'DuplicateRequest')) {
        return notDone;
      } else {
        throw error;
      }
    }

    const { Operation: operation } = await servicediscovery.send(
      new GetOperationCommand({ OperationId: operationId }),
    );
    if (operation?.Status === 'FAIL') {
      throw new StepError(
        'Modeshift.NamespaceDeletionFailed',
        `private DNS namespace ${zone} (${namespaceId}): deletion (operation ${operationId}) failed: ` +
          `${operation.ErrorCode ?? 'no code'}: ${operation.ErrorMessage ?? 'no message'}`,
      );
    }
    return operation?.Status === 'SUCCESS' ? done : notDone;
  },
  settled: (output) => output.done,
});

/** A record name as Route 53 returns it (`db.pr-42.shop.internal.`), compared without the final dot. */
function bareName(name: string | undefined): string {
  return (name ?? '').replace(/\.$/, '').toLowerCase();
}

/**
 * Whether modeshift wrote `record`: everything but the zone's own SOA and NS
 * records (modeshift writes neither type into a private zone, so they are
 * kept whatever their name: moto names a namespace's zone `<name>-hz`) and the
 * records Cloud Map keeps for a service (`<service>.<zone>` and names under
 * it), which go with the service.
 */
function writtenByModeshift(
  record: ResourceRecordSet,
  zone: string,
  cloudMapNames: readonly string[],
): boolean {
  if (record.Type === 'SOA' || record.Type === 'NS') return false;
  const name = bareName(record.Name);
  return !cloudMapNames.some((service) => {
    const serviceName = `${service.toLowerCase()}.${zone}`;
    return name === serviceName || name.endsWith(`.${serviceName}`);
  });
}

/**
 * Deletes the records modeshift added to the namespace's hosted zone.
 * Returns false when a record changed while it was being read (tried again
 * on the next call).
 */
async function deleteOurRecords(
  route53: Route53Client,
  hostedZoneId: string,
  zone: string,
  cloudMapNames: readonly string[],
): Promise<boolean> {
  const ours: ResourceRecordSet[] = [];
  let start: {
    StartRecordName?: string;
    StartRecordType?: ResourceRecordSet['Type'];
    StartRecordIdentifier?: string;
  } = {};
  for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...start }),
    );
    ours.push(
      ...(page.ResourceRecordSets ?? []).filter((record) =>
        writtenByModeshift(record, zone.toLowerCase(), cloudMapNames),
      ),
    );
    if (page.IsTruncated !== true || page.NextRecordName === undefined) break;
    start = {
      StartRecordName: page.NextRecordName,
      ...(page.NextRecordType !== undefined ? { StartRecordType: page.NextRecordType } : {}),
      ...(page.NextRecordIdentifier !== undefined
        ? { StartRecordIdentifier: page.NextRecordIdentifier }
        : {}),
    };
  }

  for (let index = 0; index < ours.length; index += CHANGES_PER_BATCH) {
    const changes: Change[] = ours
      .slice(index, index + CHANGES_PER_BATCH)
      .map((record) => ({ Action: 'DELETE', ResourceRecordSet: record }));
    try {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: { Comment: `modeshift down: records of ${zone}`, Changes: changes },
        }),
      );
    } catch (error) {
      if (hasAwsErrorName(error, 'InvalidChangeBatch')) return false;
      throw error;
    }
  }
  return true;
}

export const handler = lambdaHandler(deletePrivateNamespace);
