// biome-ignore-all lint/suspicious/noTemplateCurlyInString: injection-like `${…}` strings and compose interpolation are what these generators produce
/**
 * fast-check generators for the hostile-input properties: near-valid
 * deployment requests and compose documents, the hostile values that replace
 * their fields (wrong types, injection-like and unicode strings, oversized
 * strings and arrays, absurd numbers), and the edits that break them
 * (replace, remove, add an unknown key, truncate).
 */
import fc from 'fast-check';

/** One seed for every property, so CI sees the same cases on every run. */
export const SEED = 20_261_126;

/**
 * DNS-safe names that AWS reserves as a prefix somewhere once modeshift
 * derives names from them (`internal-` load balancers, `sg-` security groups,
 * `sthree-`/`amzn-s3-demo-` buckets), plus ordinary ones: a dictionary the
 * generators mix in, since random names almost never hit them.
 */
export const TRICKY_NAMES = [
  'internal',
  'sg',
  'sthree',
  'amzn',
  'amzn-s3',
  'amzn-s3-demo',
  'xn',
  'aws',
  'default',
];

/** Strings that would do harm if anything passed them to a shell, a template, a query or a terminal. */
export const INJECTIONS = [
  '; rm -rf /',
  '&& rm -rf / #',
  '$(rm -rf /)',
  '`reboot`',
  '${HOME}',
  '${}',
  '$${HOME',
  'echo $${PATH',
  '$$(id)',
  "'",
  '"',
  '"; DROP TABLE environments; --',
  "' OR '1'='1",
  '\n',
  'a\nb',
  '\r\n',
  '\0',
  'web\0',
  '\u202Eevil',
  'web\u200F',
  '\u200B',
  '\uFEFF',
  '🚀',
  '👨‍👩‍👧‍👦',
  'İstanbul',
  'ǅ',
  '\uD800',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '%s%n%x',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  'null',
  ' web ',
  'WEB',
  'web-',
  '-web',
  'we--b',
  'a.b',
  'xn--80ak6aa92e',
];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A DNS-safe name: `first` is the character class of its first character. */
function dnsName(first: string): fc.Arbitrary<string> {
  return fc.stringMatching(new RegExp(`^[${first}][a-z0-9]{0,8}(?:-[a-z0-9]{1,6}){0,2}$`));
}

/** A DNS-safe name of exactly `length` characters (a letter first, hyphens inside). */
function nameOfLength(length: number, seed: number): string {
  let name = LETTERS[seed % 26] ?? 'a';
  while (name.length < length)
    name += name.length % 7 === 6 && name.length < length - 1 ? '-' : LETTERS[(seed + name.length) % 26];
  return name;
}

const longName = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.nat()).map(([length, seed]) => nameOfLength(length, seed));

export const projectName = fc.oneof(
  { weight: 5, arbitrary: dnsName('a-z') },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_NAMES) },
  { weight: 2, arbitrary: longName(20, 42) },
);

export const environmentName = fc.oneof(
  { weight: 5, arbitrary: dnsName('a-z0-9') },
  { weight: 2, arbitrary: fc.constantFrom('main', 'pr-1', 's3-demo', 's3-demo-1', '1', 'prod', 'lb', 'x') },
  { weight: 2, arbitrary: longName(20, 42) },
);

export const serviceName = fc.oneof(
  { weight: 6, arbitrary: dnsName('a-z') },
  { weight: 1, arbitrary: longName(30, 50) },
);

/** A domain name of exactly `length` characters: labels of up to 63, ending in `.com`. */
function domainOfLength(length: number, seed: number): string {
  const labels: string[] = [];
  let left = length - 4;
  while (left > 0) {
    const size = Math.min(63, left === 64 ? 62 : left);
    labels.push(nameOfLength(size, seed + labels.length).replace(/-$/, 'x'));
    left -= size + 1;
  }
  return `${labels.join('.')}.com`.slice(-length).replace(/^[-.]+/, '');
}

export const domainName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('shop.example.com', 'example.org', 'a.b.c.example.net') },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.integer({ min: 200, max: 253 }), fc.nat()).map(([n, s]) => domainOfLength(n, s)),
  },
);

export const envVarName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/);

/** Environment values: ordinary text, injection-like strings, any unicode, now and then long. */
export const envValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 4_000, max: 12_000 }), fc.constantFrom('a', 'é', '🚀', '\u202E'))
      .map(([n, unit]) => unit.repeat(n)),
  },
);

const FARGATE_SIZES: ReadonlyArray<readonly [number, number]> = [
  [256, 512],
  [256, 2048],
  [512, 1024],
  [1024, 8192],
  [4096, 30720],
  [16384, 122880],
];

const validPort = fc.oneof(
  fc.integer({ min: 1, max: 65535 }),
  fc.constantFrom('80', '80/tcp', '53/udp', '8080'),
  fc.record({ target: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('tcp', 'udp') }),
);

const serviceBody = fc.record(
  {
    image: fc.constantFrom(
      'nginx:1.27',
      'ghcr.io/acme/api:1.4.2',
      'public.ecr.aws/docker/library/python:3.12-slim',
    ),
    size: fc.constantFrom(...FARGATE_SIZES),
    replicas: fc.integer({ min: 0, max: 5000 }),
    ports: fc.array(validPort, { maxLength: 3 }),
    public: fc.boolean(),
    environment: fc.dictionary(envVarName, envValue, { maxKeys: 4 }),
    secrets: fc.uniqueArray(envVarName, { maxLength: 2 }),
    healthCheck: fc.option(
      fc.record({
        command: fc.constantFrom(['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], ['CMD', 'true']),
        intervalSeconds: fc.integer({ min: 5, max: 300 }),
      }),
      { nil: undefined },
    ),
    command: fc.option(
      fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...INJECTIONS)), { maxLength: 3 }),
      {
        nil: undefined,
      },
    ),
    domainname: fc.option(domainName, { freq: 4, nil: undefined }),
    dependsOn: fc.array(fc.nat(), { maxLength: 2 }),
  },
  { requiredKeys: ['image', 'size', 'replicas', 'ports', 'public', 'environment', 'secrets', 'dependsOn'] },
);

/**
 * Requests that are mostly valid: names, sizes and ports from the valid
 * ranges, with tricky names, long names and long domains mixed in (some of
 * which modeshift must refuse).
 */
export const nearValidRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    project: projectName,
    environment: environmentName,
    mode: fc.constantFrom('development', 'dev', 'staging', 'balanced', 'production', 'prod', 'HA'),
    deploymentId: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
      fc.constant('d'.repeat(64)),
    ),
    serviceNames: fc.uniqueArray(serviceName, { minLength: 1, maxLength: 4 }),
    services: fc.array(serviceBody, { minLength: 4, maxLength: 4 }),
    databaseNames: fc.uniqueArray(fc.constantFrom('db', 'postgres', 'cache-db', 'x'.repeat(20)), {
      maxLength: 2,
    }),
    domain: fc.option(domainName, { nil: undefined }),
    ttl: fc.option(fc.constantFrom('30m', '24h', '7d'), { nil: undefined }),
    overrides: fc.option(fc.constantFrom({}, { logRetentionDays: 7 }, { deploymentStrategy: 'rolling' }), {
      nil: undefined,
    }),
    force: fc.boolean(),
  })
  .map((draft) => {
    const databaseNames = draft.databaseNames.filter((name) => !draft.serviceNames.includes(name));
    const services = draft.serviceNames.map((name, i) => {
      const body = draft.services[i] as NonNullable<(typeof draft.services)[number]>;
      const earlier = [...databaseNames, ...draft.serviceNames.slice(0, i)];
      const ports = body.public && body.ports.length === 0 ? [80] : body.ports;
      const tcp = ports.some(
        (port) =>
          !(typeof port === 'string' && port.endsWith('/udp')) &&
          !(typeof port === 'object' && port.protocol === 'udp'),
      );
      return {
        name,
        image: body.image,
        cpu: body.size[0],
        memory: body.size[1],
        replicas: body.replicas,
        ports: body.public && !tcp ? [...ports, 80] : ports,
        public: body.public,
        environment: body.environment,
        secrets: body.secrets.filter((secret) => !(secret in body.environment)),
        dependsOn:
          earlier.length === 0
            ? []
            : [...new Set(body.dependsOn.map((pick) => earlier[pick % earlier.length] as string))],
        ...(body.healthCheck ? { healthCheck: body.healthCheck } : {}),
        ...(body.command ? { command: body.command } : {}),
        ...(body.domainname ? { domainname: body.domainname } : {}),
      };
    });
    return {
      project: draft.project,
      environment: draft.environment,
      mode: draft.mode,
      deploymentId: draft.deploymentId,
      services,
      databases: databaseNames.map((name) => ({ name })),
      ...(draft.domain ? { domain: draft.domain } : {}),
      ...(draft.ttl ? { ttl: draft.ttl } : {}),
      ...(draft.overrides ? { overrides: draft.overrides } : {}),
      force: draft.force,
    };
  });

/** A string no field should take at face value. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(dnsName('a-z'), fc.constantFrom(...INJECTIONS), fc.boolean())
      .map(([name, injection, before]) => (before ? `${injection}${name}` : `${name}${injection}`)),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 41, max: 70_000 }), fc.constantFrom('a', 'a-', 'é', '🚀'))
      .map(([n, unit]) => unit.repeat(n)),
  },
);

/** Numbers no count should take: negative, fractional, huge, not finite. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    -1,
    -0,
    0.5,
    1.5,
    4999.999,
    5001,
    1e21,
    2 ** 53,
    2 ** 53 + 2,
    Number.NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.double(),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
);

/** Oversized arrays: more than any list in a request may hold. */
export const hostileArray: fc.Arbitrary<unknown[]> = fc
  .tuple(fc.integer({ min: 33, max: 3_000 }), fc.constantFrom<unknown>(80, 'x', 'db', null, {}, ['CMD']))
  .map(([n, item]) => Array.from({ length: n }, () => item));

/** A value of the wrong type, or of the right type and a hostile content. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: hostileArray },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
);

type Path = ReadonlyArray<string | number>;

/** Every path below the root of a JSON-like value: objects' keys and arrays' indexes. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...pathsOf(item, [...prefix, key]),
    ]);
  }
  return [];
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  return typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>) : undefined;
}

export type Edit =
  | { readonly kind: 'replace'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'unknown-key'; readonly pick: number; readonly key: string; readonly value: unknown };

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('unknown-key' as const),
      pick: fc.nat(),
      key: fc.oneof(hostileString, fc.constantFrom('image ', 'Name', 'replica', 'secret')),
      value: hostileValue,
    }),
  },
);

/** A copy of `value` with one edit applied at the path `pick` chooses (the root for unknown keys, too). */
export function applyEdit<T>(value: T, change: Edit): T {
  const copy = structuredClone(value);
  const paths = pathsOf(copy);
  if (change.kind === 'unknown-key') {
    const objects: Path[] = [
      [],
      ...paths.filter((path) => {
        const target = parentOf(copy, [...path, 'x']);
        return target !== undefined && !Array.isArray(target);
      }),
    ];
    const path = objects[change.pick % objects.length] as Path;
    const target =
      path.length === 0
        ? (copy as Record<string, unknown>)
        : (parentOf(copy, [...path, 'x']) as Record<string, unknown>);
    Object.defineProperty(target, change.key, {
      value: change.value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return copy;
  }
  if (paths.length === 0) return copy;
  const path = paths[change.pick % paths.length] as Path;
  const parent = parentOf(copy, path) as Record<string | number, unknown>;
  const key = path.at(-1) as string | number;
  if (change.kind === 'replace') parent[key] = change.value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return copy;
}

/**
 * The value as a reader would have it had the document been cut off after
 * `leaves` scalars (a truncated event or file): later keys and items are gone
 * and the last string is cut in half.
 */
export function truncateAfter(value: unknown, leaves: number): unknown {
  const budget = { left: leaves };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (const item of node) {
        if (budget.left <= 0) break;
        out.push(walk(item));
      }
      return out;
    }
    if (typeof node === 'object' && node !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        if (budget.left <= 0) break;
        out[key] = walk(item);
      }
      return out;
    }
    budget.left -= 1;
    if (budget.left === 0 && typeof node === 'string') return node.slice(0, Math.ceil(node.length / 2));
    return node;
  };
  return walk(value);
}

/** Compose files as a person might write them, with hostile values where a person would not put them. */
export const composeDocument: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    name: projectName,
    services: fc.uniqueArray(serviceName, { minLength: 1, maxLength: 3 }),
    bodies: fc.array(
      fc.record(
        {
          image: fc.constantFrom('nginx:1.27', 'ghcr.io/acme/api:${TAG}', 'redis:7'),
          ports: fc.array(
            fc.oneof(
              fc.constantFrom('80', '8080:80', '127.0.0.1:8080:80', '53/udp', '80-81'),
              fc.record({
                target: fc.integer({ min: 1, max: 65535 }),
                mode: fc.constantFrom('host', 'ingress'),
              }),
            ),
            { maxLength: 2 },
          ),
          environment: fc.oneof(
            fc.dictionary(envVarName, fc.oneof(envValue, fc.constant(null)), { maxKeys: 3 }),
            fc.array(
              fc.tuple(envVarName, envValue).map(([k, v]) => `${k}=${v}`),
              { maxLength: 3 },
            ),
          ),
          deploy: fc.record(
            {
              replicas: fc.oneof(fc.integer({ min: 0, max: 6000 }), hostileNumber),
              resources: fc.record({
                limits: fc.record(
                  {
                    cpus: fc.constantFrom('0.25', '0.5', '1', '4', '16', '17', 0.5),
                    memory: fc.constantFrom('512M', '1G', '2g', '120G', '121G', '1.5g'),
                  },
                  { requiredKeys: [] },
                ),
              }),
            },
            { requiredKeys: [] },
          ),
          command: fc.oneof(
            fc.constantFrom(...INJECTIONS),
            fc.array(fc.constantFrom(...INJECTIONS), { maxLength: 3 }),
          ),
          healthcheck: fc.record({
            test: fc.constantFrom('curl -f http://localhost/', ['CMD', 'true']),
            interval: fc.constantFrom('30s', '1m', '2s', 'soon'),
          }),
          domainname: domainName,
          'x-defang-postgres': fc.constant(true),
        },
        { requiredKeys: ['image'] },
      ),
      { minLength: 3, maxLength: 3 },
    ),
  })
  .map((draft) => ({
    name: draft.name,
    services: Object.fromEntries(
      draft.services.map((name, i) => {
        const body = { ...(draft.bodies[i] as Record<string, unknown>) };
        if (body['x-defang-postgres']) {
          body.image = 'postgres:16';
          delete body.command;
          delete body.healthcheck;
          delete body.deploy;
        }
        return [name, body];
      }),
    ),
  }));
