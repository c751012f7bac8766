/**
 * Route 53 answers that the step tests build their mocked accounts from: a
 * hosted zone as the listings return it, the four name servers of a public
 * zone's delegation set, the SOA and NS records at the apex of every zone, the
 * ListTagsForResources answer for the tags of each zone, and the pending change
 * that ChangeResourceRecordSets and DeleteHostedZone answer with.
 */
import type { HostedZone, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { EnvironmentIdentity } from '../../functions/aws/environment-tags.ts';
import { zoneCallerReferencePrefix } from '../../functions/aws/route53/environment-zones.ts';

/** The name servers of a public zone's delegation set, without the final dot. */
export const nameServers = [
  'ns-1.awsdns-01.org',
  'ns-2.awsdns-02.co.uk',
  'ns-3.awsdns-03.com',
  'ns-4.awsdns-04.net',
];

/**
 * Zone `id` named `name` (with its final dot), as ListHostedZones and ListHostedZonesByName return it.
 * `createdBy`: the environment that created it (its caller reference says so); a person's otherwise.
 */
export function hostedZone(
  id: string,
  name: string,
  privateZone = false,
  createdBy?: EnvironmentIdentity,
): HostedZone {
  return {
    Id: `/hostedzone/${id}`,
    Name: name,
    CallerReference:
      createdBy === undefined ? `ref-${id}` : `${zoneCallerReferencePrefix(createdBy, name)}${id}`,
    Config: { PrivateZone: privateZone },
  };
}

/** The SOA record Route 53 creates at the apex of zone `zoneName`, naming `primaryServer`. */
export function apexSoa(zoneName: string, primaryServer: string): ResourceRecordSet {
  return {
    Name: zoneName,
    Type: 'SOA',
    TTL: 900,
    ResourceRecords: [{ Value: `${primaryServer}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
  };
}

/** The NS record Route 53 creates at the apex of zone `zoneName`, listing `servers`. */
export function apexNs(zoneName: string, servers: readonly string[]): ResourceRecordSet {
  return {
    Name: zoneName,
    Type: 'NS',
    TTL: 172800,
    ResourceRecords: servers.map((server) => ({ Value: `${server}.` })),
  };
}

/** A ListTagsForResources fake: the tags of each zone asked for, from `tagsByZone` (none if absent). */
export function zoneTagSets(tagsByZone: Record<string, ReadonlyArray<{ Key: string; Value: string }>>) {
  return (command: { ResourceIds?: string[] }) => ({
    ResourceTagSets: (command.ResourceIds ?? []).map((id) => ({
      ResourceType: 'hostedzone' as const,
      ResourceId: id,
      Tags: [...(tagsByZone[id] ?? [])],
    })),
  });
}

/** The answer of a change Route 53 accepted and is applying: ChangeResourceRecordSets, DeleteHostedZone. */
export function pendingChange(id: string) {
  return { ChangeInfo: { Id: `/change/${id}`, Status: 'PENDING' as const, SubmittedAt: new Date() } };
}
