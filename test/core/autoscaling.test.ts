import { describe, expect, it } from 'vitest';
import { scaledCount, serviceScaling } from '../../core/autoscaling.ts';
import { MODE_POLICIES } from '../../core/policy.ts';

describe('serviceScaling', () => {
  it('has none in development, unless the service asks', () => {
    expect(serviceScaling({ replicas: 2 }, MODE_POLICIES.development)).toBeUndefined();
    expect(serviceScaling({ replicas: 2, scaling: {} }, MODE_POLICIES.development)).toEqual({
      min: 2,
      max: 4,
      cpuPercent: 70,
    });
  });

  it.each([
    ['staging', { min: 3, max: 6, cpuPercent: 70 }],
    ['production', { min: 3, max: 12, cpuPercent: 60 }],
  ] as const)('scales a %s service from its replicas to the mode’s multiple of them', (mode, expected) => {
    expect(serviceScaling({ replicas: 3 }, MODE_POLICIES[mode])).toEqual(expected);
  });

  it("takes the service's own bounds over the mode's, each on its own", () => {
    const policy = MODE_POLICIES.production;
    expect(serviceScaling({ replicas: 2, scaling: { min: 1, max: 3, cpu: 40 } }, policy)).toEqual({
      min: 1,
      max: 3,
      cpuPercent: 40,
    });
    expect(serviceScaling({ replicas: 2, scaling: { min: 5 } }, policy)).toEqual({
      min: 5,
      max: 8,
      cpuPercent: 60,
    });
    expect(serviceScaling({ replicas: 4, scaling: { max: 2 } }, policy)).toEqual({
      min: 2,
      max: 2,
      cpuPercent: 60,
    });
  });

  it('has none for a service of no replicas and no maximum of its own', () => {
    expect(serviceScaling({ replicas: 0 }, MODE_POLICIES.production)).toBeUndefined();
  });
});

describe('scaledCount', () => {
  const bounds = { min: 2, max: 8, cpuPercent: 60 };

  it('keeps the count a service runs within its bounds, and brings one outside them in', () => {
    expect(scaledCount(bounds, 5)).toBe(5);
    expect(scaledCount(bounds, 1)).toBe(2);
    expect(scaledCount(bounds, 12)).toBe(8);
    expect(scaledCount(bounds, undefined)).toBe(2);
  });
});
