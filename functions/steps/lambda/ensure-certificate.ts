/** The EnsureCertificate step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { type EnsureCertificateInput, ensureCertificate } from '../ensure-certificate.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { acm: new ACMClient({}), route53: new Route53Client({}) };

export const handler = lambdaStep('EnsureCertificate', (input) =>
  ensureCertificate(input as EnsureCertificateInput, clients),
);
