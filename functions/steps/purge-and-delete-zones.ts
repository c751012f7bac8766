/**
 * PurgeAndDeleteZones (down, modes that destroy their zones): the public
 * hosted zones the environment created — found by the environment's tags,
 * never by name, and created with its caller reference — are emptied (every
 * record but the apex SOA and NS), their delegation is removed from the parent
 * zone, and they are deleted. A zone the environment did not create is never
 * deleted: in a zone it adopted only the records marked as its own go, and in
 * a parent only the NS record that delegates to the deleted zone's own name
 * servers, and its mark. A zone tagged for the environment that it did not
 * create (adopted before adoption was explicit) loses only the service records.
 */
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  DeleteHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { releaseAdoptedZone } from '../aws/route53/adopted-zones.ts';
import { ancestorDnsNames, relativeDnsName, sameDnsName } from '../aws/route53/dns-name.ts';
import { findEnvironmentZoneSets, isCreatedBy } from '../aws/route53/environment-zones.ts';
import { type FoundZone, findPublicZonesByName } from '../aws/route53/public-zones-by-name.ts';
import { isOwnedBy, ownershipName } from '../aws/route53/record-ownership.ts';
import { isModeshiftRecord } from '../aws/route53/service-records.ts';
import { deleteRecords, findRecord, listRecords } from '../aws/route53/zone-records.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type PurgeAndDeleteZonesInput = EnvironmentStepInput;

export type PurgeAndDeleteZonesOutput = Record<string, never>;

function isApexSoaOrNs(record: ResourceRecordSet, zone: FoundZone): boolean {
  return (record.Type === 'SOA' || record.Type === 'NS') && sameDnsName(record.Name ?? '', zone.name);
}

function comparableServer(server: string): string {
  return server.toLowerCase().replace(/\.$/, '');
}

/** true when every name server the NS record lists is one of the zone's own. */
function delegatesTo(record: ResourceRecordSet, nameServers: readonly string[]): boolean {
  const own = new Set(nameServers.map(comparableServer));
  const values = (record.ResourceRecords ?? []).map((value) => comparableServer(value.Value ?? ''));
  return values.length > 0 && values.every((value) => own.has(value));
}

/**
 * Removes the zone's delegation: the NS record of the zone's name in the
 * nearest enclosing public zone(s) of the account, when it points at this
 * zone's name servers. Nothing else in a parent is touched.
 */
async function removeDelegation(
  route53: Route53Client,
  zone: FoundZone,
  owner: EnvironmentIdentity,
): Promise<void> {
  const details = await route53.send(new GetHostedZoneCommand({ Id: zone.id }));
  const nameServers = details.DelegationSet?.NameServers ?? [];
  if (nameServers.length === 0) return;
  for (const ancestor of ancestorDnsNames(zone.name)) {
    const parents = await findPublicZonesByName(route53, ancestor);
    if (parents.length === 0) continue;
    for (const parent of parents) {
      const delegation = await findRecord(route53, parent.id, zone.name, 'NS');
      const mark = await findRecord(route53, parent.id, ownershipName(zone.name, parent.name), 'TXT');
      const ownMark = mark !== undefined && isOwnedBy([mark], zone.name, parent.name, owner) ? [mark] : [];
      const ownDelegation =
        delegation !== undefined && delegatesTo(delegation, nameServers) ? [delegation] : [];
      await deleteRecords(route53, parent.id, [...ownDelegation, ...ownMark]);
    }
    return;
  }
}

async function deleteZone(route53: Route53Client, zone: FoundZone): Promise<void> {
  try {
    await route53.send(new DeleteHostedZoneCommand({ Id: zone.id }));
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchHostedZone')) return;
    throw error;
  }
}

/** Empties, undelegates and deletes each of the environment's public zones, deepest names first. */
export const purgeAndDeleteZones = defineStep({
  name: 'PurgeAndDeleteZones',
  clients: { route53: Route53Client },
  sends: [
    ListHostedZonesCommand,
    ListTagsForResourcesCommand,
    ListResourceRecordSetsCommand,
    ChangeResourceRecordSetsCommand,
    GetHostedZoneCommand,
    ListHostedZonesByNameCommand,
    DeleteHostedZoneCommand,
    ChangeTagsForResourceCommand,
  ],
  async run(input: PurgeAndDeleteZonesInput, { route53 }): Promise<PurgeAndDeleteZonesOutput> {
    const owner = { project: input.project, environment: input.environment };
    const zones = await findEnvironmentZoneSets(route53, owner);
    for (const zone of zones.adopted) await releaseAdoptedZone(route53, zone, owner);
    const created = zones.owned.filter((zone) => isCreatedBy(zone, owner));
    for (const zone of zones.owned.filter((candidate) => !created.includes(candidate))) {
      const records = await listRecords(route53, zone.id);
      await deleteRecords(route53, zone.id, records.filter(isModeshiftRecord));
    }
    const deepestFirst = [...created].sort(
      (a, b) => relativeDnsName(b.name).split('.').length - relativeDnsName(a.name).split('.').length,
    );
    for (const zone of deepestFirst) {
      const records = await listRecords(route53, zone.id);
      await deleteRecords(
        route53,
        zone.id,
        records.filter((record) => !isApexSoaOrNs(record, zone)),
      );
      await removeDelegation(route53, zone, owner);
      await deleteZone(route53, zone);
    }
    return {};
  },
});

export const handler = lambdaHandler(purgeAndDeleteZones);
