/** The EnsureDatabases step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { RDSClient } from '@aws-sdk/client-rds';
import { type EnsureDatabasesInput, ensureDatabases } from '../ensure-databases.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { rds: new RDSClient({}) };

export const handler = lambdaStep('EnsureDatabases', (input) =>
  ensureDatabases(input as EnsureDatabasesInput, clients),
);
