import { describe, expect, it } from 'vitest';
import { compareModes, type ModeComparison, type ModeInput } from '../../core/compare.ts';
import { MODES, type Mode, type Overrides, resolvePolicy } from '../../core/policy.ts';
import { BUNDLED_PRICES } from '../../core/prices.ts';
import { parseDeployRequest } from '../../core/request.ts';

function inputFor(mode: Mode, request: Record<string, unknown>, overrides: Overrides): ModeInput {
  const parsed = parseDeployRequest({
    ...request,
    mode,
    ...(Object.keys(overrides).length ? { overrides } : {}),
  });
  return { request: parsed, resolved: resolvePolicy(mode, parsed.overrides ?? {}) };
}

const SHOP = {
  project: 'shop',
  environment: 'pr-42',
  deploymentId: 'd1',
  services: [
    { name: 'web', image: 'shop/web:1', ports: [3000], public: true },
    { name: 'api', image: 'shop/api:1', ports: [8080] },
  ],
  databases: [{ name: 'db' }],
  domain: 'shop.example.com',
};

/** One private service, 0.25 vCPU and 0.5 GB: no load balancer, database, build or domain. */
const TINY = {
  project: 'tiny',
  environment: 'main',
  deploymentId: 'd1',
  services: [{ name: 'job', image: 'busybox:1' }],
};

function compare(request: Record<string, unknown> = SHOP, overrides: Overrides = {}): ModeComparison {
  return compareModes(
    {
      development: inputFor('development', request, overrides),
      staging: inputFor('staging', request, overrides),
      production: inputFor('production', request, overrides),
    },
    BUNDLED_PRICES,
  );
}

describe('compare — settings', () => {
  it('lists every setting that differs between the modes, with each mode’s value', () => {
    const { settings } = compare();

    expect(settings.map((d) => d.setting)).not.toContain('circuitBreakerRollback');
    expect(settings.map((d) => d.setting)).not.toContain('storageEncrypted');
    expect(settings).toHaveLength(31);
    expect(settings.map((d) => d.setting)).not.toContain('serviceDiscoveryTtlSeconds');
    expect(settings.map((d) => d.setting)).not.toContain('cacheTransitEncryption');
    expect(settings.find((d) => d.setting === 'dbBackupRetentionDays')?.values).toEqual({
      development: 1,
      staging: 7,
      production: 30,
    });
    expect(settings.find((d) => d.setting === 'natGateways')?.values).toEqual({
      development: 'none',
      staging: 'single',
      production: 'per-az',
    });
  });

  it('drops a setting that an override makes equal in every mode', () => {
    const { settings } = compare(SHOP, { natGateways: 'single' });

    expect(settings.map((d) => d.setting)).not.toContain('natGateways');
  });
});

describe('compare — resources', () => {
  it('shows the NAT gateways that exist in some modes only', () => {
    const { resources } = compare();
    const nat = (name: string) => resources.find((d) => d.name === name)?.present;

    // Staging's gateway is the project's shared network's, production's two the environment's own.
    expect(nat('shop--staging--shared-nat-a')).toEqual({
      development: false,
      staging: true,
      production: false,
    });
    expect(nat('shop--pr-42-nat-a')).toEqual({ development: false, staging: false, production: true });
    expect(nat('shop--pr-42-nat-b')).toEqual({ development: false, staging: false, production: true });
  });

  it('shows the access-log bucket in production only: the shared load balancer keeps no access logs', () => {
    const bucket = compare().resources.find((d) => d.type === 'AWS::S3::Bucket');

    expect(bucket?.present).toEqual({ development: false, staging: false, production: true });
  });

  it('shows that production owns the domain itself and other modes a subdomain', () => {
    const zones = compare().resources.filter((d) => d.type === 'AWS::Route53::HostedZone');

    expect(zones).toEqual([
      {
        type: 'AWS::Route53::HostedZone',
        name: 'pr-42.shop.example.com',
        present: { development: true, staging: true, production: false },
      },
      {
        type: 'AWS::Route53::HostedZone',
        name: 'shop.example.com',
        present: { development: false, staging: false, production: true },
      },
    ]);
  });

  it('leaves out resources every mode creates', () => {
    const names = compare().resources.map((d) => d.name);

    expect(names).not.toContain('shop-pr-42-db');
    expect(names).not.toContain('shop-pr-42');
  });
});

describe('compare — down', () => {
  it('shows the final snapshot and the kept logs of production', () => {
    const { onDown } = compare();

    expect(onDown.find((d) => d.type === 'AWS::RDS::DBInstance')?.onDown).toEqual({
      development: 'delete',
      staging: 'delete',
      production: 'snapshot-then-delete',
    });
    expect(onDown.find((d) => d.type === 'AWS::Logs::LogGroup')?.onDown).toEqual({
      development: 'delete',
      staging: 'delete',
      production: 'retain',
    });
  });

  it('shows the development zone destroyed and the staging one kept', () => {
    const zone = compare().onDown.find((d) => d.name === 'pr-42.shop.example.com');

    expect(zone?.onDown).toEqual({ development: 'delete', staging: 'retain', production: undefined });
  });
});

describe('compare — cost', () => {
  it('estimates each mode’s monthly total', () => {
    // By hand (see test/core/estimate.test.ts for the rates):
    // development 2.97 task + 3.65 task IPv4 + 0.50 logs + 0.00 stored + 0.50 private zone = 7.62
    // staging, its NAT gateway shared by 10 environments: 2.97 + 730 × 0.045 / 10 = 3.285 → 3.29 NAT
    //   + 0.45 NAT data + 730 × 0.005 / 10 = 0.365 → 0.37 NAT IPv4 + 0.50 + 0.01 + 0.50 = 8.09
    // production 9.01 + 65.70 + 0.45 + 7.30 + 0.50 + 0.03 + 0.50 = 83.49
    const { estimates } = compare(TINY);

    expect(MODES.map((mode) => estimates[mode].total)).toEqual([7.62, 8.09, 83.49]);
  });
});
