/**
 * The public hosted zones an environment owns and those it adopted.
 *
 * Owned: the zones it created — tagged with its `modeshift:project` and
 * `modeshift:environment`, and created with its caller reference
 * (`modeshift-<hash of project/environment/zone>-…`, see
 * `zoneCallerReferencePrefix`). Down finds them this way, never by name, so a
 * parent zone (untagged, or another environment's) is never among them, and
 * only a zone the environment created is ever deleted.
 *
 * Adopted: zones modeshift did not create that a request named on purpose
 * (`adoptZones`). They carry only the tag `modeshift:adopted:<project>/<environment>`,
 * so down can find the records it marked there (record-ownership.ts); they
 * never get the environment's ownership tags.
 */
import {
  ListHostedZonesCommand,
  ListTagsForResourcesCommand,
  type Route53Client,
  type Tag as Route53Tag,
} from '@aws-sdk/client-route-53';
import { shortHash } from '../../../core/names.ts';
import {
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  isTaggedForEnvironment,
  PROJECT_TAG,
} from '../environment-tags.ts';
import { absoluteDnsName, bareHostedZoneId, relativeDnsName } from './dns-name.ts';
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

/**
 * How the caller reference of every zone the environment creates begins:
 * `modeshift-<12 hex digits of project/environment/zone>-`. Route 53 keeps it
 * for the zone's life, so it says who created the zone even when its tags
 * were never written (a run that stopped between creating and tagging).
 */
export function zoneCallerReferencePrefix(owner: EnvironmentIdentity, zoneName: string): string {
  return `modeshift-${shortHash(`${owner.project}/${owner.environment}/${relativeDnsName(zoneName)}`, 12)}-`;
}

/** true when the zone was created by this environment (its caller reference says so). */
export function isCreatedBy(zone: FoundZone, owner: EnvironmentIdentity): boolean {
  return zone.callerReference?.startsWith(zoneCallerReferencePrefix(owner, zone.name)) === true;
}

/** true when the tags name some modeshift environment (any project or environment tag). */
export function isTaggedByModeshift(tags: readonly Route53Tag[] | undefined): boolean {
  return (tags ?? []).some((tag) => tag.Key === PROJECT_TAG || tag.Key === ENVIRONMENT_TAG);
}

/** The tag that says an environment adopted a zone: `modeshift:adopted:shop/live`. */
export function adoptionTagKey(owner: EnvironmentIdentity): string {
  return `modeshift:adopted:${owner.project}/${owner.environment}`;
}

/** Every public hosted zone of the account with its tags. */
async function publicZonesAndTags(
  route53: Route53Client,
): Promise<Array<{ zone: FoundZone; tags: Route53Tag[] }>> {
  const publicZones: FoundZone[] = [];
  let marker: string | undefined;
  do {
    const response = await route53.send(
      new ListHostedZonesCommand(marker === undefined ? {} : { Marker: marker }),
    );
    for (const zone of response.HostedZones ?? []) {
      if (zone.Id === undefined || zone.Name === undefined || zone.Config?.PrivateZone === true) continue;
      publicZones.push({
        id: bareHostedZoneId(zone.Id),
        name: absoluteDnsName(zone.Name),
        ...(zone.CallerReference !== undefined ? { callerReference: zone.CallerReference } : {}),
      });
    }
    marker = response.IsTruncated === true ? response.NextMarker : undefined;
  } while (marker !== undefined);

  const tags = await hostedZoneTags(
    route53,
    publicZones.map((zone) => zone.id),
  );
  return publicZones.map((zone) => ({ zone, tags: tags.get(zone.id) ?? [] }));
}

/** The environment's public zones: `owned`, tagged for it; `adopted`, adopted by it (never both). */
export interface EnvironmentZones {
  readonly owned: FoundZone[];
  readonly adopted: FoundZone[];
}

/** The public zones tagged for this environment, and those it adopted. */
export async function findEnvironmentZoneSets(
  route53: Route53Client,
  owner: EnvironmentIdentity,
): Promise<EnvironmentZones> {
  const zones = await publicZonesAndTags(route53);
  const key = adoptionTagKey(owner);
  const owned = zones.filter(({ tags }) => isTaggedForEnvironment(tags, owner));
  const adopted = zones.filter(
    ({ tags }) => !isTaggedForEnvironment(tags, owner) && tags.some((tag) => tag.Key === key),
  );
  return { owned: owned.map(({ zone }) => zone), adopted: adopted.map(({ zone }) => zone) };
}

/** Every public hosted zone tagged with this project and environment. */
export async function findEnvironmentZones(
  route53: Route53Client,
  owner: EnvironmentIdentity,
): Promise<FoundZone[]> {
  return (await findEnvironmentZoneSets(route53, owner)).owned;
}
