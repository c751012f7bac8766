/**
 * How many environments of a plan an AWS account holds in one Region at AWS's
 * default quotas. The quotas that bind first are those of the network: five
 * VPCs and five internet gateways (the default VPC takes one of each), and
 * five Elastic IP addresses (one per NAT gateway); then 50 Application Load
 * Balancers. An environment in a team's own VPC (`vpc`) takes no VPC, gateway
 * or address of its own, only its load balancer.
 */
import type { DeploymentPlan } from './plan.ts';

/** The quotas counted, by what they count. */
export interface QuotaUse {
  readonly vpcs: number;
  readonly internetGateways: number;
  readonly elasticIps: number;
  readonly loadBalancers: number;
}

/** AWS's default per-Region quotas (VPC, EC2 and Elastic Load Balancing service quotas). */
export const DEFAULT_QUOTAS: QuotaUse = { vpcs: 5, internetGateways: 5, elasticIps: 5, loadBalancers: 50 };

/** What every account starts with: the default VPC and its internet gateway. */
export const DEFAULT_VPC_USE: QuotaUse = { vpcs: 1, internetGateways: 1, elasticIps: 0, loadBalancers: 0 };

/** What one environment of the plan takes of each quota. */
export function quotaUse(plan: DeploymentPlan): QuotaUse {
  const count = (type: string, created: (settings: Record<string, unknown>) => boolean = () => true) =>
    plan.resources.filter((resource) => resource.type === type && created(resource.settings)).length;
  return {
    // A team's own VPC is in the plan as what the environment goes into, not as one it creates.
    vpcs: count('AWS::EC2::VPC', (settings) => settings.owner === undefined),
    internetGateways: count('AWS::EC2::InternetGateway'),
    // Each NAT gateway holds one Elastic IP; a task's or the load balancer's public IP is not one.
    elasticIps: count('AWS::EC2::NatGateway'),
    loadBalancers: count('AWS::ElasticLoadBalancingV2::LoadBalancer'),
  };
}

/** How many such environments fit, and the quota that stops the next one. */
export interface Fit {
  readonly environments: number;
  readonly boundBy: keyof QuotaUse;
}

export function environmentsThatFit(
  use: QuotaUse,
  quotas: QuotaUse = DEFAULT_QUOTAS,
  taken: QuotaUse = DEFAULT_VPC_USE,
): Fit {
  let best: Fit | undefined;
  for (const key of Object.keys(quotas) as (keyof QuotaUse)[]) {
    if (use[key] === 0) continue;
    const environments = Math.floor((quotas[key] - taken[key]) / use[key]);
    if (best === undefined || environments < best.environments) best = { environments, boundBy: key };
  }
  // A plan that takes none of them (no public service, in a team's VPC) is bound by none of them.
  return best ?? { environments: Number.POSITIVE_INFINITY, boundBy: 'loadBalancers' };
}
