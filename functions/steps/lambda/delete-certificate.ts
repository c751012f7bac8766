/** The DeleteCertificate step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ACMClient } from '@aws-sdk/client-acm';
import { type DeleteCertificateInput, deleteCertificate } from '../delete-certificate.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { acm: new ACMClient({}) };

export const handler = lambdaStep('DeleteCertificate', (input) =>
  deleteCertificate(input as DeleteCertificateInput, clients),
);
