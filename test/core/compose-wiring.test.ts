// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` interpolation is what these tests feed in
/**
 * The compose rules that decide how a service is wired: database passwords, config values that
 * must not be interpolated into plain text, the task size from limits and reservations, GPUs, and
 * the load balancer's health check (compose `healthcheck` and `x-modeshift`).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wireService } from '../../core/app-wiring.ts';
import { type ComposeOptions, composeToRequest, loadComposeFile } from '../../core/compose.ts';
import { composeRejection } from '../support/compose.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/compose/', import.meta.url));
const SHOP_EXAMPLE = fileURLToPath(new URL('../../examples/shop/compose.yaml', import.meta.url));

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

/** A compose file named `shop` whose services are `body` (YAML, indented under `services:`). */
function composeFile(body: string): string {
  const indented = body
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `name: shop\nservices:\n${indented}\n`;
}

/** A compose file with one service `web` whose keys are `lines`. */
function oneService(lines: string): string {
  const body = lines
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return composeFile(`web:\n${body}`);
}

/** The request's service `name` for `text`. */
function serviceOf(text: string, name = 'web', options: ComposeOptions = INLINE) {
  const service = composeToRequest(text, options).request.services.find((s) => s.name === name);
  if (!service) throw new Error(`no service ${name} in the request`);
  return service;
}

describe('compose wiring — database passwords', () => {
  const twoDatabases = (environment: string) =>
    composeFile(`
api:
  image: ghcr.io/acme/api:1.4.2
  environment:
${environment}
  depends_on: [orders-db, users-db]
orders-db:
  image: postgres:16
  x-defang-postgres: true
users-db:
  image: postgres:16
  x-defang-postgres: true
`);

  it('refuses DATABASE_PASSWORD with no value in a service on two databases, at its environment key', () => {
    // Act
    const error = rejectionOf(twoDatabases('    LOG_LEVEL: info\n    DATABASE_PASSWORD:'));

    // Assert
    expect(error.problems).toEqual([
      {
        path: 'services.api.environment.DATABASE_PASSWORD',
        message:
          "DATABASE_PASSWORD has no value, and the service depends on 2 managed databases (orders-db, users-db), so modeshift cannot tell whose password it is: depend on one, or give each database's password its own name and set it with modeshift config set",
      },
    ]);
  });

  it('names the right variable when the password is not the first variable without a value (list form)', () => {
    // Act
    const error = rejectionOf(twoDatabases('    - STRIPE_KEY\n    - LOG_LEVEL=info\n    - PGPASSWORD'));

    // Assert
    expect(error.problems.map((problem) => problem.path)).toEqual(['services.api.environment.PGPASSWORD']);
    expect(error.problems[0]?.message).toMatch(/^PGPASSWORD has no value, and the service depends on 2/);
  });

  it('accepts a password variable of its own name on two databases (a config value)', () => {
    // Act
    const api = serviceOf(twoDatabases('    ORDERS_DB_PASSWORD:\n    USERS_DB_PASSWORD:'), 'api');

    // Assert
    expect(api.secrets).toEqual(['ORDERS_DB_PASSWORD', 'USERS_DB_PASSWORD']);
  });

  it('warns that the database’s POSTGRES_PASSWORD is ignored and says how dependents get the password', () => {
    // Prepare
    const text = composeFile(`
db:
  image: postgres:16
  x-defang-postgres: true
  environment:
    POSTGRES_PASSWORD: local-only
`);

    // Act
    const { warnings } = composeToRequest(text, INLINE);

    // Assert
    expect(warnings).toEqual([
      {
        path: 'services.db.environment.POSTGRES_PASSWORD',
        message:
          'ignored: RDS manages the master password (ManageMasterUserPassword); the services that depend on db (and on no other managed database) receive it as PGPASSWORD, and as their own DATABASE_PASSWORD, POSTGRES_PASSWORD or PGPASSWORD written with no value',
      },
    ]);
  });

  it('wires the shop example’s api to its database: the password and the libpq settings', () => {
    // Prepare
    const { request } = loadComposeFile(SHOP_EXAMPLE, {
      environment: 'pr-42',
      mode: 'development',
      deploymentId: 'deploy-0001',
      variables: {},
    });
    const api = request.services.find((service) => service.name === 'api');
    if (!api) throw new Error('the shop example has no api service');

    // Act
    const wiring = wireService(api, request.databases);

    // Assert
    expect(api.secrets).toEqual(['DATABASE_PASSWORD']);
    expect(wiring.database).toBe('db');
    expect(wiring.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', from: { database: 'db' } },
      { name: 'PGPASSWORD', from: { database: 'db' } },
    ]);
    expect(wiring.environment).toEqual({
      DATABASE_HOST: 'db',
      DATABASE_NAME: 'shop',
      DATABASE_USER: 'shop',
      LOG_LEVEL: 'info',
      PGHOST: 'db',
      PGPORT: '5432',
      PGDATABASE: 'shop',
      PGUSER: 'shop',
    });
  });
});

describe('compose wiring — ${VAR} naming a config value never lands in plain text', () => {
  /** `web` uses API_KEY as `environment`; `worker` declares API_KEY with no value, which makes it a config name. */
  const withWorker = (environment: string) =>
    composeFile(`
web:
  image: nginx
  environment:
${environment}
worker:
  image: ghcr.io/acme/worker:1.0
  environment:
    API_KEY:
`);
  const SHELL = { ...INLINE, variables: { API_KEY: 'sk-live-123' } };

  it.each([
    { form: '${API_KEY} (map)', environment: '    API_KEY: ${API_KEY}' },
    { form: '$API_KEY (map)', environment: '    API_KEY: $API_KEY' },
    { form: '${API_KEY} (list)', environment: '    - API_KEY=${API_KEY}' },
    { form: '$API_KEY (list)', environment: '    - API_KEY=$API_KEY' },
  ])('turns $form of its own name into a secret, and the shell’s value goes nowhere', ({ environment }) => {
    // Act
    const result = composeToRequest(withWorker(environment), SHELL);

    // Assert
    const web = result.request.services[0];
    expect(web?.environment).toEqual({});
    expect(web?.secrets).toEqual(['API_KEY']);
    expect(JSON.stringify(result)).not.toContain('sk-live-123');
    expect(result.warnings).toEqual([]);
  });

  it.each([
    { form: 'map', environment: '    LOG_LEVEL: info\n    API_KEY: ${API_KEY}' },
    { form: 'list', environment: '    - LOG_LEVEL=info\n    - API_KEY=${API_KEY}' },
  ])('does not warn that the variable is unset when it became a secret ($form form)', ({ environment }) => {
    // Act
    const result = composeToRequest(withWorker(environment), INLINE);

    // Assert
    expect(result.request.services[0]?.secrets).toEqual(['API_KEY']);
    expect(result.warnings).toEqual([]);
  });

  it('takes config names from the configNames option too', () => {
    // Prepare
    const text = oneService('image: nginx\nenvironment:\n  STRIPE_KEY: ${STRIPE_KEY}');

    // Act
    const web = serviceOf(text, 'web', {
      ...INLINE,
      variables: { STRIPE_KEY: 'sk-local' },
      configNames: new Set(['STRIPE_KEY']),
    });

    // Assert
    expect(web.environment).toEqual({});
    expect(web.secrets).toEqual(['STRIPE_KEY']);
  });

  it('interpolates a variable that is no config name, as compose does', () => {
    // Prepare
    const text = oneService('image: nginx\nenvironment:\n  STRIPE_KEY: ${STRIPE_KEY}');

    // Act
    const web = serviceOf(text, 'web', { ...INLINE, variables: { STRIPE_KEY: 'pk-test' } });

    // Assert
    expect(web.environment).toEqual({ STRIPE_KEY: 'pk-test' });
    expect(web.secrets).toEqual([]);
  });

  it('refuses a value that embeds a config value, saying where and what to write instead', () => {
    // Act
    const error = rejectionOf(withWorker('    PAYMENTS_URL: https://pay.example.com/?key=${API_KEY}'), SHELL);

    // Assert
    expect(error.problems).toEqual([
      {
        path: 'services.web.environment.PAYMENTS_URL',
        message:
          '"https://pay.example.com/?key=${API_KEY}" uses the config value API_KEY: interpolated, the value would be in plain text in the task definition. Store the whole value as its own config value (modeshift config set PAYMENTS_URL --env pr-42) and write PAYMENTS_URL: with no value',
      },
    ]);
  });

  it.each([
    { form: 'a default of its own name', key: 'API_KEY', text: '${API_KEY:-dev-key}' },
    { form: 'another variable’s name', key: 'TOKEN', text: '${API_KEY}' },
    { form: 'a config value inside a default', key: 'TOKEN', text: '${TOKEN_OVERRIDE:-$API_KEY}' },
    { form: 'surrounding spaces', key: 'API_KEY', text: "' ${API_KEY}'" },
  ])('refuses $form, at the variable’s key', ({ key, text }) => {
    // Act
    const error = rejectionOf(withWorker(`    ${key}: ${text}`), SHELL);

    // Assert
    expect(error.problems.map((problem) => problem.path)).toEqual([`services.web.environment.${key}`]);
    expect(error.problems[0]?.message).toContain('would be in plain text in the task definition');
  });

  it('refuses a list entry that embeds a config value, at the variable’s key', () => {
    // Act
    const error = rejectionOf(withWorker('    - AUTH_HEADER=Bearer $API_KEY'), SHELL);

    // Assert
    expect(error.problems).toEqual([
      {
        path: 'services.web.environment.AUTH_HEADER',
        message: expect.stringMatching(
          /^"Bearer \$API_KEY" uses the config value API_KEY: .* \(modeshift config set AUTH_HEADER --env pr-42\) and write AUTH_HEADER: with no value$/,
        ),
      },
    ]);
  });

  it('names every config value a refused value uses', () => {
    // Prepare
    const text = withWorker(
      '    DSN: postgres://${DB_USER}:${API_KEY}@db/shop?sslkey=${TLS_KEY}\n    TLS_KEY:',
    );

    // Act
    const error = rejectionOf(text, SHELL);

    // Assert
    expect(error.problems[0]).toEqual({
      path: 'services.web.environment.DSN',
      message: expect.stringContaining('uses the config values API_KEY, TLS_KEY: interpolated'),
    });
  });

  it('keeps $${API_KEY} as the literal text, which holds no value', () => {
    // Act
    const web = serviceOf(withWorker('    TEMPLATE: $${API_KEY}'), 'web', SHELL);

    // Assert
    expect(web.environment).toEqual({ TEMPLATE: '${API_KEY}' });
    expect(web.secrets).toEqual([]);
  });

  it('sees a config value behind a YAML alias and a merge key', () => {
    // Prepare
    const text = [
      'name: shop',
      'x-env: &env',
      '  API_KEY: ${API_KEY}',
      'x-app: &app',
      '  image: nginx',
      '  environment:',
      '    GREETING: hello ${API_KEY}',
      'services:',
      '  web:',
      '    image: nginx',
      '    environment: *env',
      '  admin:',
      '    <<: *app',
      '  worker:',
      '    image: nginx',
      '    environment: [API_KEY]',
      '',
    ].join('\n');

    // Act
    const error = rejectionOf(text, SHELL);

    // Assert
    expect(error.problems.map((problem) => problem.path)).toEqual(['services.admin.environment.GREETING']);
    const accepted = text.replace('    GREETING: hello ${API_KEY}', '    GREETING: hello');
    expect(serviceOf(accepted, 'web', SHELL).secrets).toEqual(['API_KEY']);
  });

  it('leaves the environment of a managed database alone: RDS ignores it', () => {
    // Prepare
    const text = composeFile(`
api:
  image: nginx
  environment:
    POSTGRES_PASSWORD:
  depends_on: [db]
db:
  image: postgres:16
  x-defang-postgres: true
  environment:
    POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
`);

    // Act
    const result = composeToRequest(text, { ...INLINE, variables: { POSTGRES_PASSWORD: 'local' } });

    // Assert
    expect(result.request.services[0]?.secrets).toEqual(['POSTGRES_PASSWORD']);
    expect(result.warnings.map((warning) => warning.path)).toEqual([
      'services.db.environment.POSTGRES_PASSWORD',
    ]);
  });

  describe('env_file', () => {
    it('keeps an empty value from an env file as a plain empty value, even for a config name', () => {
      // Prepare: worker declares API_KEY with no value; web's env file has API_KEY= (empty).
      const text = composeFile(`
web:
  image: nginx
  env_file: ./wiring/app.env
  environment:
    GREETING: hello
worker:
  image: ghcr.io/acme/worker:1.0
  environment:
    API_KEY:
`);

      // Act
      const web = serviceOf(text, 'web', SHELL);

      // Assert
      expect(web.environment).toEqual({
        API_KEY: '',
        LOG_LEVEL: 'info',
        SESSION_SECRET: 'from-the-file',
        GREETING: 'hello',
      });
      expect(web.secrets).toEqual([]);
    });

    it('lets ${KEY} in environment make an env file’s variable a secret, with no plain value left', () => {
      // Prepare
      const text = oneService(
        'image: nginx\nenv_file: ./wiring/app.env\nenvironment:\n  SESSION_SECRET: ${SESSION_SECRET}',
      );

      // Act
      const web = serviceOf(text, 'web', { ...INLINE, configNames: new Set(['SESSION_SECRET']) });

      // Assert
      expect(web.environment).toEqual({ API_KEY: '', LOG_LEVEL: 'info' });
      expect(web.secrets).toEqual(['SESSION_SECRET']);
    });
  });
});

describe('compose wiring — task size from limits and reservations', () => {
  const withResources = (resources: string) =>
    oneService(
      `image: nginx\ndeploy:\n  resources:\n${resources
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n')}`,
    );

  it('sizes the task by reservations alone, with no warning', () => {
    // Act
    const result = composeToRequest(withResources('reservations:\n  cpus: "1"\n  memory: 2G'), INLINE);

    // Assert
    expect(result.request.services[0]).toMatchObject({ cpu: 1024, memory: 2048 });
    expect(result.warnings).toEqual([]);
  });

  it('takes the larger of limits and reservations for cpus and for memory each', () => {
    // Act
    const result = composeToRequest(
      withResources('limits:\n  cpus: "2"\n  memory: 1G\nreservations:\n  cpus: "1"\n  memory: 4G'),
      INLINE,
    );

    // Assert
    expect(result.request.services[0]).toMatchObject({ cpu: 2048, memory: 4096 });
    expect(result.warnings).toEqual([]);
  });

  it('rounds a reservation up to the Fargate size, warning at reservations', () => {
    // Act
    const result = composeToRequest(withResources('reservations:\n  cpus: "0.75"'), INLINE);

    // Assert
    expect(result.request.services[0]).toMatchObject({ cpu: 1024, memory: 2048 });
    expect(result.warnings).toEqual([
      {
        path: 'services.web.deploy.resources.reservations',
        message: 'rounded up to the Fargate size 1 vCPU / 2048 MiB (asked for 0.75 CPUs)',
      },
    ]);
  });

  it('says which of limits and reservations decided each, when they share the rounding', () => {
    // Act
    const result = composeToRequest(
      withResources('limits:\n  cpus: "0.5"\n  memory: 1G\nreservations:\n  cpus: "1"\n  memory: 512M'),
      INLINE,
    );

    // Assert
    expect(result.request.services[0]).toMatchObject({ cpu: 1024, memory: 2048 });
    expect(result.warnings).toEqual([
      {
        path: 'services.web.deploy.resources',
        message:
          'rounded up to the Fargate size 1 vCPU / 2048 MiB (asked for 1 CPUs in reservations and 1G memory in limits)',
      },
    ]);
  });

  it.each([
    { key: 'cpus', value: 'lots', message: '"lots" is not a positive number of CPUs' },
    { key: 'memory', value: 'plenty', message: '"plenty" is not a memory size (e.g. 512M, 2G)' },
  ])('refuses reservations.$key that is not a size', ({ key, value, message }) => {
    // Act
    const error = rejectionOf(withResources(`reservations:\n  ${key}: ${value}`));

    // Assert
    expect(error.problems).toEqual([{ path: `services.web.deploy.resources.reservations.${key}`, message }]);
  });

  it('refuses a reservation beyond the largest Fargate task', () => {
    // Act
    const error = rejectionOf(withResources('limits:\n  cpus: "4"\nreservations:\n  cpus: "32"'));

    // Assert
    expect(error.problems).toEqual([
      {
        path: 'services.web.deploy.resources.reservations',
        message: '32768 CPU units with 512 MiB exceeds the largest Fargate task (16 vCPU, 120 GiB)',
      },
    ]);
  });
});

describe('compose wiring — GPUs are refused', () => {
  const NO_GPUS = 'asks for a GPU, and Fargate tasks have no GPUs';

  it.each([
    {
      what: 'a device reservation with capabilities: [gpu]',
      lines:
        'image: ollama/ollama\ndeploy:\n  resources:\n    reservations:\n      devices:\n        - capabilities: [gpu]\n          count: 1',
      path: 'services.web.deploy.resources.reservations.devices[0]',
    },
    {
      what: 'a device reservation with driver: nvidia',
      lines:
        'image: ollama/ollama\ndeploy:\n  resources:\n    reservations:\n      devices:\n        - capabilities: [utility]\n        - driver: nvidia\n          capabilities: [compute]',
      path: 'services.web.deploy.resources.reservations.devices[1]',
    },
    {
      what: 'a generic GPU resource',
      lines:
        'image: ollama/ollama\ndeploy:\n  resources:\n    reservations:\n      generic_resources:\n        - discrete_resource_spec:\n            kind: NVIDIA-GPU\n            value: 1',
      path: 'services.web.deploy.resources.reservations.generic_resources[0]',
    },
    { what: 'the service key gpus', lines: 'image: ollama/ollama\ngpus: all', path: 'services.web.gpus' },
    {
      what: 'a GPU extension such as x-defang-gpu',
      lines: 'image: ollama/ollama\nx-defang-gpu: true',
      path: 'services.web.x-defang-gpu',
    },
  ])('refuses $what, naming the key', ({ lines, path }) => {
    // Act
    const error = rejectionOf(oneService(lines));

    // Assert
    expect(error.problems).toContainEqual({ path, message: NO_GPUS });
    expect(error.problems.filter((problem) => problem.message === NO_GPUS)).toHaveLength(1);
  });
});

describe('compose wiring — the load balancer’s check from the compose healthcheck', () => {
  it.each([
    {
      form: 'CMD curl with a port',
      ports: '["8080"]',
      test: '["CMD", "curl", "-f", "http://localhost:8080/healthz"]',
      check: { path: '/healthz' },
    },
    {
      form: 'CMD-SHELL curl … || exit 1 on the default http port',
      ports: '["80"]',
      test: '["CMD-SHELL", "curl -f http://localhost/health || exit 1"]',
      check: { path: '/health' },
    },
    {
      form: 'a string test with a query',
      ports: '["3000"]',
      test: '"wget -qO- \'http://127.0.0.1:3000/ready?full=1\' || exit 1"',
      check: { path: '/ready?full=1' },
    },
    {
      form: 'wget --spider on a port that is not the traffic port',
      ports: '["8080", "9000"]',
      test: '["CMD", "wget", "--spider", "-q", "http://0.0.0.0:9000/ping"]',
      check: { path: '/ping', port: 9000 },
    },
    {
      form: 'https on [::1] with its default port',
      ports: '["8080", "443"]',
      test: '["CMD", "/usr/bin/curl", "-fk", "https://[::1]/status"]',
      check: { path: '/status', port: 443 },
    },
    {
      form: 'a URL without a scheme, as curl takes it',
      ports: '["8080"]',
      test: '["CMD", "curl", "-fsS", "localhost:8080/up"]',
      check: { path: '/up' },
    },
    {
      form: 'curl run by sh -c',
      ports: '["8080"]',
      test: '["CMD", "sh", "-c", "curl -fs http://localhost:8080/live && echo ok"]',
      check: { path: '/live' },
    },
  ])('reads $form', ({ ports, test, check }) => {
    // Act
    const result = composeToRequest(
      oneService(`image: nginx\nports: ${ports}\nhealthcheck:\n  test: ${test}`),
      INLINE,
    );

    // Assert
    expect(result.request.services[0]?.loadBalancerCheck).toEqual(check);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    { form: 'another host', test: '["CMD", "curl", "-f", "http://api:8080/health"]' },
    {
      form: 'a program that is not curl or wget',
      test: '["CMD", "/bin/healthcheck", "--url", "http://localhost:8080/ready"]',
    },
    {
      form: 'a port the service does not declare',
      test: '["CMD", "curl", "-f", "http://localhost:9999/health"]',
    },
    { form: 'a port set by a shell variable', test: '"curl -f http://localhost:$${PORT:-8080}/health"' },
    { form: 'no URL at all', test: '["CMD", "curl", "--version"]' },
    { form: 'a test that is not http', test: '["CMD-SHELL", "pg_isready -U shop"]' },
    { form: 'NONE', test: '["NONE"]' },
  ])('sets no check for $form (the load balancer checks / on the traffic port)', ({ test }) => {
    // Act
    const service = serviceOf(oneService(`image: nginx\nports: ["8080"]\nhealthcheck:\n  test: ${test}`));

    // Assert
    expect(service.loadBalancerCheck).toBeUndefined();
  });

  it('sets no check when the health check is disabled', () => {
    // Act
    const service = serviceOf(
      oneService(
        'image: nginx\nports: ["8080"]\nhealthcheck:\n  test: ["CMD", "curl", "http://localhost:8080/h"]\n  disable: true',
      ),
    );

    // Assert
    expect(service.loadBalancerCheck).toBeUndefined();
  });

  it('sets no check for a path the request would refuse, so the file stays valid', () => {
    // Prepare
    const url = `http://localhost:8080/${'a'.repeat(1100)}`;

    // Act
    const service = serviceOf(
      oneService(`image: nginx\nports: ["8080"]\nhealthcheck:\n  test: ["CMD", "curl", "-f", "${url}"]`),
    );

    // Assert
    expect(service.healthCheck?.command).toEqual(['CMD', 'curl', '-f', url]);
    expect(service.loadBalancerCheck).toBeUndefined();
  });

  it('sets the check on a private service too', () => {
    // Act
    const service = serviceOf(
      oneService(
        'image: nginx\nexpose: ["8080"]\nhealthcheck:\n  test: ["CMD", "curl", "-f", "http://localhost:8080/healthz"]',
      ),
    );

    // Assert
    expect(service.public).toBe(false);
    expect(service.loadBalancerCheck).toEqual({ path: '/healthz' });
  });
});

describe('compose wiring — x-modeshift', () => {
  it('sets the load balancer’s check from x-modeshift.healthcheck, over the one the healthcheck implies', () => {
    // Prepare
    const text = oneService(
      [
        'image: nginx',
        'ports: ["8080", "9000"]',
        'healthcheck:',
        '  test: ["CMD", "curl", "-f", "http://localhost:8080/healthz"]',
        'x-modeshift:',
        '  healthcheck:',
        '    path: /status?deep=1',
        '    port: 9000',
      ].join('\n'),
    );

    // Act
    const result = composeToRequest(text, INLINE);

    // Assert
    expect(result.request.services[0]?.loadBalancerCheck).toEqual({ path: '/status?deep=1', port: 9000 });
    expect(result.warnings).toEqual([]);
  });

  it('takes a port written as text', () => {
    // Act
    const service = serviceOf(
      oneService(
        'image: nginx\nports: ["8080"]\nx-modeshift:\n  healthcheck:\n    path: /up\n    port: "8080"',
      ),
    );

    // Assert
    expect(service.loadBalancerCheck).toEqual({ path: '/up', port: 8080 });
  });

  it('passes x-modeshift.scaling to the service as its autoscaling bounds, with no warning', () => {
    // Act
    const result = composeToRequest(
      oneService('image: nginx\nx-modeshift:\n  scaling: {min: 1, max: 4, cpu: 60}'),
      INLINE,
    );

    // Assert
    expect(result.warnings).toEqual([]);
    expect(result.request.services[0]?.scaling).toEqual({ min: 1, max: 4, cpu: 60 });
  });

  it("turns the mode's autoscaling on for Defang's x-defang-autoscaling: true, and x-modeshift.scaling wins", () => {
    const defang = composeToRequest(oneService('image: nginx\nx-defang-autoscaling: true'), INLINE);
    const both = composeToRequest(
      oneService('image: nginx\nx-defang-autoscaling: true\nx-modeshift:\n  scaling: {max: 3}'),
      INLINE,
    );
    const off = composeToRequest(oneService('image: nginx\nx-defang-autoscaling: false'), INLINE);

    expect(defang.warnings).toEqual([]);
    expect(defang.request.services[0]?.scaling).toEqual({});
    expect(both.request.services[0]?.scaling).toEqual({ max: 3 });
    expect(off.request.services[0]).not.toHaveProperty('scaling');
  });

  it.each([
    {
      what: 'a minimum above the maximum',
      scaling: '{min: 5, max: 2}',
      problem: { path: 'services.web.x-modeshift.scaling.min', message: '5 is above max 2' },
    },
    {
      what: 'a CPU target out of range',
      scaling: '{cpu: 95}',
      problem: {
        path: 'services.web.x-modeshift.scaling.cpu',
        message: 'expected 10 to 90 (% average CPU the scaling keeps the service at)',
      },
    },
  ])('refuses $what, naming the field', ({ scaling, problem }) => {
    const error = rejectionOf(oneService(`image: nginx\nx-modeshift:\n  scaling: ${scaling}`));

    expect(error.problems).toEqual([problem]);
  });

  it('refuses scaling on a run-once service', () => {
    const error = rejectionOf(oneService('image: nginx\nx-modeshift:\n  run: once\n  scaling: {max: 3}'));

    expect(error.problems).toContainEqual({
      path: 'services.web.x-modeshift.scaling',
      message: 'a run-once task or a scheduled job runs one task to completion: it does not scale',
    });
  });

  it('refuses an unknown x-modeshift key', () => {
    // Act
    const error = rejectionOf(oneService('image: nginx\nx-modeshift:\n  replicas: 3'));

    // Assert
    expect(error.problems).toEqual([
      {
        path: 'services.web.x-modeshift.replicas',
        message: 'is not an x-modeshift key (healthcheck, run, schedule, role, policies, scaling)',
      },
    ]);
  });

  it.each([
    {
      what: 'x-modeshift that is not a mapping',
      lines: 'x-modeshift: true',
      problem: {
        path: 'services.web.x-modeshift',
        message: 'must be a mapping (healthcheck, run, schedule, role, policies, scaling)',
      },
    },
    {
      what: 'a healthcheck that is not a mapping',
      lines: 'x-modeshift:\n  healthcheck: /healthz',
      problem: {
        path: 'services.web.x-modeshift.healthcheck',
        message: 'must be a mapping with path and, optionally, port',
      },
    },
    {
      what: 'a healthcheck without a path',
      lines: 'x-modeshift:\n  healthcheck:\n    port: 8080',
      problem: {
        path: 'services.web.x-modeshift.healthcheck.path',
        message: 'is required: the URL path the load balancer checks, e.g. /healthz',
      },
    },
    {
      what: 'an unknown healthcheck key',
      lines: 'x-modeshift:\n  healthcheck:\n    path: /healthz\n    interval: 10s',
      problem: {
        path: 'services.web.x-modeshift.healthcheck.interval',
        message: 'is not a key of x-modeshift.healthcheck (path, port)',
      },
    },
    {
      what: 'a port that is not one of the service’s',
      lines: 'x-modeshift:\n  healthcheck:\n    path: /healthz\n    port: 9000',
      problem: {
        path: 'services.web.x-modeshift.healthcheck.port',
        message: "9000 is not one of the service's ports (8080)",
      },
    },
    {
      what: 'a path that is not a URL path',
      lines: 'x-modeshift:\n  healthcheck:\n    path: healthz',
      problem: {
        path: 'services.web.x-modeshift.healthcheck.path',
        message: '"healthz" is not a URL path (it starts with / and has no spaces)',
      },
    },
  ])('refuses $what, at its key', ({ lines, problem }) => {
    // Act
    const error = rejectionOf(oneService(`image: nginx\nports: ["8080"]\n${lines}`));

    // Assert
    expect(error.problems).toEqual([problem]);
  });

  it('is not reported as an ignored extension', () => {
    // Act
    const result = composeToRequest(
      oneService('image: nginx\nports: ["8080"]\nx-modeshift:\n  healthcheck:\n    path: /'),
      INLINE,
    );

    // Assert
    expect(result.warnings).toEqual([]);
    expect(result.request.services[0]?.loadBalancerCheck).toEqual({ path: '/' });
  });
});
