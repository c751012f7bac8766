/** The DeleteLoadBalancer step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type DeleteLoadBalancerInput, deleteLoadBalancer } from '../delete-load-balancer.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { elbv2: new ElasticLoadBalancingV2Client({}) };

export const handler = lambdaStep('DeleteLoadBalancer', (input) =>
  deleteLoadBalancer(input as DeleteLoadBalancerInput, clients),
);
