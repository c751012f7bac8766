/**
 * RemoveServiceRecords (down, modes that keep their zones): in the
 * environment's own public zones — found by its tags — deletes only the
 * records modeshift writes: alias A/AAAA records to an Elastic Load Balancing
 * name, CNAMEs to one, and ACM validation CNAMEs. The zones and every other
 * record stay.
 */
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { findEnvironmentZones } from '../aws/route53/environment-zones.ts';
import { isModeshiftRecord } from '../aws/route53/service-records.ts';
import { deleteRecords, listRecords } from '../aws/route53/zone-records.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export type RemoveServiceRecordsInput = EnvironmentStepInput;

export type RemoveServiceRecordsOutput = Record<string, never>;

/** Deletes the service and certificate-validation records from each of the environment's public zones. */
export const removeServiceRecords = defineStep({
  name: 'RemoveServiceRecords',
  clients: { route53: Route53Client },
  sends: [
    ListHostedZonesCommand,
    ListTagsForResourcesCommand,
    ListResourceRecordSetsCommand,
    ChangeResourceRecordSetsCommand,
  ],
  async run(input: RemoveServiceRecordsInput, { route53 }): Promise<RemoveServiceRecordsOutput> {
    const zones = await findEnvironmentZones(route53, {
      project: input.project,
      environment: input.environment,
    });
    for (const zone of zones) {
      const records = await listRecords(route53, zone.id);
      await deleteRecords(route53, zone.id, records.filter(isModeshiftRecord));
    }
    return {};
  },
});

export const handler = lambdaHandler(removeServiceRecords);
