/**
 * Cloud Map (servicediscovery) answers for the private namespace steps: a
 * private DNS namespace as ListNamespaces sums it up, and as GetNamespace
 * describes it, with its ARN and the hosted zone Cloud Map made for it.
 */

/** Namespace `id` named `name`, as ListNamespaces returns it. */
export function privateNamespace(id: string, name: string) {
  return {
    Id: id,
    Name: name,
    Type: 'DNS_PRIVATE' as const,
    Arn: `arn:aws:servicediscovery:us-east-1:123456789012:namespace/${id}`,
  };
}

/** GetNamespace's answer for namespace `id` named `name`, whose hosted zone is `hostedZoneId`. */
export function namespaceWithZone(id: string, name: string, hostedZoneId: string) {
  return {
    Namespace: {
      ...privateNamespace(id, name),
      Properties: { DnsProperties: { HostedZoneId: hostedZoneId } },
    },
  };
}
