/**
 * How many environments of a plan an AWS account holds in one Region at AWS's
 * default quotas. Each quota is named here as Service Quotas names it:
 *
 * - Amazon VPC "VPCs per Region" (5) and "Internet gateways per Region" (5):
 *   the default VPC takes one of each;
 * - Amazon EC2 "EC2-VPC Elastic IPs" (5): one per NAT gateway;
 * - Elastic Load Balancing "Application Load Balancers per Region" (50);
 * - AWS Cloud Map "Namespaces per Region" (50): every environment has a
 *   private DNS namespace of its own, whatever its network;
 * - and, on a load balancer several environments share, Elastic Load
 *   Balancing "Certificates per Application Load Balancer" (25, excluding the
 *   default certificate), "Rules per Application Load Balancer" (100,
 *   excluding the default rules) and "Target Groups per Application Load
 *   Balancer" (100, not adjustable).
 *
 * An environment in a VPC of its own takes a VPC, a gateway and its NAT
 * gateways' addresses; one in a team's VPC (`vpc`) only its load balancer.
 * In a shared network (core/shared-network.ts) the VPC, gateway, NAT
 * gateways and load balancer are taken once for all of a project's
 * environments of the mode, and each environment behind the shared load
 * balancer takes a certificate, a rule per host name and a target group per
 * public service of it. modeshift makes one shared network per project and
 * mode, so the load balancer's quotas bound one project's environments, and
 * the Region's quotas all projects' together.
 */
import { type DeploymentPlan, isSharedNetworkPiece, type PlannedResource } from './plan.ts';

/** The quotas counted, by what they count. */
export interface QuotaUse {
  readonly vpcs: number;
  readonly internetGateways: number;
  readonly elasticIps: number;
  readonly loadBalancers: number;
  /** Cloud Map namespaces. */
  readonly namespaces: number;
  /** Certificates on a shared load balancer's HTTPS listener. */
  readonly listenerCertificates: number;
  /** Host rules on a shared load balancer. */
  readonly listenerRules: number;
  /** Target groups a shared load balancer forwards to. */
  readonly targetGroupsPerLoadBalancer: number;
}

export type QuotaName = keyof QuotaUse;

/**
 * AWS's default quotas: per Region, and per load balancer for the last three. The HTTPS listener
 * holds one certificate more than its quota, its default one, which the quota does not count: the
 * shared listener's is the certificate of the environment that created it.
 */
export const DEFAULT_QUOTAS: QuotaUse = {
  vpcs: 5,
  internetGateways: 5,
  elasticIps: 5,
  loadBalancers: 50,
  namespaces: 50,
  listenerCertificates: 25 + 1,
  listenerRules: 100,
  targetGroupsPerLoadBalancer: 100,
};

/** What every account starts with: the default VPC and its internet gateway. */
export const DEFAULT_VPC_USE: QuotaUse = {
  vpcs: 1,
  internetGateways: 1,
  elasticIps: 0,
  loadBalancers: 0,
  namespaces: 0,
  listenerCertificates: 0,
  listenerRules: 0,
  targetGroupsPerLoadBalancer: 0,
};

const QUOTA_NAMES = Object.keys(DEFAULT_QUOTAS) as QuotaName[];

/** The quotas of one load balancer: they bound the environments that share it, one project's of a mode. */
const PER_LOAD_BALANCER: ReadonlySet<QuotaName> = new Set([
  'listenerCertificates',
  'listenerRules',
  'targetGroupsPerLoadBalancer',
]);

/** What a plan takes of each quota: per environment, and once for its shared network. */
export interface PlanQuotaUse {
  /** What each environment takes. */
  readonly each: QuotaUse;
  /** What the project's shared network of the mode takes once, for all its environments; none without one. */
  readonly shared: QuotaUse;
}

/** What one environment of the plan takes of each quota, and its shared network once. */
export function quotaUse(plan: DeploymentPlan): PlanQuotaUse {
  const count = (type: string, where: (resource: PlannedResource) => boolean) =>
    plan.resources.filter((resource) => resource.type === type && where(resource)).length;
  const network = (where: (resource: PlannedResource) => boolean) => ({
    // A team's own VPC is in the plan as what the environment goes into (its owner is the team), not as one it creates.
    vpcs: count(
      'AWS::EC2::VPC',
      (resource) =>
        where(resource) && (resource.settings.owner === undefined || isSharedNetworkPiece(resource)),
    ),
    internetGateways: count('AWS::EC2::InternetGateway', where),
    // Each NAT gateway holds one Elastic IP; a task's or the load balancer's public IP is not one.
    elasticIps: count('AWS::EC2::NatGateway', where),
    loadBalancers: count('AWS::ElasticLoadBalancingV2::LoadBalancer', where),
  });
  const own = (resource: PlannedResource) => !isSharedNetworkPiece(resource);
  const onSharedLoadBalancer = plan.resources.some(
    (resource) =>
      resource.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' && isSharedNetworkPiece(resource),
  );
  // On a load balancer of its own an environment never comes near them; on the shared one they add up.
  const onLoadBalancer = (type: string) => (onSharedLoadBalancer ? count(type, () => true) : 0);
  return {
    each: {
      ...network(own),
      namespaces: count('AWS::ServiceDiscovery::PrivateDnsNamespace', () => true),
      listenerCertificates: onLoadBalancer('AWS::ElasticLoadBalancingV2::ListenerCertificate'),
      listenerRules: onLoadBalancer('AWS::ElasticLoadBalancingV2::ListenerRule'),
      targetGroupsPerLoadBalancer: onLoadBalancer('AWS::ElasticLoadBalancingV2::TargetGroup'),
    },
    shared: {
      ...network(isSharedNetworkPiece),
      namespaces: 0,
      listenerCertificates: 0,
      listenerRules: 0,
      targetGroupsPerLoadBalancer: 0,
    },
  };
}

/** How many such environments fit, and the quota that stops the next one. */
export interface Fit {
  readonly environments: number;
  readonly boundBy: QuotaName;
  /** Other quotas that stop the next one as well. */
  readonly alsoBoundBy: readonly QuotaName[];
  /** The shared networks they are in: one per project. 0 without a shared network. */
  readonly sharedNetworks: number;
}

/**
 * How many environments of the plan fit in one project's shared network of the mode, or, without a
 * shared network, in the Region.
 */
export function environmentsThatFit(
  use: PlanQuotaUse,
  quotas: QuotaUse = DEFAULT_QUOTAS,
  taken: QuotaUse = DEFAULT_VPC_USE,
): Fit {
  return fitIn(use, 1, quotas, taken);
}

/**
 * How many environments of the plan fit in the Region, in as many projects' shared networks of the
 * mode as that takes: each network holds what its load balancer's quotas let it, and takes its VPC,
 * gateway, addresses and load balancer of the Region's. When the networks fill up before the Region
 * does, what stops the next one is what stops another network.
 */
export function environmentsPerRegion(
  use: PlanQuotaUse,
  quotas: QuotaUse = DEFAULT_QUOTAS,
  taken: QuotaUse = DEFAULT_VPC_USE,
): Fit {
  let best = fitIn(use, 1, quotas, taken);
  if (!hasSharedNetwork(use)) return best;
  for (let networks = 2; ; networks++) {
    const stopping = networkQuotasExceeded(use, networks, quotas, taken);
    const [first, ...others] = stopping;
    if (first !== undefined) {
      return PER_LOAD_BALANCER.has(best.boundBy) ? { ...best, boundBy: first, alsoBoundBy: others } : best;
    }
    const fit = fitIn(use, networks, quotas, taken);
    if (fit.environments <= best.environments) return best;
    best = fit;
  }
}

/** Whether the plan has a shared network: one that takes some of the Region's quotas, so that only so many fit. */
const hasSharedNetwork = (use: PlanQuotaUse) =>
  QUOTA_NAMES.some((name) => !PER_LOAD_BALANCER.has(name) && use.shared[name] > 0);

/** The Region's quotas `networks` shared networks would exceed by themselves. */
function networkQuotasExceeded(
  use: PlanQuotaUse,
  networks: number,
  quotas: QuotaUse,
  taken: QuotaUse,
): QuotaName[] {
  return QUOTA_NAMES.filter(
    (name) => !PER_LOAD_BALANCER.has(name) && use.shared[name] * networks > quotas[name] - taken[name],
  );
}

/**
 * How many environments fit in `networks` shared networks (the plan's, when it has one): each quota's
 * room after the networks' own use, divided by what an environment takes; a load balancer's quota
 * counts once per network.
 */
function fitIn(use: PlanQuotaUse, networks: number, quotas: QuotaUse, taken: QuotaUse): Fit {
  const limits = QUOTA_NAMES.flatMap((name) => {
    if (use.each[name] === 0) return [];
    const room = PER_LOAD_BALANCER.has(name)
      ? (quotas[name] - use.shared[name]) * networks
      : quotas[name] - taken[name] - use.shared[name] * networks;
    return [{ name, environments: Math.max(0, Math.floor(room / use.each[name])) }];
  });
  const sharedNetworks = hasSharedNetwork(use) ? networks : 0;
  const fewest = Math.min(...limits.map((limit) => limit.environments));
  const [first, ...others] = limits.filter((limit) => limit.environments === fewest);
  // A plan that takes none of them (no public service, in a team's VPC) is bound by none of them.
  if (first === undefined)
    return {
      environments: Number.POSITIVE_INFINITY,
      boundBy: 'loadBalancers',
      alsoBoundBy: [],
      sharedNetworks,
    };
  return {
    environments: first.environments,
    boundBy: first.name,
    alsoBoundBy: others.map((limit) => limit.name),
    sharedNetworks,
  };
}
