/**
 * Reading and deleting the record sets of one hosted zone: every record
 * (paged), the one record of a name and type, and deletes in batches that stay
 * inside Route 53's limits for one ChangeResourceRecordSets call.
 */
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { sameDnsName } from './dns-name.ts';

/** Changes per ChangeResourceRecordSets call when deleting: well inside Route 53's 1,000. */
const DELETE_BATCH_SIZE = 100;

/** Every record set of the zone, following ListResourceRecordSets' pages. */
export async function listRecords(route53: Route53Client, zoneId: string): Promise<ResourceRecordSet[]> {
  const records: ResourceRecordSet[] = [];
  let page: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId };
  for (;;) {
    const response = await route53.send(new ListResourceRecordSetsCommand(page));
    records.push(...(response.ResourceRecordSets ?? []));
    if (response.IsTruncated !== true || response.NextRecordName === undefined) return records;
    page = {
      HostedZoneId: zoneId,
      StartRecordName: response.NextRecordName,
      ...(response.NextRecordType !== undefined ? { StartRecordType: response.NextRecordType } : {}),
      ...(response.NextRecordIdentifier !== undefined
        ? { StartRecordIdentifier: response.NextRecordIdentifier }
        : {}),
    };
  }
}

/** The record set of exactly this name and type, as it is in the zone, if there is one. */
export async function findRecord(
  route53: Route53Client,
  zoneId: string,
  name: string,
  type: RRType,
): Promise<ResourceRecordSet | undefined> {
  const response = await route53.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      StartRecordName: name,
      StartRecordType: type,
      MaxItems: 1,
    }),
  );
  const first = response.ResourceRecordSets?.[0];
  return first?.Name !== undefined && sameDnsName(first.Name, name) && first.Type === type
    ? first
    : undefined;
}

/** Deletes the record sets exactly as listed, in batches. No call when there is nothing to delete. */
export async function deleteRecords(
  route53: Route53Client,
  zoneId: string,
  records: readonly ResourceRecordSet[],
): Promise<void> {
  for (let start = 0; start < records.length; start += DELETE_BATCH_SIZE) {
    const batch = records.slice(start, start + DELETE_BATCH_SIZE);
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: batch.map((record) => ({ Action: 'DELETE', ResourceRecordSet: record })) },
      }),
    );
  }
}
