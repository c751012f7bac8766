/** The DeleteServices step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { type DeleteServicesInput, deleteServices } from '../delete-services.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { ecs: new ECSClient({}) };

export const handler = lambdaStep('DeleteServices', (input) =>
  deleteServices(input as DeleteServicesInput, clients),
);
