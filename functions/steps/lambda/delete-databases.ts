/** The DeleteDatabases step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { RDSClient } from '@aws-sdk/client-rds';
import { type DeleteDatabasesInput, deleteDatabases } from '../delete-databases.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { rds: new RDSClient({}) };

export const handler = lambdaStep('DeleteDatabases', (input) =>
  deleteDatabases(input as DeleteDatabasesInput, clients),
);
