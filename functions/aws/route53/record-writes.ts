/**
 * Writing record sets the way the mode says (docs/design.md §1, "DNS record writes"):
 * `upsert` overwrites each record in place; `recreate` deletes the record
 * currently in the zone exactly as it is and creates the new one, in the same
 * change batch, so Route 53 applies both or neither. In both, a record that is
 * already exactly as desired is not written.
 */
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { Policy } from '../../../core/policy.ts';
import { sameDnsName } from './dns-name.ts';
import { findRecord } from './zone-records.ts';

/** How records are written: the policy's `dnsWriteMode`. */
export type DnsWriteMode = Policy['dnsWriteMode'];

/** A record set modeshift writes: a simple record with a TTL, or an alias (no TTL). */
export type DesiredRecord = ResourceRecordSet & { readonly Name: string; readonly Type: RRType };

function comparableValue(value: string | undefined): string {
  return (value ?? '').toLowerCase().replace(/\.$/, '');
}

/** true when the record in the zone is already exactly the desired one (nothing else set on it). */
function isUnchanged(current: ResourceRecordSet, desired: DesiredRecord): boolean {
  const extraKeys = Object.entries(current).filter(
    ([key, value]) =>
      value !== undefined && !['Name', 'Type', 'TTL', 'ResourceRecords', 'AliasTarget'].includes(key),
  );
  if (extraKeys.length > 0) return false;
  // An alias has no TTL of its own (moto lists one as 0): compare TTLs of simple records only.
  if (desired.AliasTarget === undefined && current.TTL !== desired.TTL) return false;
  const values = (records: ResourceRecordSet['ResourceRecords']) =>
    (records ?? []).map((record) => comparableValue(record.Value)).sort();
  if (JSON.stringify(values(current.ResourceRecords)) !== JSON.stringify(values(desired.ResourceRecords))) {
    return false;
  }
  const alias = (record: ResourceRecordSet) =>
    record.AliasTarget === undefined
      ? undefined
      : [
          record.AliasTarget.HostedZoneId,
          comparableValue(record.AliasTarget.DNSName),
          record.AliasTarget.EvaluateTargetHealth,
        ];
  return JSON.stringify(alias(current)) === JSON.stringify(alias(desired));
}

/** The changes that bring one record to its desired form in this write mode. */
async function changesFor(
  route53: Route53Client,
  zoneId: string,
  record: DesiredRecord,
  writeMode: DnsWriteMode,
): Promise<Change[]> {
  const current = await findRecord(route53, zoneId, record.Name, record.Type);
  // A record already exactly as desired is left alone in either mode: a redeploy writes no DNS it need not.
  if (current !== undefined && isUnchanged(current, record)) return [];
  if (writeMode === 'upsert') return [{ Action: 'UPSERT', ResourceRecordSet: record }];
  if (current === undefined) return [{ Action: 'CREATE', ResourceRecordSet: record }];
  return [
    { Action: 'DELETE', ResourceRecordSet: current },
    { Action: 'CREATE', ResourceRecordSet: record },
  ];
}

/**
 * Writes the records into one zone in one change batch and returns how many it
 * wrote. A record already exactly as desired is left alone (writing it again
 * would change nothing). No call when there is
 * nothing to write.
 */
export async function writeRecords(
  route53: Route53Client,
  zoneId: string,
  records: readonly DesiredRecord[],
  writeMode: DnsWriteMode,
): Promise<number> {
  const unique = records.filter(
    (record, index) =>
      records.findIndex((other) => other.Type === record.Type && sameDnsName(other.Name, record.Name)) ===
      index,
  );
  const changes: Change[] = [];
  for (const record of unique) changes.push(...(await changesFor(route53, zoneId, record, writeMode)));
  if (changes.length === 0) return 0;
  await route53.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
  );
  return changes.filter((change) => change.Action !== 'DELETE').length;
}
