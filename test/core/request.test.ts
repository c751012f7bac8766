import { describe, expect, it } from 'vitest';
import {
  type DeployRequestInput,
  DeployRequestSchema,
  parseDeployRequest,
  parseDownRequest,
  problemsFromZod,
  RequestValidationError,
} from '../../core/request.ts';

const valid = (): DeployRequestInput => ({
  project: 'shop',
  environment: 'pr-42',
  mode: 'development',
  deploymentId: 'build-1234',
  services: [
    {
      name: 'web',
      image: 'nginx:1.27',
      ports: [80],
      public: true,
      dependsOn: ['api'],
    },
    {
      name: 'api',
      build: { context: 's3://artifacts/shop/api.tar.gz' },
      ports: ['8080/tcp'],
      dependsOn: ['db'],
    },
  ],
  databases: [{ name: 'db' }],
  domain: 'shop.example.com',
});

/** The problems a request is refused with, as `path: message` lines. */
function problemsOf(input: unknown): string[] {
  try {
    parseDeployRequest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationError);
    return (error as RequestValidationError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('the request was accepted');
}

function withService(patch: Record<string, unknown>, index = 0): unknown {
  const request = valid() as { services: Record<string, unknown>[] };
  request.services[index] = { ...request.services[index], ...patch };
  return request;
}

describe('deployment request — a valid request', () => {
  it('fills in defaults and normalizes ports, mode aliases and the domain', () => {
    const request = parseDeployRequest({ ...valid(), mode: 'ha', domain: 'Shop.Example.COM.' });

    expect(request.mode).toBe('production');
    expect(request.domain).toBe('shop.example.com');
    expect(request.force).toBe(false);
    expect(request.services[0]).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      cpu: 256,
      memory: 512,
      replicas: 1,
      ports: [{ target: 80, protocol: 'tcp' }],
      public: true,
      environment: {},
      secrets: [],
      dependsOn: ['api'],
    });
    expect(request.services[1]?.build).toEqual({
      context: 's3://artifacts/shop/api.tar.gz',
      dockerfile: 'Dockerfile',
    });
    expect(request.databases[0]).toEqual({
      name: 'db',
      engine: 'postgres',
      version: '16',
      storageGiB: 20,
      databaseName: 'postgres',
      username: 'postgres',
    });
  });

  it('accepts ports written as numbers, strings and objects', () => {
    const request = parseDeployRequest(
      withService({ ports: [80, '53/udp', { target: 8443, protocol: 'tcp' }] }),
    );

    expect(request.services[0]?.ports).toEqual([
      { target: 80, protocol: 'tcp' },
      { target: 53, protocol: 'udp' },
      { target: 8443, protocol: 'tcp' },
    ]);
  });

  it('accepts the longest project and environment whose derived names all fit', () => {
    // 'p' * 12 + '--' + 'e' * 11 + '-' + 6-character hash = 32, the target-group limit.
    const request = parseDeployRequest({ ...valid(), project: 'p'.repeat(12), environment: 'e'.repeat(11) });

    expect(request.project).toHaveLength(12);
  });
});

describe('deployment request — malformed requests are refused with the field named', () => {
  it.each<[string, unknown, string]>([
    ['not an object', 'deploy please', ': the request must be a JSON object, not a string'],
    ['an array', [], ': the request must be a JSON object, not an array'],
    ['missing project', { ...valid(), project: undefined }, 'project: is required'],
    [
      'project with capitals',
      { ...valid(), project: 'Shop' },
      'project: "Shop" is not a DNS-safe project name',
    ],
    [
      'project starting with a digit',
      { ...valid(), project: '1shop' },
      'project: "1shop" is not a DNS-safe project name',
    ],
    [
      'project with double hyphen',
      { ...valid(), project: 'my--shop' },
      'project: "my--shop" is not a DNS-safe',
    ],
    ['project ending with a hyphen', { ...valid(), project: 'shop-' }, 'project: "shop-" is not a DNS-safe'],
    [
      'project with shell injection',
      { ...valid(), project: 'shop;rm -rf /' },
      'project: "shop;rm -rf /" is not a DNS-safe',
    ],
    ['project as a number', { ...valid(), project: 42 }, 'project: expected project name as a string'],
    ['empty environment', { ...valid(), environment: '' }, 'environment: must not be empty'],
    [
      'environment with a dot',
      { ...valid(), environment: 'pr.42' },
      'environment: "pr.42" is not a DNS-safe environment name',
    ],
    [
      'environment with unicode',
      { ...valid(), environment: 'prüfung' },
      'environment: "prüfung" is not a DNS-safe',
    ],
    ['unknown mode', { ...valid(), mode: 'turbo' }, 'mode: "turbo" is not a mode'],
    ['mode as a boolean', { ...valid(), mode: true }, 'mode: expected a mode as a string'],
    [
      'deployment id with a space',
      { ...valid(), deploymentId: 'build 1' },
      'deploymentId: "build 1" is not a deployment id',
    ],
    ['deployment id too long', { ...valid(), deploymentId: 'x'.repeat(65) }, 'deploymentId:'],
    ['unknown top-level field', { ...valid(), region: 'us-east-1' }, 'region: unknown field'],
    ['services not an array', { ...valid(), services: { web: {} } }, 'services: '],
    ['service field misspelled', withService({ replica: 2 }), 'services[0].replica: unknown field'],
    [
      'service name with underscore',
      withService({ name: 'my_web' }),
      'services[0].name: "my_web" is not a DNS-safe service name',
    ],
    [
      'image and build together',
      withService({ build: { context: 's3://a-bucket/x' } }),
      'services[0].image: a service needs exactly one of image or build',
    ],
    [
      'neither image nor build',
      withService({ image: undefined }),
      'services[0].image: a service needs exactly one of image or build',
    ],
    [
      'image with spaces',
      withService({ image: 'nginx latest' }),
      'services[0].image: "nginx latest" is not an image reference',
    ],
    ['image with command substitution', withService({ image: '$(curl evil)' }), 'services[0].image:'],
    [
      'bad port protocol',
      withService({ ports: ['80/udpx'] }),
      'services[0].ports[0]: "80/udpx" is not a valid port (expected 80, 80/tcp or 80/udp)',
    ],
    ['port out of range', withService({ ports: [70000] }), 'services[0].ports[0]: 70000 is not a valid port'],
    [
      'port object with extra field',
      withService({ ports: [{ target: 80, published: 8080 }] }),
      'services[0].ports[0]: unknown field "published"',
    ],
    [
      'public service with only udp',
      withService({ ports: ['53/udp'] }),
      'services[0].public: a public service needs a tcp port',
    ],
    ['negative replicas', withService({ replicas: -1 }), 'services[0].replicas:'],
    ['huge replicas', withService({ replicas: 1_000_000 }), 'services[0].replicas:'],
    ['fractional replicas', withService({ replicas: 1.5 }), 'services[0].replicas:'],
    [
      'cpu and memory not a Fargate size',
      withService({ cpu: 256, memory: 4096 }),
      'services[0].memory: cpu 256 with memory 4096 MiB is not a Fargate size',
    ],
    [
      'cpu not a Fargate value',
      withService({ cpu: 300, memory: 512 }),
      'services[0].memory: cpu 300 with memory 512 MiB is not a Fargate size (cpu must be one of',
    ],
    [
      'environment variable name with a hyphen',
      withService({ environment: { 'MY-VAR': 'x' } }),
      'services[0].environment.MY-VAR: "MY-VAR" is not an environment variable name',
    ],
    [
      'environment value not a string',
      withService({ environment: { PORT: 80 } }),
      'services[0].environment.PORT:',
    ],
    [
      'environment value with NUL',
      withService({ environment: { A: 'x\u0000y' } }),
      'services[0].environment.A: must not contain a NUL character',
    ],
    [
      'oversized environment',
      withService({ environment: { BIG: 'x'.repeat(40_000) } }),
      'services[0].environment: 40003 bytes of environment variables exceed 32768',
    ],
    [
      'secret also plain',
      withService({ environment: { TOKEN: 'x' }, secrets: ['TOKEN'] }),
      'services[0].secrets: "TOKEN" is both a secret and a plain environment value',
    ],
    [
      'depends on an unknown service',
      withService({ dependsOn: ['cache'] }),
      'services[0].dependsOn[0]: "cache" is not a service, database or cache of this request',
    ],
    [
      'depends on itself',
      withService({ dependsOn: ['web'] }),
      'services[0].dependsOn[0]: "web" is the service itself',
    ],
    [
      'dependency cycle',
      withService({ dependsOn: ['web'] }, 1),
      'services[0].dependsOn: dependency cycle: web → api → web',
    ],
    [
      'duplicate service names',
      withService({ name: 'api' }),
      'services[1].name: "api" is already used by services[0]',
    ],
    [
      'service named like a database',
      withService({ name: 'db', dependsOn: [] }),
      'databases[0].name: "db" is already used by services[0]',
    ],
    [
      'build context not in S3',
      withService({ image: undefined, build: { context: './web' } }),
      'services[0].build.context: "./web" is not an S3 URL',
    ],
    [
      'health check without CMD',
      withService({ healthCheck: { command: ['curl', 'localhost'] } }),
      'services[0].healthCheck.command: "curl" must be "CMD" or "CMD-SHELL"',
    ],
    [
      'health check interval too short',
      withService({ healthCheck: { command: ['CMD', 'true'], intervalSeconds: 1 } }),
      'services[0].healthCheck.intervalSeconds:',
    ],
    [
      'database engine other than postgres',
      { ...valid(), databases: [{ name: 'db', engine: 'mysql' }] },
      'databases[0].engine: only "postgres" is supported',
    ],
    [
      'database version malformed',
      { ...valid(), databases: [{ name: 'db', version: 'latest' }] },
      'databases[0].version: "latest" is not a Postgres version',
    ],
    [
      'database storage too small',
      { ...valid(), databases: [{ name: 'db', storageGiB: 5 }] },
      'databases[0].storageGiB:',
    ],
    [
      'domain not a hostname',
      { ...valid(), domain: 'shop example com' },
      'domain: "shop example com" is not a domain name',
    ],
    ['ttl not a duration', { ...valid(), ttl: 'tomorrow' }, 'ttl: "tomorrow" is not a duration'],
    ['ttl too short', { ...valid(), ttl: '1m' }, 'ttl: "1m" is outside 5m to 365d'],
    [
      'override unknown',
      { ...valid(), overrides: { nat: 'none' } },
      'overrides.nat: unknown setting (known settings: buildComputeType',
    ],
    [
      'override with a bad value',
      { ...valid(), overrides: { logRetentionDays: 2 } },
      'overrides.logRetentionDays:',
    ],
    ['force not a boolean', { ...valid(), force: 'yes' }, 'force:'],
    [
      'project and environment one character too long for the target groups',
      { ...valid(), project: 'p'.repeat(12), environment: 'e'.repeat(12) },
      'environment: project "pppppppppppp" with environment "eeeeeeeeeeee" makes the target group name prefix "pppppppppppp-eeeeeeeeeeee-xxxxxxx" 33 characters long',
    ],
    [
      'project whose access-log bucket would start with the reserved xn--',
      { ...valid(), project: 'xn', environment: 'main' },
      'project: project "xn" with environment "main" makes the S3 access-log bucket name',
    ],
    [
      'project and environment too long for the load balancer',
      { ...valid(), project: 'acme-storefront', environment: 'feature-checkout-v2' },
      'environment: project "acme-storefront" with environment "feature-checkout-v2" makes the load balancer name',
    ],
    [
      'database name too long for an RDS identifier',
      {
        ...valid(),
        services: [],
        databases: [{ name: `d${'b'.repeat(47)}` }],
        project: 'p'.repeat(12),
        environment: 'e'.repeat(11),
      },
      'databases[0].name: "dbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" makes the RDS instance identifier',
    ],
  ])('%s', (_case, input, expected) => {
    const problems = problemsOf(input);

    expect(
      problems.find((problem) => problem.startsWith(expected)),
      problems.join('\n'),
    ).toBeDefined();
  });

  it('reports every problem at once, not only the first', () => {
    const problems = problemsOf({ ...valid(), project: 'Bad', mode: 'x', region: 'eu' });

    expect(problems).toHaveLength(3);
  });
});

describe('down request', () => {
  it('accepts project and environment with an optional confirmation', () => {
    expect(parseDownRequest({ project: 'shop', environment: 'main', confirm: 'main' })).toEqual({
      project: 'shop',
      environment: 'main',
      confirm: 'main',
    });
  });

  it.each<[unknown, string]>([
    [{ environment: 'main' }, 'project: is required'],
    [{ project: 'shop', environment: 'Main!' }, 'environment: "Main!" is not a DNS-safe environment name'],
    [{ project: 'shop', environment: 'main', confirm: 7 }, 'confirm:'],
    [{ project: 'shop', environment: 'main', mode: 'production' }, 'mode: unknown field'],
  ])('refuses %j naming the field', (input, expected) => {
    try {
      parseDownRequest(input);
      expect.unreachable('the down request was accepted');
    } catch (error) {
      const lines = (error as RequestValidationError).problems.map((p) => `${p.path}: ${p.message}`);
      expect(
        lines.find((line) => line.startsWith(expected)),
        lines.join('\n'),
      ).toBeDefined();
    }
  });
});

describe('deployment request — the certificate’s names', () => {
  const publicOn = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `site-${i + 1}`,
      image: 'nginx:1.27',
      ports: [80],
      public: true,
      domainname: `site-${i + 1}.example.com`,
    }));

  it('accepts five distinct public domains: ten certificate names, ACM’s default quota', () => {
    const request = parseDeployRequest({ ...valid(), services: publicOn(5), databases: [] });

    expect(request.services.map((service) => service.domainname)).toHaveLength(5);
  });

  it('takes a private VPC range of /16 to /24, and names vpcCidr for any other', () => {
    expect(parseDeployRequest({ ...valid(), vpcCidr: '10.42.0.0/16' }).vpcCidr).toBe('10.42.0.0/16');
    expect(parseDeployRequest(valid()).vpcCidr).toBeUndefined();
    expect(problemsOf({ ...valid(), vpcCidr: '10.42.1.0/16' })).toEqual([
      'vpcCidr: "10.42.1.0/16" has host bits set: the block is 10.42.0.0/16',
    ]);
    expect(problemsOf({ ...valid(), vpcCidr: '8.8.0.0/16' })).toEqual([
      'vpcCidr: "8.8.0.0/16" is not a private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) range',
    ]);
  });

  it("takes a team's own VPC with two or more subnets of each kind, and names each field that is wrong", () => {
    const vpc = {
      id: 'vpc-0abc12345',
      publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
      privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
    };
    expect(parseDeployRequest({ ...valid(), vpc }).vpc).toEqual(vpc);
    expect(
      problemsOf({
        ...valid(),
        vpcCidr: '10.1.0.0/16',
        vpc: {
          id: 'vpc-1',
          publicSubnets: ['subnet-0a0000001'],
          privateSubnets: ['subnet-0a0000001', 'sub-2'],
        },
      }),
    ).toEqual([
      'vpc.id: "vpc-1" is not a VPC id (vpc-0123abcd…)',
      'vpc.publicSubnets: needs at least two subnets, in two availability zones',
      'vpc.privateSubnets[1]: "sub-2" is not a subnet id (subnet-0123abcd…)',
      'vpcCidr: the environment runs in vpc-1, whose ranges are its own: name vpc or vpcCidr, not both',
      'vpc.privateSubnets[0]: subnet-0a0000001 is listed as public too',
    ]);
    expect(problemsOf({ ...valid(), vpcCidr: '10.1.0.0/16', vpc })).toEqual([
      'vpcCidr: the environment runs in vpc-0abc12345, whose ranges are its own: name vpc or vpcCidr, not both',
    ]);
    expect(
      problemsOf({ ...valid(), vpc: { ...vpc, privateSubnets: ['subnet-0a0000001', 'subnet-0b0000002'] } }),
    ).toEqual(['vpc.privateSubnets[0]: subnet-0a0000001 is listed as public too']);
  });

  it('refuses a sixth distinct public domain, naming its field', () => {
    expect(problemsOf({ ...valid(), services: publicOn(6), databases: [] })).toEqual([
      expect.stringMatching(
        /^services\[5\]\.domainname: "site-6\.example\.com" would be the environment's public domain number 6; .*ACM allows 10 names per certificate/,
      ),
    ]);
  });

  it('counts a domain shared by several services, and the request’s own domain, once', () => {
    const services = [
      ...publicOn(5),
      { name: 'shared-a', image: 'nginx:1.27', ports: [80], public: true, domainname: 'site-1.example.com' },
      { name: 'on-request-domain', image: 'nginx:1.27', ports: [80], public: true },
    ];

    expect(problemsOf({ ...valid(), domain: 'other.example.com', services, databases: [] })).toEqual([
      expect.stringMatching(
        /^domain: "other\.example\.com" would be the environment's public domain number 6/,
      ),
    ]);
    expect(() =>
      parseDeployRequest({ ...valid(), domain: 'site-2.example.com', services, databases: [] }),
    ).not.toThrow();
  });
});

describe('deployment request — public services the load balancer can reach', () => {
  const service = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    image: 'nginx:1.27',
    ports: [80],
    public: true,
    ...extra,
  });
  const withoutDomain = (services: unknown[]) => {
    const { domain: _domain, ...request } = valid();
    return { ...request, services, databases: [] };
  };

  it('lets a lone public service answer on the load balancer’s own name', () => {
    expect(() => parseDeployRequest(withoutDomain([service('web')]))).not.toThrow();
  });

  it('refuses a second public service with no host name to route by, naming each one without', () => {
    expect(
      problemsOf(
        withoutDomain([
          service('web'),
          service('admin', { domainname: 'admin.example.com' }),
          service('api'),
        ]),
      ),
    ).toEqual([
      expect.stringMatching(/^services\[0\]\.domainname: is missing: "web" is one of 3 public services/),
      expect.stringMatching(/^services\[2\]\.domainname: is missing: "api" is one of 3 public services/),
    ]);
  });

  it('accepts several public services once each has a host name, from its own domainname or the request’s domain', () => {
    expect(() =>
      parseDeployRequest(
        withoutDomain([
          service('web', { domainname: 'shop.example.com' }),
          service('admin', { domainname: 'admin.example.com' }),
        ]),
      ),
    ).not.toThrow();
    expect(() =>
      parseDeployRequest({ ...valid(), services: [service('web'), service('api')], databases: [] }),
    ).not.toThrow();
  });
});

describe('deployment request — services and databases together', () => {
  it('refuses more than 1000 services, databases and caches in one environment, naming services', () => {
    const services = Array.from({ length: 1000 }, (_, i) => ({ name: `s${i}`, image: 'nginx' }));

    expect(problemsOf({ ...valid(), services, databases: [{ name: 'db' }] })).toContainEqual(
      'services: 1000 services and 1 databases and caches make more than 1000 in one environment',
    );
  });
});

describe('DeployRequestSchema — production data protection', () => {
  const problemsOf = (extra: Partial<DeployRequestInput>) => {
    const parsed = DeployRequestSchema.safeParse({ ...valid(), ...extra });
    return parsed.success ? [] : problemsFromZod(parsed.error);
  };

  it('never lets encryption at rest be turned off, in any mode, confirmed or not', () => {
    for (const mode of ['development', 'staging', 'production']) {
      expect(problemsOf({ mode, overrides: { storageEncrypted: false }, confirm: 'pr-42' })).toEqual([
        {
          path: 'overrides.storageEncrypted',
          message: expect.stringMatching(/^cannot be turned off: databases are always encrypted at rest/),
        },
      ]);
    }
  });

  it.each(['finalSnapshotOnDown', 'dbDeletionProtection', 'lbDeletionProtection', 'retainAccessLogsOnDown'])(
    'refuses %s=false in production unless confirm names the environment',
    (setting) => {
      const { environment } = valid();
      expect(problemsOf({ mode: 'production', overrides: { [setting]: false } })).toEqual([
        {
          path: `overrides.${setting}`,
          message: `false weakens the protection of production data; to do it on purpose, confirm with the environment's name (confirm: "${environment}", --confirm ${environment})`,
        },
      ]);
      expect(
        problemsOf({ mode: 'production', overrides: { [setting]: false }, confirm: 'another' }),
      ).toHaveLength(1);
      expect(
        problemsOf({ mode: 'production', overrides: { [setting]: false }, confirm: environment }),
      ).toEqual([]);
      expect(problemsOf({ mode: 'staging', overrides: { [setting]: false } })).toEqual([]);
    },
  );

  it("refuses turning production's automated backups off unless confirm names the environment, and allows fewer days", () => {
    const { environment } = valid();
    expect(problemsOf({ mode: 'production', overrides: { dbBackupRetentionDays: 0 } })).toEqual([
      {
        path: 'overrides.dbBackupRetentionDays',
        message: `0 weakens the protection of production data; to do it on purpose, confirm with the environment's name (confirm: "${environment}", --confirm ${environment})`,
      },
    ]);
    expect(
      problemsOf({ mode: 'production', overrides: { dbBackupRetentionDays: 0 }, confirm: environment }),
    ).toEqual([]);
    expect(problemsOf({ mode: 'production', overrides: { dbBackupRetentionDays: 7 } })).toEqual([]);
    expect(problemsOf({ mode: 'development', overrides: { dbBackupRetentionDays: 0 } })).toEqual([]);
  });

  it('needs no confirm to keep or strengthen a protection', () => {
    expect(
      problemsOf({
        mode: 'production',
        overrides: { finalSnapshotOnDown: true, dbDeletionProtection: true },
      }),
    ).toEqual([]);
  });
});

describe('DeployRequestSchema — adopting zones modeshift did not create', () => {
  const problemsOf = (extra: Partial<DeployRequestInput>) => {
    const parsed = DeployRequestSchema.safeParse({ ...valid(), ...extra });
    return parsed.success ? [] : problemsFromZod(parsed.error);
  };

  it('adopts nothing unless asked', () => {
    expect(parseDeployRequest(valid())).toMatchObject({ adoptZones: [], adoptApex: false });
  });

  it('accepts the environment’s zone, and outside production the domain its delegation goes into', () => {
    expect(problemsOf({ adoptZones: ['pr-42.shop.example.com', 'shop.example.com'] })).toEqual([]);
    expect(problemsOf({ mode: 'production', adoptZones: ['Shop.Example.com.'], adoptApex: true })).toEqual(
      [],
    );
  });

  it('refuses a zone the deploy does not write into, naming the ones it does', () => {
    expect(problemsOf({ mode: 'production', adoptZones: ['corp.test'] })).toEqual([
      {
        path: 'adoptZones[0]',
        message:
          '"corp.test" is not a zone this deploy writes into ("shop.example.com"); adopt only the environment\'s zone',
      },
    ]);
  });

  it('refuses adoptApex without a zone to adopt', () => {
    expect(problemsOf({ adoptApex: true })).toEqual([
      {
        path: 'adoptApex',
        message: 'applies to an adopted zone: name the zone in adoptZones (--adopt-zone ZONE)',
      },
    ]);
  });
});
