/**
 * Which records of a zone modeshift did not create are an environment's own
 * (docs/design.md, "Zones modeshift did not create"). As external-dns does, each
 * record modeshift writes into such a zone is marked by a TXT ownership record
 * naming its environment:
 *
 *     www.corp.test.                  CNAME  shop-live-….elb.amazonaws.com
 *     www._modeshift.corp.test.       TXT    "modeshift:owner=shop/live"
 *
 * The mark lives under `_modeshift.<zone>`, not beside the record: a CNAME
 * shares its name with no other record, and a TXT beside a delegation's NS
 * would sit in the delegated zone, not this one. The apex's mark is
 * `_modeshift.<zone>` itself.
 *
 * Before writing, a name that holds a record of another owner — any record
 * without this environment's mark — is refused, and so is the apex unless the
 * zone's apex was adopted. Down deletes only marked records and their marks.
 */
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { ZoneRef } from '../../resource-refs.ts';
import { StepError } from '../../step-errors.ts';
import type { EnvironmentIdentity } from '../environment-tags.ts';
import { absoluteDnsName, isWithinZone, sameDnsName } from './dns-name.ts';
import type { DesiredRecord } from './record-writes.ts';

/** The label under which the ownership records of a zone live: `_modeshift.<zone>`. */
export const OWNERSHIP_LABEL = '_modeshift';

/** TTL of an ownership record: it is never resolved by clients, only read back by modeshift. */
export const OWNERSHIP_TTL = 300;

/** The ownership record's value, quoted as Route 53 keeps TXT values: `"modeshift:owner=shop/live"`. */
export function ownershipValue(owner: EnvironmentIdentity): string {
  return `"modeshift:owner=${owner.project}/${owner.environment}"`;
}

/** The environment an ownership value names, or undefined when the value is not one. */
export function ownerNamed(value: string): string | undefined {
  return /^"?modeshift:owner=([^"]+)"?$/.exec(value.trim())?.[1];
}

/** The name of the ownership record of `name` in `zoneName`: `www.corp.test.` → `www._modeshift.corp.test.`. */
export function ownershipName(name: string, zoneName: string): string {
  const zone = absoluteDnsName(zoneName);
  const node = absoluteDnsName(name);
  if (node === zone) return `${OWNERSHIP_LABEL}.${zone}`;
  return `${node.slice(0, -zone.length - 1)}.${OWNERSHIP_LABEL}.${zone}`;
}

/** The ownership record that marks `name` in `zoneName` as the environment's. */
export function ownershipRecord(name: string, zoneName: string, owner: EnvironmentIdentity): DesiredRecord {
  return {
    Name: ownershipName(name, zoneName),
    Type: 'TXT',
    TTL: OWNERSHIP_TTL,
    ResourceRecords: [{ Value: ownershipValue(owner) }],
  };
}

/** true for an ownership record (a TXT under `_modeshift.<zone>`) of any environment. */
export function isOwnershipRecord(record: ResourceRecordSet, zoneName: string): boolean {
  return (
    record.Type === 'TXT' &&
    record.Name !== undefined &&
    isWithinZone(record.Name, `${OWNERSHIP_LABEL}.${absoluteDnsName(zoneName)}`)
  );
}

/** The owners the marks of `name` name (empty: unmarked). */
function ownersOf(records: readonly ResourceRecordSet[], name: string, zoneName: string): string[] {
  const mark = ownershipName(name, zoneName);
  return records
    .filter((record) => record.Type === 'TXT' && sameDnsName(record.Name ?? '', mark))
    .flatMap((record) => (record.ResourceRecords ?? []).map((value) => ownerNamed(value.Value ?? '') ?? '?'));
}

function ownerText(owner: EnvironmentIdentity): string {
  return `${owner.project}/${owner.environment}`;
}

/** true when `name` in `zoneName` is marked as this environment's and no other's. */
export function isOwnedBy(
  records: readonly ResourceRecordSet[],
  name: string,
  zoneName: string,
  owner: EnvironmentIdentity,
): boolean {
  const owners = ownersOf(records, name, zoneName);
  return owners.length > 0 && owners.every((named) => named === ownerText(owner));
}

/**
 * The records already at `record`'s name that writing it would replace or sit
 * beside as the same name's owner: everything at the name, except the zone's
 * own SOA and NS at the apex, and — for an A/AAAA record, the only kind
 * modeshift writes at an apex — the records that live beside an address (MX,
 * TXT, CAA, …).
 */
function recordsInTheWay(
  records: readonly ResourceRecordSet[],
  record: DesiredRecord,
  zoneName: string,
): ResourceRecordSet[] {
  const apex = sameDnsName(record.Name, zoneName);
  const address = record.Type === 'A' || record.Type === 'AAAA';
  return records.filter((existing) => {
    if (!sameDnsName(existing.Name ?? '', record.Name)) return false;
    if (apex && (existing.Type === 'SOA' || existing.Type === 'NS')) return false;
    if (address) return existing.Type === 'A' || existing.Type === 'AAAA' || existing.Type === 'CNAME';
    return true;
  });
}

/** How a zone's records are checked before modeshift writes into a zone it did not create. */
export interface OwnershipCheck {
  /** The zone, named for the errors. */
  readonly zone: Pick<ZoneRef, 'name' | 'id'>;
  /** Every record of the zone, as listed now. */
  readonly records: readonly ResourceRecordSet[];
  readonly owner: EnvironmentIdentity;
  /** Whether the zone's apex may be written (an adopted zone's `apex`). */
  readonly apex: boolean;
  /** An unmarked record that is nevertheless the environment's (a delegation to its own zone). @default none */
  readonly alsoOwn?: (record: ResourceRecordSet) => boolean;
}

/**
 * The records to write into a zone modeshift did not create: the desired
 * records and the ownership record of each. Refuses, naming the record and the
 * zone, a name marked as another environment's, a name holding a record that
 * is not the environment's, and the apex unless it was adopted.
 * @throws StepError `Modeshift.ApexNotAdopted`, `Modeshift.RecordNotOwned`
 */
export function ownedWrites(records: readonly DesiredRecord[], check: OwnershipCheck): DesiredRecord[] {
  const { zone, owner } = check;
  const where = `public hosted zone ${absoluteDnsName(zone.name)} (${zone.id}), which modeshift did not create`;
  for (const record of records) {
    if (sameDnsName(record.Name, zone.name) && !check.apex) {
      throw new StepError(
        'Modeshift.ApexNotAdopted',
        `${record.Type} record ${absoluteDnsName(record.Name)} is the apex of ${where}: modeshift writes an adopted zone's apex only when told to (adoptApex, --adopt-apex)`,
      );
    }
    const owners = ownersOf(check.records, record.Name, zone.name);
    const others = owners.filter((named) => named !== ownerText(owner));
    if (others.length > 0) {
      throw new StepError(
        'Modeshift.RecordNotOwned',
        `${absoluteDnsName(record.Name)} in ${where} is marked as ${others.join(', ')}'s (${ownershipName(record.Name, zone.name)} TXT), not ${ownerText(owner)}'s: modeshift does not write over it; choose another hostname or environment name`,
      );
    }
    if (owners.length > 0) continue;
    const foreign = recordsInTheWay(check.records, record, zone.name).filter(
      (existing) => !(check.alsoOwn?.(existing) ?? false),
    );
    if (foreign.length > 0) {
      const found = foreign.map((existing) => `${absoluteDnsName(existing.Name ?? '')} ${existing.Type}`);
      throw new StepError(
        'Modeshift.RecordNotOwned',
        `${found.join(', ')} in ${where} is not modeshift's (no ownership record ${ownershipName(record.Name, zone.name)} ${ownershipValue(owner)}): modeshift does not write ${record.Type} ${absoluteDnsName(record.Name)} over it; remove it, or choose another hostname or environment name`,
      );
    }
  }
  return [...records, ...records.map((record) => ownershipRecord(record.Name, zone.name, owner))];
}

/** The types modeshift writes into a zone: service records, validation CNAMEs, delegations. */
const WRITTEN_TYPES = new Set(['A', 'AAAA', 'CNAME', 'NS']);

/**
 * The records down removes from a zone modeshift did not create: at each name
 * marked as the environment's, the types modeshift writes (at the apex only
 * the address records, never its SOA and NS), and the marks themselves.
 */
export function ownedRecords(
  records: readonly ResourceRecordSet[],
  zoneName: string,
  owner: EnvironmentIdentity,
): ResourceRecordSet[] {
  const marks = records.filter(
    (record) =>
      isOwnershipRecord(record, zoneName) &&
      (record.ResourceRecords ?? []).every((value) => ownerNamed(value.Value ?? '') === ownerText(owner)),
  );
  const marked = records.filter((record) => {
    if (isOwnershipRecord(record, zoneName) || record.Name === undefined) return false;
    if (!isOwnedBy(records, record.Name, zoneName, owner)) return false;
    if (sameDnsName(record.Name, zoneName)) return record.Type === 'A' || record.Type === 'AAAA';
    return WRITTEN_TYPES.has(record.Type ?? '');
  });
  return [...marked, ...marks];
}
