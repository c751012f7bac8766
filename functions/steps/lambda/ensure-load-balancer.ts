/** The EnsureLoadBalancer step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { type EnsureLoadBalancerInput, ensureLoadBalancer } from '../ensure-load-balancer.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { elbv2: new ElasticLoadBalancingV2Client({}), s3: new S3Client({}) };

export const handler = lambdaStep('EnsureLoadBalancer', (input) =>
  ensureLoadBalancer(input as EnsureLoadBalancerInput, clients),
);
