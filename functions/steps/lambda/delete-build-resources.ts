/** The DeleteBuildResources step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { ECRClient } from '@aws-sdk/client-ecr';
import { type DeleteBuildResourcesInput, deleteBuildResources } from '../delete-build-resources.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { codebuild: new CodeBuildClient({}), ecr: new ECRClient({}) };

export const handler = lambdaStep('DeleteBuildResources', (input) =>
  deleteBuildResources(input as DeleteBuildResourcesInput, clients),
);
