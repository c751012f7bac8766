/** The DisableLoadBalancerProtection step's Lambda function: its own code and the AWS clients it uses, nothing else. */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type DisableLoadBalancerProtectionInput,
  disableLoadBalancerProtection,
} from '../disable-load-balancer-protection.ts';
import { lambdaStep } from '../lambda-step.ts';

const clients = { elbv2: new ElasticLoadBalancingV2Client({}) };

export const handler = lambdaStep('DisableLoadBalancerProtection', (input) =>
  disableLoadBalancerProtection(input as DisableLoadBalancerProtectionInput, clients),
);
