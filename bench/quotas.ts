/**
 * How many development, staging and production environments fit one Region
 * of an account at AWS's default quotas (core/quotas.ts), each in a VPC of its
 * own and in a team's VPC (`vpc`): the figure that decides how many preview
 * environments a team can run at once.
 */
import { planDeployment } from '../core/plan.ts';
import { MODES, type Mode, resolvePolicy } from '../core/policy.ts';
import { environmentsThatFit, type Fit, type QuotaUse, quotaUse } from '../core/quotas.ts';
import { syntheticRequest } from './synthetic-project.ts';

/** An example team VPC: what the plan needs of it is that it is not the environment's. */
const TEAM_VPC = {
  id: 'vpc-0abc12345',
  publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
  privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
};

export type NetworkKind = 'own VPC' | 'team VPC';

export interface QuotaFit {
  readonly mode: Mode;
  readonly network: NetworkKind;
  /** What one environment takes of each quota. */
  readonly use: QuotaUse;
  readonly fit: Fit;
}

/** Each mode in each kind of network, for a 10-service project with public services. */
export function measureQuotaFits(): QuotaFit[] {
  return MODES.flatMap((mode) =>
    (['own VPC', 'team VPC'] as const).map((network) => {
      const request = syntheticRequest(10, mode, 'quotas');
      const planned = planDeployment(
        network === 'team VPC' ? { ...request, vpc: TEAM_VPC } : request,
        resolvePolicy(request.mode),
      );
      const use = quotaUse(planned);
      return { mode, network, use, fit: environmentsThatFit(use) };
    }),
  );
}
