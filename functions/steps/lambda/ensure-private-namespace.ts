/** The EnsurePrivateNamespace step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { type EnsurePrivateNamespaceInput, ensurePrivateNamespace } from '../ensure-private-namespace.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { servicediscovery: new ServiceDiscoveryClient({}) };

export const handler = lambdaStep('EnsurePrivateNamespace', (input) =>
  ensurePrivateNamespace(input as EnsurePrivateNamespaceInput, clients),
);
