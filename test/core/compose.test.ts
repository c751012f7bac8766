// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` interpolation is what these tests feed in
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildDigest } from '../../core/build-digest.ts';
import { ComposeError, type ComposeOptions, composeToRequest, loadComposeFile } from '../../core/compose.ts';
import { composeRejection } from '../support/compose.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/compose/', import.meta.url));

/** Options for compose text given inline: no shell variables, files resolve against the fixtures. */
const INLINE: ComposeOptions = {
  environment: 'pr-42',
  mode: 'development',
  deploymentId: 'deploy-0001',
  variables: {},
  baseDir: FIXTURES,
};

/** The ComposeError that `composeToRequest` throws for `text`; fails the test if it accepts the text. */
const rejectionOf = (text: string, options: ComposeOptions = INLINE) => composeRejection(text, options);

/** A compose file named `shop` with one service `name` whose body is `lines` (indented for you). */
function oneService(lines: string, name = 'web'): string {
  const body = lines
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `name: shop\nservices:\n  ${name}:\n${body}\n`;
}

/**
 * How these tests deploy each realistic fixture under test/fixtures/compose: saas as pr-42 in
 * staging, monitoring as ops in development with GRAFANA_VERSION set, payments as live in production.
 */
const DEPLOYMENTS: Record<'saas' | 'monitoring' | 'payments', ComposeOptions> = {
  saas: { environment: 'pr-42', mode: 'staging', deploymentId: 'deploy-0001', variables: {} },
  monitoring: {
    environment: 'ops',
    mode: 'development',
    deploymentId: 'deploy-0042',
    variables: { GRAFANA_VERSION: '11.3.0' },
  },
  payments: { environment: 'live', mode: 'production', deploymentId: 'release-2.3.1', variables: {} },
};

/** Loads the fixture `<name>/compose.yaml` with its options from DEPLOYMENTS, and `extra` on top of them. */
function loadFixture(name: keyof typeof DEPLOYMENTS, extra: Partial<ComposeOptions> = {}) {
  return loadComposeFile(`${FIXTURES}${name}/compose.yaml`, { ...DEPLOYMENTS[name], ...extra });
}

/** The SaaS fixture's builds, by the digest of what decides each image (core/build-digest.ts). */
const SAAS_BUILDS = {
  web: buildDigest({
    context: `${FIXTURES}saas/web`,
    dockerfile: 'Dockerfile.prod',
    target: 'runtime',
    args: { NODE_VERSION: '22' },
  }),
  api: buildDigest({ context: `${FIXTURES}saas/api` }),
  worker: buildDigest({ context: `${FIXTURES}saas/api` }),
};
const saasContext = (service: keyof typeof SAAS_BUILDS, bucket = 'modeshift-artifacts') =>
  `s3://${bucket}/saas/pr-42/${service}/${SAAS_BUILDS[service].digest}.tar.gz`;

describe('compose input — realistic files', () => {
  it('translates a SaaS app with builds, a domain and a managed Postgres into the exact request', () => {
    // Act
    const result = loadFixture('saas', { ttl: '72h' });

    // Assert
    expect(result.request).toEqual({
      project: 'saas',
      environment: 'pr-42',
      mode: 'staging',
      deploymentId: 'deploy-0001',
      services: [
        {
          name: 'web',
          build: {
            context: saasContext('web'),
            imageTag: SAAS_BUILDS.web.imageTag,
            dockerfile: 'Dockerfile.prod',
            target: 'runtime',
            args: { NODE_VERSION: '22' },
          },
          cpu: 512,
          memory: 1024,
          replicas: 2,
          ports: [{ target: 3000, protocol: 'tcp' }],
          public: true,
          healthCheck: {
            command: ['CMD', 'wget', '-qO-', 'http://localhost:3000/healthz'],
            intervalSeconds: 15,
            timeoutSeconds: 3,
            retries: 3,
            startPeriodSeconds: 20,
          },
          loadBalancerCheck: { path: '/healthz' },
          environment: { API_URL: 'http://api:8080', NODE_ENV: 'production' },
          secrets: [],
          dependsOn: ['api'],
          domainname: 'app.saas.example.com',
        },
        {
          name: 'api',
          build: {
            context: saasContext('api'),
            imageTag: SAAS_BUILDS.api.imageTag,
            dockerfile: 'Dockerfile',
          },
          cpu: 1024,
          memory: 2048,
          replicas: 2,
          ports: [{ target: 8080, protocol: 'tcp' }],
          public: false,
          environment: {
            DATABASE_HOST: 'db',
            DATABASE_NAME: 'saas',
            DATABASE_USER: 'saas',
            LOG_LEVEL: 'info',
          },
          secrets: ['DATABASE_PASSWORD', 'STRIPE_SECRET_KEY'],
          dependsOn: ['db'],
          command: ['node', 'server.js'],
        },
        {
          name: 'worker',
          build: {
            context: saasContext('worker'),
            imageTag: SAAS_BUILDS.worker.imageTag,
            dockerfile: 'Dockerfile',
          },
          cpu: 256,
          memory: 512,
          replicas: 1,
          ports: [],
          public: false,
          environment: { DATABASE_HOST: 'db', QUEUE_CONCURRENCY: '4' },
          secrets: ['DATABASE_PASSWORD'],
          dependsOn: ['db', 'api'],
          command: ['node', 'worker.js'],
        },
      ],
      databases: [
        {
          name: 'db',
          engine: 'postgres',
          version: '16.4',
          storageGiB: 20,
          databaseName: 'saas',
          username: 'saas',
        },
      ],
      caches: [],
      domain: 'app.saas.example.com',
      ttl: '72h',
      force: false,
      adoptZones: [],
      adoptApex: false,
    });
  });

  it('lists one upload per local build context of the SaaS app, and no warnings', () => {
    // Act
    const result = loadFixture('saas');

    // Assert
    expect(result.uploads).toEqual([
      {
        service: 'web',
        localPath: `${FIXTURES}saas/web`,
        s3Url: saasContext('web'),
        entries: SAAS_BUILDS.web.entries,
      },
      {
        service: 'api',
        localPath: `${FIXTURES}saas/api`,
        s3Url: saasContext('api'),
        entries: SAAS_BUILDS.api.entries,
      },
      {
        service: 'worker',
        localPath: `${FIXTURES}saas/api`,
        s3Url: saasContext('worker'),
        entries: SAAS_BUILDS.worker.entries,
      },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('uploads build contexts to the artifact bucket it is given', () => {
    // Act
    const result = loadFixture('saas', { artifactBucket: 'acme-builds' });

    // Assert
    expect(result.uploads.map((upload) => upload.s3Url)).toEqual([
      saasContext('web', 'acme-builds'),
      saasContext('api', 'acme-builds'),
      saasContext('worker', 'acme-builds'),
    ]);
  });

  it('translates image-only monitoring with expose, env_file, list environment and interpolation into the exact request', () => {
    // Act
    const result = loadFixture('monitoring');

    // Assert
    expect(result.request).toEqual({
      project: 'monitoring',
      environment: 'ops',
      mode: 'development',
      deploymentId: 'deploy-0042',
      services: [
        {
          name: 'grafana',
          image: 'grafana/grafana-oss:11.3.0',
          cpu: 256,
          memory: 512,
          replicas: 1,
          ports: [{ target: 3000, protocol: 'tcp' }],
          public: true,
          healthCheck: {
            command: [
              'CMD-SHELL',
              'curl -fsS http://localhost:${GF_SERVER_HTTP_PORT:-3000}/api/health || exit 1',
            ],
            intervalSeconds: 30,
            timeoutSeconds: 5,
            retries: 5,
            startPeriodSeconds: 30,
          },
          environment: {
            GF_USERS_ALLOW_SIGN_UP: 'false',
            GF_LOG_LEVEL: 'warn',
            GF_SERVER_ROOT_URL: 'https://grafana.example.com',
            GF_REMOTE_CACHE_TYPE: 'redis',
            GF_REMOTE_CACHE_CONNSTR: 'addr=redis:6379',
          },
          secrets: ['GF_SECURITY_ADMIN_PASSWORD'],
          dependsOn: ['prometheus', 'redis'],
        },
        {
          name: 'prometheus',
          image: 'prom/prometheus:v2.54.1',
          cpu: 256,
          memory: 512,
          replicas: 1,
          ports: [{ target: 9090, protocol: 'tcp' }],
          public: false,
          healthCheck: {
            command: ['CMD', 'wget', '-q', '--spider', 'http://localhost:9090/-/healthy'],
            intervalSeconds: 60,
            timeoutSeconds: 3,
            retries: 5,
            startPeriodSeconds: 0,
          },
          loadBalancerCheck: { path: '/-/healthy' },
          environment: {},
          secrets: [],
          dependsOn: [],
          command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.retention.time=15d'],
        },
        {
          name: 'redis',
          image: 'redis:7.4-alpine',
          cpu: 256,
          memory: 512,
          replicas: 1,
          ports: [{ target: 6379, protocol: 'tcp' }],
          public: false,
          healthCheck: {
            command: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'],
            intervalSeconds: 10,
            timeoutSeconds: 3,
            retries: 5,
            startPeriodSeconds: 0,
          },
          environment: {},
          secrets: [],
          dependsOn: [],
        },
      ],
      databases: [],
      caches: [],
      force: false,
      adoptZones: [],
      adoptApex: false,
    });
  });

  it('warns about the monitoring file’s extension field and the values its env_file sets, and uploads nothing', () => {
    // Act
    const result = loadFixture('monitoring');

    // Assert
    expect(result.warnings).toEqual([
      { path: 'x-probe', message: 'extension ignored' },
      {
        path: 'services.grafana.env_file',
        message:
          'GF_USERS_ALLOW_SIGN_UP, GF_LOG_LEVEL from "./grafana.env" go into the task definition in plain text. If one is a secret, store it as a config value (modeshift config set NAME --env ops) and write NAME: under environment with no value',
      },
    ]);
    expect(result.uploads).toEqual([]);
  });

  it('translates a public API, a private gRPC service and a 100 GiB Postgres into the exact request', () => {
    // Act
    const result = loadFixture('payments');

    // Assert
    expect(result.request).toEqual({
      project: 'payments',
      environment: 'live',
      mode: 'production',
      deploymentId: 'release-2.3.1',
      services: [
        {
          name: 'gateway',
          image: 'ghcr.io/acme/payments-gateway:2.3.1',
          cpu: 1024,
          memory: 2048,
          replicas: 3,
          ports: [{ target: 8080, protocol: 'tcp' }],
          public: true,
          healthCheck: {
            command: ['CMD', '/bin/healthcheck', '--url', 'http://localhost:8080/ready'],
            intervalSeconds: 20,
            timeoutSeconds: 2,
            retries: 2,
            startPeriodSeconds: 0,
          },
          environment: { LEDGER_ADDR: 'ledger:50051' },
          secrets: ['SIGNING_KEY'],
          dependsOn: ['ledger'],
          domainname: 'pay.acme.dev',
        },
        {
          name: 'ledger',
          image: 'ghcr.io/acme/ledger:2.3.1',
          cpu: 2048,
          memory: 4096,
          replicas: 2,
          ports: [
            { target: 50051, protocol: 'tcp' },
            { target: 9464, protocol: 'tcp' },
            { target: 8125, protocol: 'udp' },
          ],
          public: false,
          healthCheck: {
            command: ['CMD', '/bin/grpc_health_probe', '-addr=:50051'],
            intervalSeconds: 10,
            timeoutSeconds: 5,
            retries: 3,
            startPeriodSeconds: 15,
          },
          environment: { DATABASE_HOST: 'ledger-db', DATABASE_NAME: 'ledger', DATABASE_USER: 'ledger' },
          secrets: ['DATABASE_PASSWORD'],
          dependsOn: ['ledger-db'],
        },
      ],
      databases: [
        {
          name: 'ledger-db',
          engine: 'postgres',
          version: '15',
          storageGiB: 100,
          databaseName: 'ledger',
          username: 'ledger',
        },
      ],
      caches: [],
      domain: 'pay.acme.dev',
      force: false,
      adoptZones: [],
      adoptApex: false,
    });
  });

  it('warns about the payments file’s rounded-up sizes, the Postgres password and the keys RDS ignores', () => {
    // Act
    const result = loadFixture('payments');

    // Assert
    expect(result.warnings).toEqual([
      { path: 'volumes', message: 'ignored: modeshift runs services without persistent volumes' },
      { path: 'services.gateway.restart', message: 'ignored: ECS restarts stopped tasks' },
      {
        path: 'services.gateway.deploy.resources.limits',
        message: 'rounded up to the Fargate size 1 vCPU / 2048 MiB (asked for 0.75 CPUs and 1536M memory)',
      },
      {
        path: 'services.ledger.deploy.resources.limits',
        message: 'rounded up to the Fargate size 2 vCPU / 4096 MiB (asked for 2 CPUs and 3G memory)',
      },
      {
        path: 'services.ledger-db.healthcheck',
        message: 'ignored for a managed Postgres database (RDS runs it)',
      },
      {
        path: 'services.ledger-db.volumes',
        message: 'ignored for a managed Postgres database (RDS runs it)',
      },
      {
        path: 'services.ledger-db.environment.POSTGRES_PASSWORD',
        message:
          'ignored: RDS manages the master password (ManageMasterUserPassword); the services that depend on ledger-db (and on no other managed database) receive it as PGPASSWORD, and as their own DATABASE_PASSWORD, POSTGRES_PASSWORD or PGPASSWORD written with no value',
      },
    ]);
    expect(result.uploads).toEqual([]);
  });
});

describe('compose input — loading from disk', () => {
  it('takes the project from the project option over the file’s name', () => {
    // Act
    const result = loadFixture('payments', { project: 'billing' });

    // Assert
    expect(result.request.project).toBe('billing');
  });

  it('refuses a compose file path that does not exist, naming the path', () => {
    // Prepare
    const file = `${FIXTURES}nowhere/compose.yaml`;

    // Act
    const error = (() => {
      try {
        loadComposeFile(file, { environment: 'pr-42', mode: 'development', deploymentId: 'deploy-0001' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    // Assert
    expect(error).toBeInstanceOf(ComposeError);
    expect((error as ComposeError).problems).toEqual([{ path: file, message: 'no such file' }]);
  });
});

describe('compose input — malformed files are refused with the offending key', () => {
  const cases: Array<{
    what: string;
    text: string;
    path: string;
    message: string;
    options?: ComposeOptions;
  }> = [
    {
      what: 'a YAML syntax error',
      text: 'name: shop\nservices:\n  web:\n    image: nginx: latest\n',
      path: 'line 4, column 12',
      message: 'Nested mappings are not allowed in compact mappings',
    },
    {
      what: 'tabs used as indentation',
      text: 'name: shop\nservices:\n\tweb:\n',
      path: 'line 3, column 1',
      message: 'Tabs are not allowed as indentation',
    },
    {
      what: 'a duplicate key',
      text: 'name: shop\nservices:\n  web:\n    image: nginx\n    image: httpd\n',
      path: 'line 5, column 5',
      message: 'Map keys must be unique',
    },
    {
      what: 'a document that is a list, not a mapping',
      text: '- web\n- api\n',
      path: '',
      message: 'a compose file must be a YAML mapping with a services key',
    },
    {
      what: 'an empty document',
      text: '',
      path: '',
      message: 'a compose file must be a YAML mapping with a services key',
    },
    {
      what: 'an empty services mapping',
      text: 'name: shop\nservices: {}\n',
      path: 'services',
      message: 'the compose file defines no services',
    },
    {
      what: 'no services key at all',
      text: 'name: shop\n',
      path: 'services',
      message: 'the compose file defines no services',
    },
    {
      what: 'a top-level secrets key',
      text: 'name: shop\nservices:\n  web:\n    image: nginx\nsecrets:\n  stripe:\n    file: ./stripe.txt\n',
      path: 'secrets',
      message: 'is not supported by modeshift',
    },
    {
      what: 'a top-level key compose does not define',
      text: 'name: shop\nservices:\n  web:\n    image: nginx\nservers: []\n',
      path: 'servers',
      message: 'is not a compose key',
    },
    {
      what: 'a service that is empty',
      text: 'name: shop\nservices:\n  web:\n',
      path: 'services.web',
      message: 'must be object',
    },
    {
      what: 'service volumes',
      text: oneService('image: nginx\nvolumes:\n  - ./data:/data'),
      path: 'services.web.volumes',
      message: 'is not supported by modeshift',
    },
    {
      what: 'privileged',
      text: oneService('image: nginx\nprivileged: true'),
      path: 'services.web.privileged',
      message: 'is not supported by modeshift',
    },
    {
      what: 'network_mode',
      text: oneService('image: nginx\nnetwork_mode: host'),
      path: 'services.web.network_mode',
      message: 'is not supported by modeshift',
    },
    {
      what: 'cap_add',
      text: oneService('image: nginx\ncap_add: [NET_ADMIN]'),
      path: 'services.web.cap_add',
      message: 'is not supported by modeshift',
    },
    {
      what: 'extends',
      text: oneService('image: nginx\nextends:\n  service: base'),
      path: 'services.web.extends',
      message: 'is not supported by modeshift',
    },
    {
      what: 'service secrets',
      text: oneService('image: nginx\nsecrets: [stripe]'),
      path: 'services.web.secrets',
      message: 'is not supported by modeshift',
    },
    {
      what: 'service configs',
      text: oneService('image: nginx\nconfigs: [nginx_conf]'),
      path: 'services.web.configs',
      message: 'is not supported by modeshift',
    },
    {
      what: 'service-level cpus (instead of deploy.resources.limits)',
      text: oneService('image: nginx\ncpus: 0.5'),
      path: 'services.web.cpus',
      message: 'is not supported by modeshift',
    },
    {
      what: 'a port with an unknown protocol',
      text: oneService('image: nginx\nports: ["80/udpx"]'),
      path: 'services.web.ports[0]',
      message: '"80/udpx" is not a valid port',
    },
    {
      what: 'a port range',
      text: oneService('image: nginx\nports: ["3000-3005"]'),
      path: 'services.web.ports[0]',
      message: '"3000-3005": port ranges are not supported by modeshift',
    },
    {
      what: 'a public UDP port',
      text: oneService('image: coredns/coredns:1.11.3\nports: ["53:53/udp"]', 'dns'),
      path: 'services.dns.ports[0]',
      message: '53/udp cannot be public',
    },
    {
      what: 'a port above 65535',
      text: oneService('image: nginx\nports: ["8080", "70000"]'),
      path: 'services.web.ports[1]',
      message: 'is not a valid port (expected 80, 80/tcp or 80/udp)',
    },
    {
      what: 'an exposed port above 65535',
      text: oneService('image: nginx\nports: ["80"]\nexpose: ["70000"]'),
      path: 'services.web.expose[0]',
      message: '"70000" is not a valid port',
    },
    {
      what: 'replicas that are not a number',
      text: oneService('image: nginx\ndeploy:\n  replicas: two'),
      path: 'services.web.deploy.replicas',
      message: 'must be integer',
    },
    {
      what: 'negative replicas',
      text: oneService('image: nginx\ndeploy:\n  replicas: -1'),
      path: 'services.web.deploy.replicas',
      message: '-1 is below 0',
    },
    {
      what: 'more replicas than ECS runs',
      text: oneService('image: nginx\ndeploy:\n  replicas: 100000'),
      path: 'services.web.deploy.replicas',
      message: "100000 is above 5000, ECS's limit of tasks per service",
    },
    {
      what: 'cpus that are not a number',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      cpus: lots'),
      path: 'services.web.deploy.resources.limits.cpus',
      message: '"lots" is not a positive number of CPUs',
    },
    {
      what: 'zero cpus',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      cpus: 0'),
      path: 'services.web.deploy.resources.limits.cpus',
      message: '0 is not a positive number of CPUs',
    },
    {
      what: 'memory that is not a size',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      memory: plenty'),
      path: 'services.web.deploy.resources.limits.memory',
      message: '"plenty" is not a memory size',
    },
    {
      what: 'more memory than any Fargate task has',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      memory: 200G'),
      path: 'services.web.deploy.resources.limits',
      message: '256 CPU units with 204800 MiB exceeds the largest Fargate task',
    },
    {
      what: 'more CPUs than any Fargate task has',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      cpus: "32"'),
      path: 'services.web.deploy.resources.limits',
      message: '32768 CPU units with 512 MiB exceeds the largest Fargate task',
    },
    {
      what: 'deploy.mode global',
      text: oneService('image: nginx\ndeploy:\n  mode: global'),
      path: 'services.web.deploy.mode',
      message: '"global" is not supported by modeshift (only replicated)',
    },
    {
      what: 'depends_on an unknown service',
      text: oneService('image: nginx\ndepends_on: [cache]'),
      path: 'services.web.depends_on[0]',
      message: '"cache" is not a service, database or cache of this request',
    },
    {
      what: 'depends_on an unknown service in the long form',
      text: oneService('image: nginx\ndepends_on:\n  cache:\n    condition: service_started'),
      path: 'services.web.depends_on[0]',
      message: '"cache" is not a service, database or cache of this request',
    },
    {
      what: 'a depends_on cycle',
      text: [
        'name: shop',
        'services:',
        '  web:',
        '    image: nginx',
        '  api:',
        '    image: nginx',
        '    depends_on: [worker]',
        '  worker:',
        '    image: nginx',
        '    depends_on: [api]',
        '',
      ].join('\n'),
      path: 'services.api.depends_on',
      message: 'dependency cycle: api → worker → api',
    },
    {
      what: 'a service that depends on itself',
      text: oneService('image: nginx\ndepends_on: [web]'),
      path: 'services.web.depends_on[0]',
      message: '"web" is the service itself',
    },
    {
      what: 'a service name that is not DNS-safe',
      text: oneService('image: nginx', 'my_service'),
      path: 'services.my_service',
      message: '"my_service" is not a DNS-safe service name',
    },
    {
      what: 'an image reference with a space',
      text: oneService('image: nginx latest'),
      path: 'services.web.image',
      message: '"nginx latest" is not an image reference',
    },
    {
      what: 'neither image nor build',
      text: oneService('ports: ["80"]'),
      path: 'services.web.image',
      message: 'a service needs exactly one of image or build',
    },
    {
      what: 'a build context folder that does not exist',
      text: oneService('build: ./mobile'),
      path: 'services.web.build.context',
      message: '"./mobile" is not a folder',
    },
    {
      what: 'a git URL as build context',
      text: oneService('build: https://github.com/acme/web.git#main'),
      path: 'services.web.build.context',
      message: 'only local folders and s3:// URLs are supported as build contexts',
    },
    {
      what: 'an env_file that does not exist',
      text: oneService('image: nginx\nenv_file: ./production.env'),
      path: 'services.web.env_file',
      message: '"./production.env" does not exist',
    },
    {
      what: 'a required variable that is not set',
      text: oneService('image: nginx:${TAG:?must be set}'),
      path: 'services.web.image',
      message: 'TAG: must be set',
    },
    {
      what: 'an unterminated ${ in a value',
      text: oneService('image: nginx\nenvironment:\n  GREETING: ${NAME'),
      path: 'services.web.environment.GREETING',
      message: 'invalid interpolation "${NAME"',
    },
    {
      what: 'an environment variable name with a hyphen',
      text: oneService('image: nginx\nenvironment:\n  MY-VAR: x'),
      path: 'services.web.environment.MY-VAR',
      message: '"MY-VAR" is not an environment variable name',
    },
    {
      what: 'a health check without a test',
      text: oneService('image: nginx\nhealthcheck:\n  interval: 10s'),
      path: 'services.web.healthcheck.test',
      message: 'is required for a health check',
    },
    {
      what: 'a health check interval that is not a duration',
      text: oneService('image: nginx\nhealthcheck:\n  test: ["CMD", "true"]\n  interval: often'),
      path: 'services.web.healthcheck.interval',
      message: '"often" is not a duration',
    },
    {
      what: 'x-defang-postgres on an image that is not postgres',
      text: oneService('image: mysql:8.4\nx-defang-postgres: true', 'db'),
      path: 'services.db.image',
      message: '"mysql:8.4" is not a postgres image',
    },
    {
      what: 'x-defang-postgres that is neither true nor a mapping',
      text: oneService('image: postgres:16\nx-defang-postgres: "yes"', 'db'),
      path: 'services.db.x-defang-postgres',
      message: '"yes" must be true or a mapping',
    },
    {
      what: 'no project name anywhere',
      text: 'services:\n  web:\n    image: nginx\n',
      path: 'name',
      message: 'is missing: set the top-level name or pass --project',
    },
    {
      what: 'a project name that is not DNS-safe',
      text: 'name: My_Shop\nservices:\n  web:\n    image: nginx\n',
      path: 'name',
      message: '"My_Shop" is not a DNS-safe project name',
    },
    {
      what: 'a project name over 40 characters',
      text: `name: ${'a'.repeat(41)}\nservices:\n  web:\n    image: nginx\n`,
      path: 'name',
      message: 'is longer than 40 characters',
    },
    {
      what: 'a project name that makes the load balancer name too long',
      text: 'name: acme-payments-reconciliation\nservices:\n  web:\n    image: nginx\n',
      path: 'environment',
      message:
        'makes the load balancer name "acme-payments-reconciliation--pr-42" 35 characters long (AWS allows 32)',
    },
    {
      what: 'a domainname that is not a domain',
      text: oneService('image: nginx\ndomainname: shop'),
      path: 'services.web.domainname',
      message: '"shop" is not a domain name',
    },
    {
      what: 'a domainname with a label starting with a hyphen',
      text: oneService('image: nginx\ndomainname: -shop-.example.com'),
      path: 'services.web.domainname',
      message: '"-shop-.example.com" is not a domain name',
    },
  ];

  it.each(cases)('refuses $what at "$path"', ({ text, path, message, options }) => {
    // Act
    const error = rejectionOf(text, options);

    // Assert
    expect(error.problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('reports every problem of a file at once, not only the first', () => {
    // Prepare
    const text = oneService('image: nginx\nprivileged: true\nports: ["80/udpx"]\ndeploy:\n  mode: global');

    // Act
    const error = rejectionOf(text);

    // Assert
    expect(error.problems.map((problem) => problem.path)).toEqual([
      'services.web.privileged',
      'services.web.deploy.mode',
      'services.web.ports[0]',
    ]);
  });
});

describe('compose input — keys modeshift ignores are warnings', () => {
  const cases: Array<{ key: string; text: string; warning: { path: string; message: string } }> = [
    {
      key: 'container_name',
      text: oneService('image: nginx\ncontainer_name: shop-web'),
      warning: { path: 'services.web.container_name', message: 'ignored: ECS names the containers' },
    },
    {
      key: 'restart',
      text: oneService('image: nginx\nrestart: always'),
      warning: { path: 'services.web.restart', message: 'ignored: ECS restarts stopped tasks' },
    },
    {
      key: 'labels',
      text: oneService('image: nginx\nlabels:\n  com.example.team: storefront'),
      warning: { path: 'services.web.labels', message: 'ignored: labels are not carried to ECS' },
    },
    {
      key: 'service networks',
      text: oneService('image: nginx\nnetworks: [frontend]'),
      warning: {
        path: 'services.web.networks',
        message: 'ignored: all services share the environment’s VPC',
      },
    },
    {
      key: 'top-level networks',
      text: 'name: shop\nservices:\n  web:\n    image: nginx\nnetworks:\n  frontend: {}\n',
      warning: { path: 'networks', message: 'ignored: all services share the environment’s VPC' },
    },
    {
      key: 'version',
      text: 'version: "3.9"\nname: shop\nservices:\n  web:\n    image: nginx\n',
      warning: { path: 'version', message: 'is obsolete in the compose specification and ignored' },
    },
    {
      key: 'a top-level x- extension',
      text: 'name: shop\nx-foo:\n  owner: storefront\nservices:\n  web:\n    image: nginx\n',
      warning: { path: 'x-foo', message: 'extension ignored' },
    },
    {
      key: 'a service x- extension',
      text: oneService('image: nginx\nx-foo: bar'),
      warning: { path: 'services.web.x-foo', message: 'extension ignored' },
    },
    {
      key: 'another managed service (x-defang-mongodb)',
      text: oneService('image: mongo:7\nx-defang-mongodb: true'),
      warning: {
        path: 'services.web.x-defang-mongodb',
        message: expect.stringMatching(
          /^modeshift does not provision this managed service: the service runs as an ordinary container/,
        ),
      },
    },
    {
      key: 'a managed LLM given as a mapping (x-defang-llm)',
      text: oneService('image: ollama/ollama\nx-defang-llm:\n  model: llama3'),
      warning: {
        path: 'services.web.x-defang-llm',
        message: expect.stringMatching(/^modeshift does not provision this managed service/),
      },
    },
    {
      key: 'a managed-service extension turned off',
      text: oneService('image: mongo:7\nx-defang-mongodb: false'),
      warning: { path: 'services.web.x-defang-mongodb', message: 'extension ignored' },
    },
    {
      key: 'a Defang setting that is not a managed service (x-defang-dns-role)',
      text: oneService('image: nginx\nx-defang-dns-role: arn:aws:iam::123456789012:role/dns'),
      warning: { path: 'services.web.x-defang-dns-role', message: 'extension ignored' },
    },
    {
      key: 'logging',
      text: oneService('image: nginx\nlogging:\n  driver: json-file'),
      warning: {
        path: 'services.web.logging',
        message: 'ignored: logs go to the environment’s CloudWatch log group',
      },
    },
    {
      key: 'deploy.resources.limits.pids',
      text: oneService('image: nginx\ndeploy:\n  resources:\n    limits:\n      pids: 100'),
      warning: {
        path: 'services.web.deploy.resources.limits.pids',
        message: 'ignored: Fargate sizes tasks by cpus and memory',
      },
    },
    {
      key: 'a device reservation that is not a GPU',
      text: oneService(
        'image: nginx\ndeploy:\n  resources:\n    reservations:\n      devices:\n        - capabilities: [tpu]\n          driver: acme',
      ),
      warning: {
        path: 'services.web.deploy.resources.reservations.devices[0]',
        message: 'ignored: Fargate tasks have no host devices',
      },
    },
  ];

  it.each(cases)('warns about $key and deploys anyway', ({ text, warning }) => {
    // Act
    const result = composeToRequest(text, INLINE);

    // Assert
    expect(result.warnings).toEqual([warning]);
    expect(result.request.services.map((service) => service.name)).toEqual(['web']);
  });
});

describe('compose input — YAML forms compose allows', () => {
  it('accepts an empty deploy key as no deploy settings', () => {
    // Prepare
    const text = oneService('image: nginx\ndeploy:');

    // Act
    const result = composeToRequest(text, INLINE);

    // Assert
    expect(result.request.services[0]).toMatchObject({ cpu: 256, memory: 512, replicas: 1 });
  });

  it('applies YAML merge keys (<<: *anchor) before reading a service', () => {
    // Prepare
    const text = [
      'name: shop',
      'x-app: &app',
      '  image: ghcr.io/acme/shop:1.4.0',
      '  environment:',
      '    LOG_LEVEL: info',
      'services:',
      '  web:',
      '    <<: *app',
      '    command: ["serve"]',
      '',
    ].join('\n');

    // Act
    const result = composeToRequest(text, INLINE);

    // Assert
    expect(result.request.services[0]).toMatchObject({
      name: 'web',
      image: 'ghcr.io/acme/shop:1.4.0',
      environment: { LOG_LEVEL: 'info' },
      command: ['serve'],
    });
  });
});

describe('compose input — interpolation', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('takes ${VAR} from the variables option, not from process.env', () => {
    // Prepare
    vi.stubEnv('SHOP_TAG', '9.9.9');
    const text = oneService('image: ghcr.io/acme/shop:${SHOP_TAG}');

    // Act
    const result = composeToRequest(text, { ...INLINE, variables: { SHOP_TAG: '1.4.0' } });

    // Assert
    expect(result.request.services[0]?.image).toBe('ghcr.io/acme/shop:1.4.0');
  });

  it('treats a variable that is only in process.env as unset when variables are given, and warns where', () => {
    // Prepare
    vi.stubEnv('SHOP_LOG_LEVEL', 'debug');
    const text = oneService('image: nginx\nenvironment:\n  - APP=shop\n  - LOG_LEVEL=${SHOP_LOG_LEVEL}');

    // Act
    const result = composeToRequest(text, { ...INLINE, variables: {} });

    // Assert
    expect(result.request.services[0]?.environment).toEqual({ APP: 'shop', LOG_LEVEL: '' });
    expect(result.warnings).toEqual([
      {
        path: 'services.web.environment[1]',
        message: 'variable SHOP_LOG_LEVEL is not set; it became an empty string',
      },
    ]);
  });

  it('reads process.env when no variables are given', () => {
    // Prepare
    vi.stubEnv('SHOP_TAG', '2.0.1');
    const text = oneService('image: ghcr.io/acme/shop:${SHOP_TAG}');
    const { variables: _ignored, ...withoutVariables } = INLINE;

    // Act
    const result = composeToRequest(text, withoutVariables);

    // Assert
    expect(result.request.services[0]?.image).toBe('ghcr.io/acme/shop:2.0.1');
  });

  it('uses the default of ${VAR:-default} when the variable is empty', () => {
    // Prepare
    const text = oneService('image: ghcr.io/acme/shop:${SHOP_TAG:-latest}');

    // Act
    const result = composeToRequest(text, { ...INLINE, variables: { SHOP_TAG: '' } });

    // Assert
    expect(result.request.services[0]?.image).toBe('ghcr.io/acme/shop:latest');
    expect(result.warnings).toEqual([]);
  });

  it('keeps $$ as a literal dollar sign', () => {
    // Prepare
    const text = oneService('image: nginx\ncommand: ["sh", "-c", "echo $$HOME"]');

    // Act
    const result = composeToRequest(text, { ...INLINE, variables: { HOME: '/root' } });

    // Assert
    expect(result.request.services[0]?.command).toEqual(['sh', '-c', 'echo $HOME']);
  });
});

describe('compose input — current compose forms', () => {
  const serviceOf = (text: string, options: ComposeOptions = INLINE) => {
    const [service] = composeToRequest(text, options).request.services;
    if (!service) throw new Error('no service in the request');
    return service;
  };

  it('reads an interpolated number as a number, as compose does', () => {
    const service = serviceOf(oneService('image: nginx\ndeploy:\n  replicas: ${REPLICAS:-3}'));

    expect(service.replicas).toBe(3);
  });

  it('accepts depends_on entries with restart and required', () => {
    const text = `name: shop\nservices:\n  db:\n    image: redis\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n        required: false\n`;

    const result = composeToRequest(text, INLINE);

    expect(result.request.services[1]?.dependsOn).toEqual(['db']);
  });

  it('refuses an unknown key in a depends_on entry', () => {
    const error = rejectionOf(oneService('image: nginx\ndepends_on:\n  db:\n    when: later'));

    expect(error.problems).toContainEqual({
      path: 'services.web.depends_on.db.when',
      message: 'is not a compose key',
    });
  });

  it('skips an env_file marked required: false that does not exist', () => {
    const service = serviceOf(
      oneService('image: nginx\nenv_file:\n  - path: ./missing.env\n    required: false'),
    );

    expect(service.environment).toEqual({});
  });

  it('splits a string command into words without a shell, as compose does', () => {
    const service = serviceOf(oneService(`image: nginx\ncommand: nginx -g 'daemon off;'`));

    expect(service.command).toEqual(['nginx', '-g', 'daemon off;']);
  });

  it('refuses a string command that needs a shell, naming the key', () => {
    const error = rejectionOf(oneService('image: nginx\ncommand: migrate && serve'));

    expect(error.problems[0]?.path).toBe('services.web.command');
    expect(error.problems[0]?.message).toContain('uses shell operators');
  });

  it('reaches modeshift’s own message for dockerfile_inline', () => {
    const error = rejectionOf(oneService('build:\n  context: ./saas/api\n  dockerfile_inline: FROM scratch'));

    expect(error.problems).toContainEqual({
      path: 'services.web.build.dockerfile_inline',
      message: 'is not supported by modeshift: put the Dockerfile in the context',
    });
  });

  it('accepts a named long-syntax port and a memory limit given in bytes', () => {
    const service = serviceOf(
      oneService(
        'image: nginx\nports:\n  - name: http\n    target: 80\ndeploy:\n  resources:\n    limits:\n      memory: 1073741824',
      ),
    );

    expect(service.ports).toEqual([{ target: 80, protocol: 'tcp' }]);
    expect(service.memory).toBe(1024);
  });

  it('counts a port that is both published and exposed once', () => {
    const service = serviceOf(oneService('image: nginx\nports: ["80"]\nexpose: ["80"]'));

    expect(service.ports).toEqual([{ target: 80, protocol: 'tcp' }]);
  });

  it('reports a bad domainname once, at the service', () => {
    const error = rejectionOf(oneService('image: nginx\nports: ["80"]\ndomainname: "not a domain"'));

    expect(error.problems.filter((p) => p.message.includes('is not a domain name'))).toEqual([
      {
        path: 'services.web.domainname',
        message: '"not a domain" is not a domain name (e.g. shop.example.com)',
      },
    ]);
  });
});
