/**
 * DisableLoadBalancerProtection: the first step of a protected (production)
 * environment's load balancer teardown. Turning protection off is the down
 * workflow's decision, taken after a production down was confirmed.
 */
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { findEnvironmentLoadBalancer } from '../aws/elbv2/environment-load-balancer.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** Input of DisableLoadBalancerProtection, as the down workflow passes it. */
export type DisableLoadBalancerProtectionInput = EnvironmentStepInput;

/** Nothing to hand on. */
export type DisableLoadBalancerProtectionOutput = Record<string, never>;

/**
 * Sets `deletion_protection.enabled` to false on the environment's load
 * balancer; nothing to do when there is none.
 *
 * @throws StepError `Modeshift.NotOwned` when the load balancer of
 * this environment's name carries another environment's tags (or none).
 */
export const disableLoadBalancerProtection = defineStep({
  name: 'DisableLoadBalancerProtection',
  clients: { elbv2: ElasticLoadBalancingV2Client },
  sends: [DescribeLoadBalancersCommand, DescribeTagsCommand, ModifyLoadBalancerAttributesCommand],
  async run(
    input: DisableLoadBalancerProtectionInput,
    { elbv2 },
  ): Promise<DisableLoadBalancerProtectionOutput> {
    const balancer = await findEnvironmentLoadBalancer(elbv2, input.names.loadBalancer, {
      project: input.project,
      environment: input.environment,
    });
    if (balancer === undefined) return {};
    await elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: balancer.LoadBalancerArn,
        Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
      }),
    );
    return {};
  },
});

export const handler = lambdaHandler(disableLoadBalancerProtection);
