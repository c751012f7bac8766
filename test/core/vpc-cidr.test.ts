import { describe, expect, it } from 'vitest';
import {
  cidrsOverlap,
  formatCidr,
  freeBlock,
  parseCidr,
  subnetCidrs,
  vpcCidrProblem,
} from '../../core/vpc-cidr.ts';

describe('VPC ranges', () => {
  it('splits a range into sixteenths: 0 and 1 public, 8 and 9 private (the layout of 10.0.0.0/16)', () => {
    expect(subnetCidrs(parseCidr('10.0.0.0/16'))).toEqual({
      'public-a': '10.0.0.0/20',
      'public-b': '10.0.16.0/20',
      'private-a': '10.0.128.0/20',
      'private-b': '10.0.144.0/20',
    });
    expect(subnetCidrs(parseCidr('172.16.4.0/22'))).toEqual({
      'public-a': '172.16.4.0/26',
      'public-b': '172.16.4.64/26',
      'private-a': '172.16.6.0/26',
      'private-b': '172.16.6.64/26',
    });
    expect(subnetCidrs(parseCidr('192.168.7.0/24'))['private-b']).toBe('192.168.7.144/28');
  });

  it.each([
    ['10.0.0.0/16', '10.0.128.0/17', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.0.0/8', '10.200.3.0/24', true],
    ['192.168.0.0/24', '192.168.1.0/24', false],
  ])('%s and %s overlap: %s', (a, b, overlap) => {
    expect(cidrsOverlap(parseCidr(a), parseCidr(b))).toBe(overlap);
    expect(cidrsOverlap(parseCidr(b), parseCidr(a))).toBe(overlap);
  });

  it.each([
    ['10.20.0.0/16', undefined],
    ['100.64.0.0/16', undefined],
    ['192.168.7.0/24', undefined],
    ['10.20.0.0', '"10.20.0.0" is not an IPv4 CIDR block (e.g. 10.20.0.0/16)'],
    ['10.20.300.0/16', '"10.20.300.0/16" is not an IPv4 CIDR block (e.g. 10.20.0.0/16)'],
    ['10.20.1.0/16', '"10.20.1.0/16" has host bits set: the block is 10.20.0.0/16'],
    ['10.0.0.0/8', '"10.0.0.0/8" is a /8: a VPC\'s range is /16 to /24'],
    ['10.0.0.0/26', '"10.0.0.0/26" is a /26: a VPC\'s range is /16 to /24'],
    [
      '52.0.0.0/16',
      '"52.0.0.0/16" is not a private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) range',
    ],
  ])('%s as a VPC range: %s', (text, problem) => {
    expect(vpcCidrProblem(text)).toBe(problem);
  });

  it('picks a free /16 of 10.0.0.0/8, from a block of the seed’s own, skipping taken ones and wrapping around', () => {
    const first = freeBlock('shop/pr-1', []);
    expect(first && formatCidr(first)).toMatch(/^10\.\d{1,3}\.0\.0\/16$/);
    expect(freeBlock('shop/pr-1', [])).toEqual(first);
    const next = freeBlock('shop/pr-1', first ? [first] : []);
    expect(next && formatCidr(next)).not.toBe(first && formatCidr(first));
    // A taken /8 leaves nothing; a taken /9 leaves only the other half.
    expect(freeBlock('shop/pr-1', [parseCidr('10.0.0.0/8')])).toBeUndefined();
    const half = freeBlock('shop/pr-1', [parseCidr('10.0.0.0/9')]);
    expect(half && half.network >>> 24).toBe(10);
    expect(half && (half.network >>> 16) & 0xff).toBeGreaterThanOrEqual(128);
  });
});
