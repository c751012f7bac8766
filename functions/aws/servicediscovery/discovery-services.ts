/**
 * The Cloud Map services of a namespace (one per ECS service, named after
 * it), and deleting one: its instances deregistered first, since Cloud Map
 * refuses to delete a service that still has instances.
 */
import {
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  GetServiceCommand,
  paginateListInstances,
  paginateListServices,
  type ServiceDiscoveryClient,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { hasAwsErrorName } from '../errors.ts';

/**
 * The namespace's services. The NAMESPACE_ID filter is checked again (moto
 * ignores it), from the summary where it says, else from GetService.
 */
export async function namespaceServices(
  servicediscovery: ServiceDiscoveryClient,
  namespaceId: string,
): Promise<ServiceSummary[]> {
  const services: ServiceSummary[] = [];
  for await (const page of paginateListServices(
    { client: servicediscovery },
    { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] },
  )) {
    for (const service of page.Services ?? []) {
      if (service.Id === undefined) continue;
      const inNamespace =
        service.DnsConfig?.NamespaceId ??
        (await servicediscovery.send(new GetServiceCommand({ Id: service.Id }))).Service?.NamespaceId;
      if (inNamespace === namespaceId) services.push(service);
    }
  }
  return services;
}

/**
 * Deregisters the service's instances and deletes it. Returns false while
 * Cloud Map still refuses (deregistration runs asynchronously); a service
 * already gone is deleted.
 */
export async function deleteDiscoveryService(
  servicediscovery: ServiceDiscoveryClient,
  serviceId: string,
): Promise<boolean> {
  try {
    for await (const page of paginateListInstances({ client: servicediscovery }, { ServiceId: serviceId })) {
      for (const instance of page.Instances ?? []) {
        if (instance.Id === undefined) continue;
        try {
          await servicediscovery.send(
            new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: instance.Id }),
          );
        } catch (error) {
          if (!hasAwsErrorName(error, 'InstanceNotFound', 'DuplicateRequest')) throw error;
        }
      }
    }
    await servicediscovery.send(new DeleteServiceCommand({ Id: serviceId }));
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'ServiceNotFound')) return true;
    if (hasAwsErrorName(error, 'ResourceInUse')) return false;
    throw error;
  }
}
