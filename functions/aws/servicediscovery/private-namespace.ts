/**
 * Finding an environment's Cloud Map private DNS namespace by its name and
 * its tags: private namespaces of one name may exist in several VPCs, so the
 * name finds candidates and the modeshift tags pick the environment's.
 */
import {
  ListTagsForResourceCommand,
  paginateListNamespaces,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { assertOwned, type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';

/** The id of the private DNS namespace called `name` that is tagged for `owner`, if there is one. */
export async function findNamespaceId(
  servicediscovery: ServiceDiscoveryClient,
  name: string,
  owner: EnvironmentIdentity,
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
    for (const found of page.Namespaces ?? []) {
      if (found.Name !== name || found.Type !== 'DNS_PRIVATE' || found.Id === undefined) continue;
      if (
        found.Arn !== undefined &&
        isTaggedForEnvironment(await namespaceTags(servicediscovery, found.Arn), owner)
      )
        return found.Id;
    }
  }
  return undefined;
}

/** Throws `Modeshift.NotOwned` unless the namespace is tagged for `owner`. */
export async function assertNamespaceOwned(
  servicediscovery: ServiceDiscoveryClient,
  namespace: { readonly name: string; readonly arn: string },
  owner: EnvironmentIdentity,
): Promise<void> {
  assertOwned(
    `Cloud Map namespace ${namespace.name}`,
    await namespaceTags(servicediscovery, namespace.arn),
    owner,
  );
}

async function namespaceTags(servicediscovery: ServiceDiscoveryClient, arn: string) {
  return (await servicediscovery.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;
}
