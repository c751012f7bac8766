import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessLogBucketName,
  databaseNames,
  environmentNames,
  executionName,
  fitName,
  publicZoneName,
  serviceNames,
} from '../../core/names.ts';
import { EnvironmentNameSchema, ProjectNameSchema } from '../../core/request.ts';

describe('derived names', () => {
  it('names environment resources from project and environment', () => {
    const names = environmentNames('shop', 'pr-42');

    expect(names).toMatchObject({
      loadBalancer: 'shop--pr-42',
      cluster: 'shop--pr-42',
      dbSubnetGroup: 'shop--pr-42',
      albSecurityGroup: 'shop--pr-42-alb',
      privateZone: 'pr-42.shop.internal',
      secretsPath: '/modeshift/shop/pr-42/',
      recordKey: 'shop#pr-42',
      expirySchedule: 'shop--pr-42-expiry',
    });
  });

  it('names service and database resources from project, environment and name', () => {
    expect(serviceNames('shop', 'pr-42', 'web')).toEqual({
      ecsService: 'web',
      taskFamily: 'shop--pr-42--web',
      taskRole: 'shop--pr-42--web.task',
      codeBuildProject: 'shop--pr-42--web',
      ecrRepository: 'shop/pr-42/web',
      logGroup: '/modeshift/shop/pr-42/web',
      targetGroup: expect.stringMatching(/^shop-pr-42-web-[0-9a-f]{6}$/),
      executionRole: 'shop--pr-42--web',
    });
    expect(databaseNames('shop', 'pr-42', 'db').instance).toMatch(/^shop-pr-42-db-[0-9a-f]{8}$/);
  });

  it('gives RDS identifiers and target groups no double hyphen, which RDS and ELB refuse', () => {
    expect(databaseNames('shop', 'pr-42', 'db').instance).not.toContain('--');
    expect(serviceNames('shop', 'pr-42', 'web').targetGroup).not.toContain('--');
  });

  it('shortens a long target group name with a stable hash, within 32 characters', () => {
    const first = serviceNames('storefront', 'feature-x', 'recommendations').targetGroup;
    const again = serviceNames('storefront', 'feature-x', 'recommendations').targetGroup;
    const other = serviceNames('storefront', 'feature-x', 'recommendationz').targetGroup;

    expect(first).toHaveLength(32);
    expect(first).toBe(again);
    expect(first).not.toBe(other);
    expect(first).toMatch(/^storefront-feature-x-r[a-z]*-[0-9a-f]{6}$/);
  });

  it('keeps names that fit unchanged', () => {
    expect(fitName('short-name', 32)).toBe('short-name');
  });

  it('gives distinct access-log buckets to distinct accounts and regions', () => {
    const a = accessLogBucketName('shop', 'main', '111111111111', 'eu-west-1');
    const b = accessLogBucketName('shop', 'main', '111111111111', 'us-east-1');

    expect(a).toMatch(/^shop--main-lb-logs-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('uses the domain itself as the zone in production and a subdomain elsewhere', () => {
    expect(publicZoneName('shop.example.com', 'pr-42', true)).toBe('shop.example.com');
    expect(publicZoneName('shop.example.com', 'pr-42', false)).toBe('pr-42.shop.example.com');
  });

  it('derives execution names of at most 80 characters that are stable per request', () => {
    const long = executionName('p'.repeat(40), 'e'.repeat(40), 'd'.repeat(64));

    expect(executionName('shop', 'pr-42', 'build-7')).toBe('shop--pr-42--build-7');
    expect(long).toHaveLength(80);
    expect(long).toBe(executionName('p'.repeat(40), 'e'.repeat(40), 'd'.repeat(64)));
  });
});

/** Every name an environment's resources get from project, environment and one service and database. */
function everyName(project: string, environment: string): string[] {
  // The record key is not an AWS name; the target group prefix only picks candidates whose tags decide.
  const {
    recordKey: _key,
    targetGroupPrefix: _prefix,
    ...environmentWide
  } = environmentNames(project, environment);
  return [
    ...Object.values(environmentWide),
    ...Object.values(serviceNames(project, environment, 'web')).filter((name) => name !== 'web'),
    ...Object.values(databaseNames(project, environment, 'db')),
    accessLogBucketName(project, environment, '111111111111', 'eu-west-1'),
    executionName(project, environment, 'build-1'),
  ];
}

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);

describe('derived names — one environment cannot take another one’s names', () => {
  it('tells shop-wk/x from shop/wk-x in every name', () => {
    const victim = new Set(everyName('shop', 'wk-x'));

    expect(everyName('shop-wk', 'x').filter((name) => victim.has(name))).toEqual([]);
  });

  it('gives distinct names to every two pairs that join to the same hyphenated text', () => {
    // Prepare: pairs (a-b, c) and (a, b-c), the split that `${project}-${environment}` could not tell apart.
    const pairs = fc.tuple(label, label, label).map(([a, b, c]) => ({
      left: { project: `${a}-${b}`, environment: c },
      right: { project: a, environment: `${b}-${c}` },
    }));

    fc.assert(
      fc.property(pairs, ({ left, right }) => {
        const taken = new Set(everyName(left.project, left.environment));

        expect(everyName(right.project, right.environment).filter((name) => taken.has(name))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('gives distinct names to distinct valid pairs, and the same names to the same pair', () => {
    const name = fc.tuple(label, fc.option(label, { nil: undefined })).map(([a, b]) => (b ? `${a}-${b}` : a));
    const pair = fc.record({ project: name, environment: name });

    fc.assert(
      fc.property(pair, pair, (one, other) => {
        expect(ProjectNameSchema.safeParse(one.project).success).toBe(true);
        expect(EnvironmentNameSchema.safeParse(other.environment).success).toBe(true);
        const same = one.project === other.project && one.environment === other.environment;
        const shared = everyName(one.project, one.environment).filter((n) =>
          everyName(other.project, other.environment).includes(n),
        );

        expect(shared.length > 0).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});
