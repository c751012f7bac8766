/**
 * RemoveServiceRecords (down, modes that keep their zones): in the
 * environment's own public zones — found by its tags — deletes only the
 * records modeshift writes: alias A/AAAA records to an Elastic Load Balancing
 * name, CNAMEs to one, and ACM validation CNAMEs. In the zones it adopted
 * (modeshift did not create them), only the records marked as the
 * environment's and their marks, keeping the delegations of its kept zones.
 * The zones and every other record stay.
 */
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { releaseAdoptedZone } from '../aws/route53/adopted-zones.ts';
import { findEnvironmentZoneSets } from '../aws/route53/environment-zones.ts';
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
    ChangeTagsForResourceCommand,
  ],
  async run(input: RemoveServiceRecordsInput, { route53 }): Promise<RemoveServiceRecordsOutput> {
    const owner = { project: input.project, environment: input.environment };
    const zones = await findEnvironmentZoneSets(route53, owner);
    for (const zone of zones.owned) {
      const records = await listRecords(route53, zone.id);
      await deleteRecords(route53, zone.id, records.filter(isModeshiftRecord));
    }
    for (const zone of zones.adopted)
      await releaseAdoptedZone(route53, zone, owner, { keepDelegations: true });
    return {};
  },
});

export const handler = lambdaHandler(removeServiceRecords);
