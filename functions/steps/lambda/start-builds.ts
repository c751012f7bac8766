/** The StartBuilds step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { ECRClient } from '@aws-sdk/client-ecr';
import { lambdaStep } from '../lambda-step.ts';
import { type StartBuildsInput, startBuilds } from '../start-builds.ts';

const clients = { codebuild: new CodeBuildClient({}), ecr: new ECRClient({}) };

export const handler = lambdaStep('StartBuilds', (input) => startBuilds(input as StartBuildsInput, clients));
