// x-defang-redis: a managed cache (ElastiCache), its engine and version from the image, and what it passes over.
import { describe, expect, it } from 'vitest';
import { type ComposeOptions, composeToRequest } from '../../core/compose.ts';
import { composeRejection } from '../support/compose.ts';

const INLINE: ComposeOptions = {
  environment: 'pr-42',
  mode: 'development',
  deploymentId: 'deploy-0001',
  variables: {},
};

/** A shop whose web service depends on a cache given by `cache` (indented for you). */
function withCache(cache: string): string {
  const body = cache
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `name: shop\nservices:\n  web:\n    image: nginx\n    depends_on: [cache]\n  cache:\n${body}\n`;
}

const problemsOf = (text: string) => composeRejection(text, INLINE).problems;

describe('compose input — managed caches (x-defang-redis)', () => {
  it.each([
    ['redis:7', { engine: 'redis', version: '7.1' }],
    ['redis:7.0', { engine: 'redis', version: '7.0' }],
    ['redis:6.2.14-alpine', { engine: 'redis', version: '6.2' }],
    ['public.ecr.aws/docker/library/redis:7-alpine', { engine: 'redis', version: '7.1' }],
    ['valkey/valkey:8', { engine: 'valkey', version: '8.1' }],
    ['valkey/valkey:7.2', { engine: 'valkey', version: '7.2' }],
  ])('makes %s a cache of that engine and version, not a service', (image, expected) => {
    const { request, warnings } = composeToRequest(
      withCache(`image: ${image}\nx-defang-redis: true`),
      INLINE,
    );

    expect(request.caches).toEqual([{ name: 'cache', ...expected }]);
    expect(request.services.map((service) => service.name)).toEqual(['web']);
    expect(request.services[0]?.dependsOn).toEqual(['cache']);
    expect(warnings).toEqual([]);
  });

  it("gives an image without a version the engine's newest (ElastiCache's default for it)", () => {
    const { request } = composeToRequest(withCache('image: redis:latest\nx-defang-redis: true'), INLINE);

    expect(request.caches).toEqual([{ name: 'cache', engine: 'redis' }]);
  });

  it('refuses a version ElastiCache does not offer, naming it and the versions it does', () => {
    expect(problemsOf(withCache('image: redis:5\nx-defang-redis: true'))).toEqual([
      {
        path: 'services.cache.image',
        message:
          '"redis:5": redis 5.0 is not a version modeshift provisions on ElastiCache (redis: 6.2, 7.0, 7.1)',
      },
    ]);
    expect(problemsOf(withCache('image: redis:7.4\nx-defang-redis: true'))[0]?.message).toContain(
      'redis 7.4 is not a version',
    );
  });

  it('refuses an image that is neither redis nor valkey', () => {
    expect(problemsOf(withCache('image: memcached:1.6\nx-defang-redis: true'))).toEqual([
      {
        path: 'services.cache.image',
        message:
          '"memcached:1.6" is not a redis or valkey image (x-defang-redis needs redis:<version> or valkey/valkey:<version>)',
      },
    ]);
  });

  it('passes over ports quietly and the environment with a warning, as for a managed Postgres', () => {
    const { request, warnings } = composeToRequest(
      withCache(
        'image: redis:7\nx-defang-redis: true\nports:\n  - target: 6379\n    mode: host\nenvironment:\n  REDIS_ARGS: --save 60 1\ncommand: redis-server',
      ),
      INLINE,
    );

    expect(request.caches).toHaveLength(1);
    expect(warnings).toEqual([
      { path: 'services.cache.command', message: 'ignored for a managed cache (ElastiCache runs it)' },
      {
        path: 'services.cache.environment.REDIS_ARGS',
        message:
          'ignored: ElastiCache runs the cache and takes no environment; its settings come from the mode',
      },
    ]);
  });

  it('refuses x-defang-redis that is neither true nor a mapping, and warns about keys it does not know', () => {
    expect(problemsOf(withCache('image: redis:7\nx-defang-redis: "yes"'))).toContainEqual({
      path: 'services.cache.x-defang-redis',
      message: '"yes" must be true or a mapping',
    });
    const { warnings } = composeToRequest(withCache('image: redis:7\nx-defang-redis: {nodes: 2}'), INLINE);
    expect(warnings).toEqual([
      { path: 'services.cache.x-defang-redis.nodes', message: 'is not a setting modeshift knows; ignored' },
    ]);
  });

  it('takes a snapshot to create the cache from, and refuses one that is no snapshot name', () => {
    const { request } = composeToRequest(
      withCache('image: redis:7\nx-defang-redis:\n  snapshot: shop-main-cache-1a2b-final-20261126070000'),
      INLINE,
    );
    expect(request.caches[0]?.snapshot).toBe('shop-main-cache-1a2b-final-20261126070000');
    expect(problemsOf(withCache('image: redis:7\nx-defang-redis:\n  snapshot: "../etc"'))).toContainEqual({
      path: 'services.cache.x-defang-redis.snapshot',
      message: '"../etc" is not an ElastiCache snapshot name',
    });
  });

  it('leaves a service with x-defang-redis: false an ordinary service', () => {
    const { request } = composeToRequest(withCache('image: redis:7\nx-defang-redis: false'), INLINE);

    expect(request.caches).toEqual([]);
    expect(request.services.map((service) => service.name)).toEqual(['web', 'cache']);
  });
});
