/** The FindDatabases step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { RDSClient } from '@aws-sdk/client-rds';
import { type FindDatabasesInput, findDatabases } from '../find-databases.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { rds: new RDSClient({}) };

export const handler = lambdaStep('FindDatabases', (input) =>
  findDatabases(input as FindDatabasesInput, clients),
);
