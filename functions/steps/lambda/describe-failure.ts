/** The DescribeFailure step's Lambda function: the failed state comes from the execution's history. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { type DescribeFailureInput, describeFailure, stepFunctionsHistory } from '../describe-failure.ts';
import { lambdaStep } from '../lambda-step.ts';

const history = stepFunctionsHistory(new SFNClient({}));

export const handler = lambdaStep('DescribeFailure', (input) =>
  describeFailure(input as DescribeFailureInput, history),
);
