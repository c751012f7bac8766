/**
 * How a service's container is wired to what the environment holds for it
 * (docs/design.md §3, "App wiring"): the connection settings of the managed
 * Postgres it depends on, and where each of its secrets is read from at task
 * start. The values themselves never pass through modeshift: a secret is a
 * reference that ECS resolves with the service's execution role.
 *
 * - A service that depends on exactly one managed database gets libpq's
 *   `PGHOST`, `PGPORT`, `PGDATABASE` and `PGUSER` (unless it sets them
 *   itself) and the secret `PGPASSWORD`, read from the RDS-managed secret.
 * - A variable with no value named `DATABASE_PASSWORD`, `POSTGRES_PASSWORD`
 *   or `PGPASSWORD`, in such a service, is that database's password too.
 * - A service that depends on exactly one managed cache gets `REDIS_URL`
 *   (`rediss://` when the mode encrypts the cache's traffic), `REDIS_HOST` and
 *   `REDIS_PORT`, unless it sets them itself. The host is the cache's compose
 *   name, which the private zone resolves to the primary endpoint; with TLS
 *   it is the primary endpoint itself, the name its certificate carries.
 * - Every other variable with no value is a config value: a SecureString in
 *   Parameter Store under the environment's path, set with
 *   `modeshift config set NAME`.
 */
import { CACHE_PORT } from './cache-engines.ts';
import type { Cache, Database, Service } from './request.ts';

/** Variables with no value that name the password of the service's managed database. */
export const DATABASE_PASSWORD_VARIABLES: readonly string[] = [
  'DATABASE_PASSWORD',
  'POSTGRES_PASSWORD',
  'PGPASSWORD',
];

/** The port RDS for PostgreSQL listens on. */
export const POSTGRES_PORT = 5432;

/** Where a secret's value is read from at task start. */
export type SecretSource =
  /** A config value: the SecureString `<environment's path><config>`. */
  | { readonly config: string }
  /** The `password` key of a managed database's RDS-managed master-user secret. */
  | { readonly database: string };

/** A container secret: the variable it sets and where its value comes from. */
export interface ContainerSecret {
  readonly name: string;
  readonly from: SecretSource;
}

export interface ServiceWiring {
  /** The service's own environment, with the database's connection settings added. */
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly ContainerSecret[];
  /** The managed database the service is wired to, if it depends on exactly one. */
  readonly database?: string;
  /** The managed cache the service is wired to, if it depends on exactly one. */
  readonly cache?: string;
}

/** What the wiring needs of a managed cache: its compose name, and where and how to reach it. */
export interface WiredCache {
  readonly name: string;
  /** The host the service connects to: the compose name, or the primary endpoint under TLS. */
  readonly host: string;
  /** Whether the cache takes TLS only (cacheTransitEncryption): `rediss://`. */
  readonly tls: boolean;
}

/** The managed cache a service is wired to: the one it depends on, when it depends on exactly one. */
export function wiredCache(service: Pick<Service, 'dependsOn'>, caches: readonly Cache[]): Cache | undefined {
  const managed = service.dependsOn.flatMap((name) => caches.filter((cache) => cache.name === name));
  return managed.length === 1 ? managed[0] : undefined;
}

/** The cache's connection settings as a service receives them. */
export function cacheConnection(cache: WiredCache): Record<string, string> {
  return {
    REDIS_URL: `${cache.tls ? 'rediss' : 'redis'}://${cache.host}:${CACHE_PORT}`,
    REDIS_HOST: cache.host,
    REDIS_PORT: String(CACHE_PORT),
  };
}

/** Adds `connection` to a service's environment, but for the variables it sets itself. */
function withDefaults(
  environment: Readonly<Record<string, string>>,
  secrets: readonly string[],
  connection: Readonly<Record<string, string>>,
): Record<string, string> {
  const result = { ...environment };
  for (const [name, value] of Object.entries(connection)) {
    if (!Object.hasOwn(result, name) && !secrets.includes(name)) result[name] = value;
  }
  return result;
}

/** A password variable modeshift cannot attribute to one database; the message says what to write. */
export interface WiringProblem {
  readonly secret: string;
  readonly message: string;
}

/** What the wiring needs of a managed database: its compose name and how to connect. */
export type WiredDatabase = Pick<Database, 'name' | 'databaseName' | 'username'>;

/** The managed databases a service depends on, in its depends_on order. */
export function databasesOf(service: Pick<Service, 'dependsOn'>, databases: readonly Database[]): Database[] {
  return service.dependsOn.flatMap((name) => databases.filter((database) => database.name === name));
}

/** The managed database a service is wired to: the one it depends on, when it depends on exactly one. */
export function wiredDatabase(
  service: Pick<Service, 'dependsOn'>,
  databases: readonly Database[],
): Database | undefined {
  const managed = databasesOf(service, databases);
  return managed.length === 1 ? managed[0] : undefined;
}

/** Problems with a service's password variables (see the top of this file). */
export function wiringProblems(
  service: Pick<Service, 'dependsOn' | 'secrets'>,
  databases: readonly Database[],
): WiringProblem[] {
  const managed = databasesOf(service, databases);
  if (managed.length < 2) return [];
  return service.secrets
    .filter((name) => DATABASE_PASSWORD_VARIABLES.includes(name))
    .map((secret) => ({
      secret,
      message: `${secret} has no value, and the service depends on ${managed.length} managed databases (${managed
        .map((database) => database.name)
        .join(
          ', ',
        )}), so modeshift cannot tell whose password it is: depend on one, or give each database's password its own name and set it with modeshift config set`,
    }));
}

/**
 * The service's environment and secrets as its container receives them, given the database it
 * is wired to (see {@link wiredDatabase}), if any.
 */
export function wireContainer(
  service: { readonly secrets: readonly string[]; readonly environment: Readonly<Record<string, string>> },
  database: WiredDatabase | undefined,
  cache?: WiredCache,
): ServiceWiring {
  const cached =
    cache === undefined
      ? service.environment
      : withDefaults(service.environment, service.secrets, cacheConnection(cache));
  const withCache = cache === undefined ? {} : { cache: cache.name };
  if (database === undefined) {
    return {
      environment: cached,
      secrets: service.secrets.map((name) => ({ name, from: { config: name } })),
      ...withCache,
    };
  }
  const connection: Record<string, string> = {
    PGHOST: database.name,
    PGPORT: String(POSTGRES_PORT),
    PGDATABASE: database.databaseName,
    PGUSER: database.username,
  };
  const environment = withDefaults(cached, service.secrets, connection);
  const fromDatabase = { database: database.name };
  const secrets: ContainerSecret[] = service.secrets.map((name) => ({
    name,
    from: DATABASE_PASSWORD_VARIABLES.includes(name) ? fromDatabase : { config: name },
  }));
  if (!Object.hasOwn(environment, 'PGPASSWORD') && !service.secrets.includes('PGPASSWORD')) {
    secrets.push({ name: 'PGPASSWORD', from: fromDatabase });
  }
  return { environment, secrets, database: database.name, ...withCache };
}

/**
 * The service's environment and secrets as its container receives them.
 * Assumes a request without {@link wiringProblems}.
 */
export function wireService(
  service: Pick<Service, 'dependsOn' | 'secrets' | 'environment'>,
  databases: readonly Database[],
  caches: readonly Cache[] = [],
  tls = false,
): ServiceWiring {
  const cache = wiredCache(service, caches);
  return wireContainer(
    service,
    wiredDatabase(service, databases),
    cache === undefined ? undefined : { name: cache.name, host: cache.name, tls },
  );
}

/** The config values a service needs: the names of its secrets read from Parameter Store. */
export function configNamesOf(wiring: Pick<ServiceWiring, 'secrets'>): string[] {
  return wiring.secrets.flatMap((secret) => ('config' in secret.from ? [secret.from.config] : []));
}
