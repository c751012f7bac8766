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
 * - Every other variable with no value is a config value: a SecureString in
 *   Parameter Store under the environment's path, set with
 *   `modeshift config set NAME`.
 */
import type { Database, Service } from './request.ts';

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
): ServiceWiring {
  if (database === undefined) {
    return {
      environment: service.environment,
      secrets: service.secrets.map((name) => ({ name, from: { config: name } })),
    };
  }
  const connection: Record<string, string> = {
    PGHOST: database.name,
    PGPORT: String(POSTGRES_PORT),
    PGDATABASE: database.databaseName,
    PGUSER: database.username,
  };
  const environment = { ...service.environment };
  for (const [name, value] of Object.entries(connection)) {
    if (!Object.hasOwn(environment, name) && !service.secrets.includes(name)) environment[name] = value;
  }
  const fromDatabase = { database: database.name };
  const secrets: ContainerSecret[] = service.secrets.map((name) => ({
    name,
    from: DATABASE_PASSWORD_VARIABLES.includes(name) ? fromDatabase : { config: name },
  }));
  if (!Object.hasOwn(environment, 'PGPASSWORD') && !service.secrets.includes('PGPASSWORD')) {
    secrets.push({ name: 'PGPASSWORD', from: fromDatabase });
  }
  return { environment, secrets, database: database.name };
}

/**
 * The service's environment and secrets as its container receives them.
 * Assumes a request without {@link wiringProblems}.
 */
export function wireService(
  service: Pick<Service, 'dependsOn' | 'secrets' | 'environment'>,
  databases: readonly Database[],
): ServiceWiring {
  return wireContainer(service, wiredDatabase(service, databases));
}

/** The config values a service needs: the names of its secrets read from Parameter Store. */
export function configNamesOf(wiring: Pick<ServiceWiring, 'secrets'>): string[] {
  return wiring.secrets.flatMap((secret) => ('config' in secret.from ? [secret.from.config] : []));
}
