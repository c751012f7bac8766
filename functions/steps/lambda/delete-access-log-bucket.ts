/** The DeleteAccessLogBucket step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { S3Client } from '@aws-sdk/client-s3';
import { type DeleteAccessLogBucketInput, deleteAccessLogBucket } from '../delete-access-log-bucket.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { s3: new S3Client({}) };

export const handler = lambdaStep('DeleteAccessLogBucket', (input) =>
  deleteAccessLogBucket(input as DeleteAccessLogBucketInput, clients),
);
