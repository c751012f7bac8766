/** The DeletePrivateNamespace step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { type DeletePrivateNamespaceInput, deletePrivateNamespace } from '../delete-private-namespace.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { servicediscovery: new ServiceDiscoveryClient({}), route53: new Route53Client({}) };

export const handler = lambdaStep('DeletePrivateNamespace', (input) =>
  deletePrivateNamespace(input as DeletePrivateNamespaceInput, clients),
);
