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

describe('derived names', () => {
  it('names environment resources from project and environment', () => {
    const names = environmentNames('shop', 'pr-42');

    expect(names).toMatchObject({
      loadBalancer: 'shop-pr-42',
      cluster: 'shop-pr-42',
      privateZone: 'pr-42.shop.internal',
      recordKey: 'shop#pr-42',
      expirySchedule: 'shop-pr-42-expiry',
    });
  });

  it('names service and database resources from project, environment and name', () => {
    expect(serviceNames('shop', 'pr-42', 'web')).toEqual({
      ecsService: 'web',
      taskFamily: 'shop-pr-42-web',
      codeBuildProject: 'shop-pr-42-web',
      ecrRepository: 'shop/pr-42/web',
      logGroup: '/modeshift/shop/pr-42/web',
      targetGroup: 'shop-pr-42-web',
      executionRole: 'shop-pr-42-web',
    });
    expect(databaseNames('shop', 'pr-42', 'db').instance).toBe('shop-pr-42-db');
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

    expect(a).toMatch(/^shop-main-lb-logs-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('uses the domain itself as the zone in production and a subdomain elsewhere', () => {
    expect(publicZoneName('shop.example.com', 'pr-42', true)).toBe('shop.example.com');
    expect(publicZoneName('shop.example.com', 'pr-42', false)).toBe('pr-42.shop.example.com');
  });

  it('derives execution names of at most 80 characters that are stable per request', () => {
    const long = executionName('p'.repeat(40), 'e'.repeat(40), 'd'.repeat(64));

    expect(executionName('shop', 'pr-42', 'build-7')).toBe('shop-pr-42-build-7');
    expect(long).toHaveLength(80);
    expect(long).toBe(executionName('p'.repeat(40), 'e'.repeat(40), 'd'.repeat(64)));
  });
});
