/** The CheckBuilds step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { type CheckBuildsInput, checkBuilds } from '../check-builds.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { codebuild: new CodeBuildClient({}) };

export const handler = lambdaStep('CheckBuilds', (input) => checkBuilds(input as CheckBuildsInput, clients));
