/** The RolloutServices step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { lambdaStep } from '../lambda-step.ts';
import { type RolloutServicesInput, rolloutServices } from '../rollout-services.ts';

const clients = { ecs: new ECSClient({}), servicediscovery: new ServiceDiscoveryClient({}) };

export const handler = lambdaStep('RolloutServices', (input) =>
  rolloutServices(input as RolloutServicesInput, clients),
);
