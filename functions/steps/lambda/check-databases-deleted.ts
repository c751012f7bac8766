/** The CheckDatabasesDeleted step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { RDSClient } from '@aws-sdk/client-rds';
import { type CheckDatabasesDeletedInput, checkDatabasesDeleted } from '../check-databases-deleted.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { rds: new RDSClient({}) };

export const handler = lambdaStep('CheckDatabasesDeleted', (input) =>
  checkDatabasesDeleted(input as CheckDatabasesDeletedInput, clients),
);
