/**
 * What down does in a zone the environment adopted (environment-zones.ts):
 * deletes the records marked as the environment's and their marks
 * (record-ownership.ts), and once none is left, the adoption tag. Every other
 * record of the zone, and the zone itself, stay.
 */
import { ChangeTagsForResourceCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { EnvironmentIdentity } from '../environment-tags.ts';
import { absoluteDnsName } from './dns-name.ts';
import { adoptionTagKey } from './environment-zones.ts';
import type { FoundZone } from './public-zones-by-name.ts';
import { ownedRecords, ownershipName } from './record-ownership.ts';
import { deleteRecords, listRecords } from './zone-records.ts';

export interface ReleaseOptions {
  /**
   * Keep the delegations (NS records) of the environment's own zones, and their marks: the zones
   * stay, so their delegation does too. @default false
   */
  readonly keepDelegations?: boolean;
}

/** Deletes the environment's marked records from an adopted zone; untags the zone once none is left. */
export async function releaseAdoptedZone(
  route53: Route53Client,
  zone: FoundZone,
  owner: EnvironmentIdentity,
  options: ReleaseOptions = {},
): Promise<void> {
  const owned = ownedRecords(await listRecords(route53, zone.id), zone.name, owner);
  const kept = options.keepDelegations ? owned.filter((record) => record.Type === 'NS') : [];
  const keptMarks = new Set(
    kept.map((record) => absoluteDnsName(ownershipName(record.Name ?? '', zone.name))),
  );
  const deleted = owned.filter(
    (record) => !kept.includes(record) && !keptMarks.has(absoluteDnsName(record.Name ?? '')),
  );
  await deleteRecords(route53, zone.id, deleted);
  if (kept.length > 0) return;
  await route53.send(
    new ChangeTagsForResourceCommand({
      ResourceType: 'hostedzone',
      ResourceId: zone.id,
      RemoveTagKeys: [adoptionTagKey(owner)],
    }),
  );
}
