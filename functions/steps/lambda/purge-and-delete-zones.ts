/** The PurgeAndDeleteZones step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { Route53Client } from '@aws-sdk/client-route-53';
import { lambdaStep } from '../lambda-step.ts';
import { type PurgeAndDeleteZonesInput, purgeAndDeleteZones } from '../purge-and-delete-zones.ts';

const clients = { route53: new Route53Client({}) };

export const handler = lambdaStep('PurgeAndDeleteZones', (input) =>
  purgeAndDeleteZones(input as PurgeAndDeleteZonesInput, clients),
);
