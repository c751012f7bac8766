/** Finding an environment's Cloud Map private DNS namespace by its name. */
import { paginateListNamespaces, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';

/** The id of the private DNS namespace called `name`, if there is one. */
export async function findNamespaceId(
  servicediscovery: ServiceDiscoveryClient,
  name: string,
): Promise<string | undefined> {
  for await (const page of paginateListNamespaces(
    { client: servicediscovery },
    {
      Filters: [
        { Name: 'NAME', Values: [name], Condition: 'EQ' },
        { Name: 'TYPE', Values: ['DNS_PRIVATE'], Condition: 'EQ' },
      ],
    },
  )) {
    // Matched here too: moto ignores ListNamespaces filters.
    const found = (page.Namespaces ?? []).find(
      (namespace) => namespace.Name === name && namespace.Type === 'DNS_PRIVATE',
    );
    if (found?.Id !== undefined) return found.Id;
  }
  return undefined;
}
