/** The EnsurePublicZones step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { Route53Client } from '@aws-sdk/client-route-53';
import { type EnsurePublicZonesInput, ensurePublicZones } from '../ensure-public-zones.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { route53: new Route53Client({}) };

export const handler = lambdaStep('EnsurePublicZones', (input) =>
  ensurePublicZones(input as EnsurePublicZonesInput, clients),
);
