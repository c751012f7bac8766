/**
 * How many development, staging and production environments fit one Region
 * of an account at AWS's default quotas (core/quotas.ts), in each kind of
 * network: the figure that decides how many preview environments a team can
 * run at once.
 *
 * - `shared, one project` / `shared, all projects`: the mode's shared network
 *   (`network: shared`, the default of development and staging), the
 *   environments behind its load balancer: one project's, bound by the load
 *   balancer's quotas, and as many projects' as fit the Region.
 * - `shared VPC, no domain`: in the shared VPC with a load balancer of its
 *   own, as an environment without a domain gets.
 * - `own VPC`: `network: dedicated`, production's default.
 * - `team VPC`: in a team's VPC (`vpc`).
 */
import { planDeployment } from '../core/plan.ts';
import { MODES, type Mode, resolvePolicy } from '../core/policy.ts';
import {
  environmentsPerRegion,
  environmentsThatFit,
  type Fit,
  type PlanQuotaUse,
  type QuotaUse,
  quotaUse,
} from '../core/quotas.ts';
import type { DeployRequest } from '../core/request.ts';
import { syntheticRequest } from './synthetic-project.ts';

/** An example team VPC: what the plan needs of it is that it is not the environment's. */
const TEAM_VPC = {
  id: 'vpc-0abc12345',
  publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
  privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
};

export type NetworkKind =
  | 'shared, one project'
  | 'shared, all projects'
  | 'shared VPC, no domain'
  | 'own VPC'
  | 'team VPC';

export interface QuotaFit {
  readonly mode: Mode;
  readonly network: NetworkKind;
  /** What one environment takes of each quota. */
  readonly use: QuotaUse;
  /** What the project's shared network of the mode takes once; none outside one. */
  readonly shared: QuotaUse;
  readonly fit: Fit;
}

/** Each mode in each kind of network, for a 10-service project with two public services on its domain. */
export function measureQuotaFits(): QuotaFit[] {
  return MODES.flatMap((mode) => {
    const request = syntheticRequest(10, mode, 'quotas');
    const { domain: _, ...withoutDomain } = request;
    const measure = (
      network: NetworkKind,
      planned: DeployRequest,
      fits: (use: PlanQuotaUse) => Fit,
      overrides: { network?: 'dedicated' } = {},
    ): QuotaFit => {
      const use = quotaUse(planDeployment(planned, resolvePolicy(mode, overrides)));
      return { mode, network, use: use.each, shared: use.shared, fit: fits(use) };
    };
    const shared =
      resolvePolicy(mode).policy.network === 'shared'
        ? [
            measure('shared, one project', request, environmentsThatFit),
            measure('shared, all projects', request, environmentsPerRegion),
            measure('shared VPC, no domain', withoutDomain, environmentsPerRegion),
          ]
        : [];
    return [
      ...shared,
      measure('own VPC', request, environmentsPerRegion, { network: 'dedicated' }),
      measure('team VPC', { ...request, vpc: TEAM_VPC }, environmentsPerRegion),
    ];
  });
}
