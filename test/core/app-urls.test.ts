import { describe, expect, it } from 'vitest';
import { appUrls } from '../../core/app-urls.ts';

describe('where a deployed app answers', () => {
  it('is https on each public service’s hostname', () => {
    expect(
      appUrls(
        [
          { service: 'web', hostname: 'pr-1.shop.example.com' },
          { service: 'api', hostname: 'api.pr-1.shop.example.com' },
        ],
        'shop--pr-1-123.us-east-1.elb.amazonaws.com',
      ),
    ).toEqual([
      { service: 'web', url: 'https://pr-1.shop.example.com/' },
      { service: 'api', url: 'https://api.pr-1.shop.example.com/' },
    ]);
  });

  it('is http on the load balancer’s own name for the public service without a domain', () => {
    expect(appUrls([{ service: 'web' }], 'shop--pr-1-123.us-east-1.elb.amazonaws.com')).toEqual([
      { service: 'web', url: 'http://shop--pr-1-123.us-east-1.elb.amazonaws.com/' },
    ]);
  });

  it('is nothing without public services, or without a load balancer to reach', () => {
    expect(appUrls([], 'lb.example')).toEqual([]);
    expect(appUrls(undefined, undefined)).toEqual([]);
    expect(appUrls([{ service: 'web' }], undefined)).toEqual([]);
  });
});
