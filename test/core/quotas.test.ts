import { describe, expect, it } from 'vitest';
import { measureQuotaFits } from '../../bench/quotas.ts';
import { quotaSection } from '../../bench/report.ts';
import { planDeployment } from '../../core/plan.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { DEFAULT_QUOTAS, environmentsThatFit, quotaUse } from '../../core/quotas.ts';
import { parseDeployRequest } from '../../core/request.ts';

const request = (mode: string, extra: Record<string, unknown> = {}) =>
  parseDeployRequest({
    project: 'shop',
    environment: 'pr-1',
    mode,
    deploymentId: 'd1',
    services: [{ name: 'web', image: 'nginx:1.27', ports: [80], public: true }],
    ...extra,
  });
const use = (mode: string, extra: Record<string, unknown> = {}) => {
  const parsed = request(mode, extra);
  return quotaUse(planDeployment(parsed, resolvePolicy(parsed.mode)));
};
const VPC = {
  id: 'vpc-0abc12345',
  publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
  privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
};

describe('environments per Region at the default quotas', () => {
  it('counts what one environment takes: its VPC, gateway, a NAT gateway’s address each, its load balancer', () => {
    expect(use('development')).toEqual({ vpcs: 1, internetGateways: 1, elasticIps: 0, loadBalancers: 1 });
    expect(use('production')).toEqual({ vpcs: 1, internetGateways: 1, elasticIps: 2, loadBalancers: 1 });
    expect(use('production', { vpc: VPC })).toEqual({
      vpcs: 0,
      internetGateways: 0,
      elasticIps: 0,
      loadBalancers: 1,
    });
  });

  it('fits 4 development environments with a VPC each (the default VPC takes the fifth), 50 in a team VPC', () => {
    expect(environmentsThatFit(use('development'))).toEqual({ environments: 4, boundBy: 'vpcs' });
    expect(environmentsThatFit(use('development', { vpc: VPC }))).toEqual({
      environments: DEFAULT_QUOTAS.loadBalancers,
      boundBy: 'loadBalancers',
    });
    // Production's two NAT gateways take two of the five addresses each.
    expect(environmentsThatFit(use('production'))).toEqual({ environments: 2, boundBy: 'elasticIps' });
  });

  it('is in the benchmark report for each mode and kind of network', () => {
    const fits = measureQuotaFits();
    expect(fits.map((entry) => [entry.mode, entry.network, entry.fit.environments])).toEqual([
      ['development', 'own VPC', 4],
      ['development', 'team VPC', 50],
      ['staging', 'own VPC', 4],
      ['staging', 'team VPC', 50],
      ['production', 'own VPC', 2],
      ['production', 'team VPC', 50],
    ]);
    expect(quotaSection({ quotas: fits })).toMatch(
      /^development\s+team VPC\s+0\s+0\s+0\s+1\s+50\s+loadBalancers$/m,
    );
  });
});
