/**
 * The public hosted zones an environment owns: the zones tagged with its
 * `modeshift:project` and `modeshift:environment`. Down finds them this way,
 * never by name, so a parent zone (untagged, or another environment's) is
 * never among them.
 */
import {
  ListHostedZonesCommand,
  ListTagsForResourcesCommand,
  type Route53Client,
  type Tag as Route53Tag,
} from '@aws-sdk/client-route-53';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { absoluteDnsName, bareHostedZoneId } from './dns-name.ts';
import type { FoundZone } from './public-zones-by-name.ts';

/** ListTagsForResources takes at most this many hosted zones per call. */
const TAG_BATCH_SIZE = 10;

/** The tags of each hosted zone, by bare zone id. */
export async function hostedZoneTags(
  route53: Route53Client,
  zoneIds: readonly string[],
): Promise<Map<string, Route53Tag[]>> {
  const tags = new Map<string, Route53Tag[]>();
  for (let start = 0; start < zoneIds.length; start += TAG_BATCH_SIZE) {
    const batch = zoneIds.slice(start, start + TAG_BATCH_SIZE).map(bareHostedZoneId);
    const response = await route53.send(
      new ListTagsForResourcesCommand({ ResourceType: 'hostedzone', ResourceIds: batch }),
    );
    for (const set of response.ResourceTagSets ?? []) {
      if (set.ResourceId !== undefined) tags.set(bareHostedZoneId(set.ResourceId), set.Tags ?? []);
    }
  }
  return tags;
}

/** Every public hosted zone tagged with this project and environment. */
export async function findEnvironmentZones(
  route53: Route53Client,
  owner: EnvironmentIdentity,
): Promise<FoundZone[]> {
  const publicZones: FoundZone[] = [];
  let marker: string | undefined;
  do {
    const response = await route53.send(
      new ListHostedZonesCommand(marker === undefined ? {} : { Marker: marker }),
    );
    for (const zone of response.HostedZones ?? []) {
      if (zone.Id === undefined || zone.Name === undefined || zone.Config?.PrivateZone === true) continue;
      publicZones.push({ id: bareHostedZoneId(zone.Id), name: absoluteDnsName(zone.Name) });
    }
    marker = response.IsTruncated === true ? response.NextMarker : undefined;
  } while (marker !== undefined);

  const tags = await hostedZoneTags(
    route53,
    publicZones.map((zone) => zone.id),
  );
  return publicZones.filter((zone) => isTaggedForEnvironment(tags.get(zone.id), owner));
}
