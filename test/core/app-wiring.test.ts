import { describe, expect, it } from 'vitest';
import { configNamesOf, wireService, wiringProblems } from '../../core/app-wiring.ts';
import { type Cache, type Database, parseDeployRequest, RequestValidationError } from '../../core/request.ts';

const db: Database = {
  name: 'db',
  engine: 'postgres',
  version: '16',
  storageGiB: 20,
  databaseName: 'shop',
  username: 'shop',
};
const analytics: Database = { ...db, name: 'analytics', databaseName: 'events', username: 'reader' };

const service = (overrides: {
  dependsOn?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
}) => ({
  dependsOn: [],
  secrets: [],
  environment: {},
  ...overrides,
});

describe('wireService', () => {
  it("gives a service that depends on one managed database libpq's settings and PGPASSWORD from the database", () => {
    const wiring = wireService(service({ dependsOn: ['db'], environment: { LOG_LEVEL: 'info' } }), [db]);

    expect(wiring).toEqual({
      environment: { LOG_LEVEL: 'info', PGHOST: 'db', PGPORT: '5432', PGDATABASE: 'shop', PGUSER: 'shop' },
      secrets: [{ name: 'PGPASSWORD', from: { database: 'db' } }],
      database: 'db',
    });
  });

  it('keeps the settings the compose file sets itself', () => {
    const wiring = wireService(
      service({ dependsOn: ['db'], environment: { PGHOST: 'db.internal.example', PGUSER: 'app' } }),
      [db],
    );

    expect(wiring.environment).toMatchObject({
      PGHOST: 'db.internal.example',
      PGUSER: 'app',
      PGDATABASE: 'shop',
    });
  });

  it('reads an empty DATABASE_PASSWORD, POSTGRES_PASSWORD or PGPASSWORD from the database, every other empty variable from config', () => {
    const wiring = wireService(
      service({
        dependsOn: ['db'],
        secrets: ['DATABASE_PASSWORD', 'POSTGRES_PASSWORD', 'PGPASSWORD', 'STRIPE_KEY'],
      }),
      [db],
    );

    expect(wiring.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', from: { database: 'db' } },
      { name: 'POSTGRES_PASSWORD', from: { database: 'db' } },
      { name: 'PGPASSWORD', from: { database: 'db' } },
      { name: 'STRIPE_KEY', from: { config: 'STRIPE_KEY' } },
    ]);
    expect(configNamesOf(wiring)).toEqual(['STRIPE_KEY']);
  });

  it("treats a password variable of a service with no managed database as a config value (an external database's password)", () => {
    const wiring = wireService(service({ dependsOn: ['api'], secrets: ['DATABASE_PASSWORD'] }), [db]);

    expect(wiring).toEqual({
      environment: {},
      secrets: [{ name: 'DATABASE_PASSWORD', from: { config: 'DATABASE_PASSWORD' } }],
    });
    expect(configNamesOf(wiring)).toEqual(['DATABASE_PASSWORD']);
  });

  it('wires nothing automatically for a service that depends on two managed databases', () => {
    const wiring = wireService(service({ dependsOn: ['db', 'analytics'], secrets: ['STRIPE_KEY'] }), [
      db,
      analytics,
    ]);

    expect(wiring.environment).toEqual({});
    expect(wiring.database).toBeUndefined();
    expect(wiring.secrets).toEqual([{ name: 'STRIPE_KEY', from: { config: 'STRIPE_KEY' } }]);
  });
});

describe('wiringProblems', () => {
  it('refuses a password variable in a service that depends on several managed databases, saying what to write', () => {
    const problems = wiringProblems(
      service({ dependsOn: ['db', 'analytics'], secrets: ['DATABASE_PASSWORD'] }),
      [db, analytics],
    );

    expect(problems).toHaveLength(1);
    expect(problems[0]?.secret).toBe('DATABASE_PASSWORD');
    expect(problems[0]?.message).toMatch(/depends on 2 managed databases \(db, analytics\)/);
    expect(problems[0]?.message).toMatch(/depend on one, or give each database's password its own name/);
  });

  it('is refused by the request schema at the secret it names', () => {
    const request = {
      project: 'shop',
      environment: 'pr-1',
      mode: 'development',
      deploymentId: 'd-1',
      services: [
        {
          name: 'api',
          image: 'nginx:1.27',
          dependsOn: ['db', 'analytics'],
          secrets: ['LOG_TOKEN', 'PGPASSWORD'],
        },
      ],
      databases: [{ name: 'db' }, { name: 'analytics' }],
    };

    expect(() => parseDeployRequest(request)).toThrow(RequestValidationError);
    try {
      parseDeployRequest(request);
    } catch (error) {
      expect((error as RequestValidationError).problems).toEqual([
        expect.objectContaining({ path: 'services[0].secrets[1]' }),
      ]);
    }
  });
});

describe('loadBalancerCheck', () => {
  const request = (loadBalancerCheck: unknown) => ({
    project: 'shop',
    environment: 'pr-1',
    mode: 'development',
    deploymentId: 'd-1',
    services: [{ name: 'web', image: 'nginx:1.27', ports: [8080, 9090], public: true, loadBalancerCheck }],
  });

  it('accepts a path and one of the service ports', () => {
    expect(
      parseDeployRequest(request({ path: '/healthz', port: 9090 })).services[0]?.loadBalancerCheck,
    ).toEqual({
      path: '/healthz',
      port: 9090,
    });
  });

  it('refuses a port the service does not have, and a path that is not one, naming the field', () => {
    const problemsOf = (check: unknown) => {
      try {
        parseDeployRequest(request(check));
        return [];
      } catch (error) {
        return (error as RequestValidationError).problems;
      }
    };
    expect(problemsOf({ path: '/healthz', port: 7000 })).toEqual([
      {
        path: 'services[0].loadBalancerCheck.port',
        message: "7000 is not one of the service's ports (8080, 9090)",
      },
    ]);
    expect(problemsOf({ path: 'healthz' })).toEqual([
      expect.objectContaining({ path: 'services[0].loadBalancerCheck.path' }),
    ]);
  });
});

describe('wireService — managed caches', () => {
  const cache: Cache = { name: 'cache', engine: 'redis', version: '7.1' };

  it('gives a service that depends on one managed cache its URL, host and port, by its compose name', () => {
    const wiring = wireService(service({ dependsOn: ['cache', 'db'] }), [db], [cache]);

    expect(wiring.environment).toMatchObject({
      REDIS_URL: 'redis://cache:6379',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6379',
      PGHOST: 'db',
    });
    expect(wiring).toMatchObject({ cache: 'cache', database: 'db' });
  });

  it('says rediss:// when the mode encrypts the cache traffic', () => {
    expect(wireService(service({ dependsOn: ['cache'] }), [], [cache], true).environment.REDIS_URL).toBe(
      'rediss://cache:6379',
    );
  });

  it('keeps the settings the compose file sets itself, and wires nothing for a service that depends on two caches', () => {
    const own = wireService(
      service({ dependsOn: ['cache'], environment: { REDIS_URL: 'redis://x:1' } }),
      [],
      [cache],
    );
    expect(own.environment).toMatchObject({ REDIS_URL: 'redis://x:1', REDIS_HOST: 'cache' });

    const two = wireService(
      service({ dependsOn: ['cache', 'sessions'] }),
      [],
      [cache, { ...cache, name: 'sessions' }],
    );
    expect(two.environment).toEqual({});
    expect(two).not.toHaveProperty('cache');
  });
});
