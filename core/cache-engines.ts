/**
 * The managed cache engines modeshift provisions as ElastiCache replication
 * groups, and the versions it accepts: those ElastiCache offers with at-rest
 * encryption and Multi-AZ failover. A compose image tag names the version;
 * a major version alone means its newest minor.
 */

export const CACHE_ENGINES = ['redis', 'valkey'] as const;
export type CacheEngine = (typeof CACHE_ENGINES)[number];

/** Engine versions ElastiCache offers, oldest first; the last is the default. */
export const CACHE_ENGINE_VERSIONS: Readonly<Record<CacheEngine, readonly string[]>> = {
  redis: ['6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1'],
};

/** The port ElastiCache for Redis OSS and Valkey listens on. */
export const CACHE_PORT = 6379;

/** The engine's newest version modeshift offers: what an image without a version tag gets. */
export function defaultCacheVersion(engine: CacheEngine): string {
  const versions = CACHE_ENGINE_VERSIONS[engine];
  return versions[versions.length - 1] as string;
}

/**
 * The version an image tag names (`7`, `7.1`, `7.0.15-alpine`), as ElastiCache takes it:
 * `major.minor`, a major alone meaning its newest minor. Undefined for a tag with no version
 * (`latest`, `alpine`): the engine's default. The result may be a version ElastiCache does not
 * offer; {@link cacheVersionProblem} says so.
 */
export function cacheVersionOfTag(engine: CacheEngine, tag: string | undefined): string | undefined {
  const match = /^(\d{1,2})(?:\.(\d{1,2}))?/.exec(tag ?? '');
  if (!match) return undefined;
  const [, major, minor] = match;
  if (minor !== undefined) return `${major}.${minor}`;
  const newest = [...CACHE_ENGINE_VERSIONS[engine]]
    .reverse()
    .find((version) => version.startsWith(`${major}.`));
  return newest ?? `${major}.0`;
}

/** Why ElastiCache cannot run `version` of `engine`, or undefined when it can. */
export function cacheVersionProblem(engine: CacheEngine, version: string): string | undefined {
  const versions = CACHE_ENGINE_VERSIONS[engine];
  if (versions.includes(version)) return undefined;
  return `${engine} ${version} is not a version modeshift provisions on ElastiCache (${engine}: ${versions.join(', ')})`;
}

/** The engine an image runs, from its repository: `redis`, `valkey/valkey`, with or without a registry. */
export function cacheEngineOfImage(image: string): { engine: CacheEngine; tag?: string } | undefined {
  const [repository, tag] = image.split('@')[0]?.split(/:(?=[^/]*$)/) ?? [];
  if (/(^|\/)redis$/.test(repository ?? '')) return { engine: 'redis', ...(tag ? { tag } : {}) };
  if (/(^|\/)valkey$/.test(repository ?? '')) return { engine: 'valkey', ...(tag ? { tag } : {}) };
  return undefined;
}
