/** The EnsureNatGateways step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { type EnsureNatGatewaysInput, ensureNatGateways } from '../ensure-nat-gateways.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { ec2: new EC2Client({}) };

export const handler = lambdaStep('EnsureNatGateways', (input) =>
  ensureNatGateways(input as EnsureNatGatewaysInput, clients),
);
