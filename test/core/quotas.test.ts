import { describe, expect, it } from 'vitest';
import { measureQuotaFits } from '../../bench/quotas.ts';
import { quotaSection } from '../../bench/report.ts';
import { planDeployment } from '../../core/plan.ts';
import { resolvePolicy } from '../../core/policy.ts';
import {
  DEFAULT_QUOTAS,
  environmentsPerRegion,
  environmentsThatFit,
  type QuotaUse,
  quotaUse,
} from '../../core/quotas.ts';
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
  return quotaUse(planDeployment(parsed, resolvePolicy(parsed.mode, parsed.overrides ?? {})));
};
const DEDICATED = { overrides: { network: 'dedicated' } };
const VPC = {
  id: 'vpc-0abc12345',
  publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
  privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
};
const NONE: QuotaUse = {
  vpcs: 0,
  internetGateways: 0,
  elasticIps: 0,
  loadBalancers: 0,
  namespaces: 0,
  listenerCertificates: 0,
  listenerRules: 0,
  targetGroupsPerLoadBalancer: 0,
};

describe('environments per Region at the default quotas — a network of their own', () => {
  it('counts what one environment takes: its VPC, gateway, a NAT gateway’s address each, its load balancer and namespace', () => {
    expect(use('development', DEDICATED)).toEqual({
      each: { ...NONE, vpcs: 1, internetGateways: 1, loadBalancers: 1, namespaces: 1 },
      shared: NONE,
    });
    expect(use('production').each).toEqual({
      ...NONE,
      vpcs: 1,
      internetGateways: 1,
      elasticIps: 2,
      loadBalancers: 1,
      namespaces: 1,
    });
    expect(use('production', { vpc: VPC })).toEqual({
      each: { ...NONE, loadBalancers: 1, namespaces: 1 },
      shared: NONE,
    });
  });

  it('fits 4 development environments with a VPC each (the default VPC takes the fifth), 50 in a team VPC', () => {
    expect(environmentsThatFit(use('development', DEDICATED))).toEqual({
      environments: 4,
      boundBy: 'vpcs',
      alsoBoundBy: ['internetGateways'],
      sharedNetworks: 0,
    });
    // 50 load balancers and 50 Cloud Map namespaces: one each.
    expect(environmentsThatFit(use('development', { vpc: VPC }))).toEqual({
      environments: DEFAULT_QUOTAS.loadBalancers,
      boundBy: 'loadBalancers',
      alsoBoundBy: ['namespaces'],
      sharedNetworks: 0,
    });
    // Production's two NAT gateways take two of the five addresses each.
    expect(environmentsThatFit(use('production'))).toMatchObject({ environments: 2, boundBy: 'elasticIps' });
  });
});

describe('environments per Region at the default quotas — a shared network', () => {
  const onDomain = { domain: 'shop.example.com' };

  it('counts the shared VPC, gateway, NAT gateway and load balancer once, and per environment its place on the load balancer', () => {
    expect(use('staging', onDomain)).toEqual({
      each: {
        ...NONE,
        namespaces: 1,
        listenerCertificates: 1,
        listenerRules: 1,
        targetGroupsPerLoadBalancer: 1,
      },
      shared: { ...NONE, vpcs: 1, internetGateways: 1, elasticIps: 1, loadBalancers: 1 },
    });
  });

  it('counts a load balancer of its own for an environment without a domain, in the shared VPC', () => {
    expect(use('development')).toEqual({
      each: { ...NONE, loadBalancers: 1, namespaces: 1 },
      shared: { ...NONE, vpcs: 1, internetGateways: 1 },
    });
  });

  it('fits 26 environments of one project behind its shared load balancer: 25 certificates and the default', () => {
    expect(environmentsThatFit(use('development', onDomain))).toEqual({
      environments: 26,
      boundBy: 'listenerCertificates',
      alsoBoundBy: [],
      sharedNetworks: 1,
    });
  });

  it('fits 50 environments of two projects in the Region, bound by Cloud Map namespaces', () => {
    expect(environmentsPerRegion(use('development', onDomain))).toEqual({
      environments: 50,
      boundBy: 'namespaces',
      alsoBoundBy: [],
      sharedNetworks: 2,
    });
  });

  it('is bound by the VPCs when the shared networks fill up before the Region does', () => {
    // At 2 certificates a load balancer (1 + the default), each project holds 2 environments; the
    // Region holds 4 shared VPCs and gateways besides the default ones: 8 environments, and a fifth
    // network has no VPC.
    const quotas = { ...DEFAULT_QUOTAS, listenerCertificates: 2 };

    expect(environmentsPerRegion(use('development', onDomain), quotas)).toEqual({
      environments: 8,
      boundBy: 'vpcs',
      alsoBoundBy: ['internetGateways'],
      sharedNetworks: 4,
    });
  });

  it('is bound by host rules before target groups when an environment has more host names than certificates', () => {
    const hosts = {
      ...onDomain,
      services: ['a', 'b', 'c', 'd', 'e'].map((name) => ({
        name,
        image: 'nginx:1.27',
        ports: [80],
        public: true,
      })),
    };
    const quotas = { ...DEFAULT_QUOTAS, listenerCertificates: 100 + 1, listenerRules: 40 };

    // 5 rules and 5 target groups each: 40 / 5 = 8 by rules, 100 / 5 = 20 by target groups.
    expect(environmentsThatFit(use('development', hosts), quotas)).toMatchObject({
      environments: 8,
      boundBy: 'listenerRules',
    });
  });
});

describe('environments per Region — the benchmark report', () => {
  it('reports each mode in each kind of network', () => {
    const fits = measureQuotaFits();

    expect(
      fits.map((entry) => [entry.mode, entry.network, entry.fit.environments, entry.fit.boundBy]),
    ).toEqual([
      ['development', 'shared, one project', 26, 'listenerCertificates'],
      ['development', 'shared, all projects', 50, 'namespaces'],
      ['development', 'shared VPC, no domain', 50, 'loadBalancers'],
      ['development', 'own VPC', 4, 'vpcs'],
      ['development', 'team VPC', 50, 'loadBalancers'],
      ['staging', 'shared, one project', 26, 'listenerCertificates'],
      ['staging', 'shared, all projects', 50, 'namespaces'],
      ['staging', 'shared VPC, no domain', 50, 'loadBalancers'],
      ['staging', 'own VPC', 4, 'vpcs'],
      ['staging', 'team VPC', 50, 'loadBalancers'],
      ['production', 'own VPC', 2, 'elasticIps'],
      ['production', 'team VPC', 50, 'loadBalancers'],
    ]);
    expect(quotaSection({ quotas: fits })).toMatch(
      /^development\s+shared, one project\s+0\s+0\s+0\s+0\s+26\s+listenerCertificates$/m,
    );
  });
});
