/**
 * PurgeAndDeleteZones (down, modes that destroy their zones): the
 * environment's own public hosted zones — found by the environment's tags,
 * never by name — are emptied (every record but the apex SOA and NS), their
 * delegation is removed from the parent zone, and they are deleted. A zone not
 * tagged for this environment, a parent zone among them, is never deleted; in
 * a parent only the NS record that delegates to the deleted zone's own name
 * servers is removed.
 */
import {
  ChangeResourceRecordSetsCommand,
  DeleteHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { hasAwsErrorName } from '../aws/errors.ts';
import { ancestorDnsNames, relativeDnsName, sameDnsName } from '../aws/route53/dns-name.ts';
import { findEnvironmentZones } from '../aws/route53/environment-zones.ts';
import { type FoundZone, findPublicZonesByName } from '../aws/route53/public-zones-by-name.ts';
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
async function removeDelegation(route53: Route53Client, zone: FoundZone): Promise<void> {
  const details = await route53.send(new GetHostedZoneCommand({ Id: zone.id }));
  const nameServers = details.DelegationSet?.NameServers ?? [];
  if (nameServers.length === 0) return;
  for (const ancestor of ancestorDnsNames(zone.name)) {
    const parents = await findPublicZonesByName(route53, ancestor);
    if (parents.length === 0) continue;
    for (const parent of parents) {
      const delegation = await findRecord(route53, parent.id, zone.name, 'NS');
      if (delegation !== undefined && delegatesTo(delegation, nameServers)) {
        await deleteRecords(route53, parent.id, [delegation]);
      }
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
  ],
  async run(input: PurgeAndDeleteZonesInput, { route53 }): Promise<PurgeAndDeleteZonesOutput> {
    const zones = await findEnvironmentZones(route53, {
      project: input.project,
      environment: input.environment,
    });
    const deepestFirst = [...zones].sort(
      (a, b) => relativeDnsName(b.name).split('.').length - relativeDnsName(a.name).split('.').length,
    );
    for (const zone of deepestFirst) {
      const records = await listRecords(route53, zone.id);
      await deleteRecords(
        route53,
        zone.id,
        records.filter((record) => !isApexSoaOrNs(record, zone)),
      );
      await removeDelegation(route53, zone);
      await deleteZone(route53, zone);
    }
    return {};
  },
});

export const handler = lambdaHandler(purgeAndDeleteZones);
