/**
 * The deployment request: the detail of `Deploy Requested` events
 * (docs/design.md §3), as one zod schema used everywhere — by the CLI, the
 * handlers and the workflows' input. The down request is in
 * core/down-request.ts and what both share in core/request-validation.ts;
 * this module exports them too.
 *
 * Every problem is reported with its field path (`services[2].ports[0]`).
 * Names are DNS-safe, and every AWS name derived from them is checked against
 * its limit here, so a request that validates never fails later on a name.
 */
import * as z from 'zod/mini';
import { wiringProblems } from './app-wiring.ts';
import { CACHE_ENGINES, cacheVersionProblem } from './cache-engines.ts';
import { parseDuration } from './duration.ts';
import { ENVIRONMENT_VARIABLE_NAME, notAnEnvironmentVariableName } from './environment-variable-name.ts';
import { formatPath } from './errors.ts';
import { fargateSizeHint, isFargateSize } from './fargate.ts';
import {
  cacheNameRules,
  databaseNameRules,
  environmentNameRules,
  environmentNames,
  firstTooLong,
  type NameRule,
  publicZoneName,
  serviceNameRules,
} from './names.ts';
import { MODES, type Mode, modeHint, OverridesSchema, parseMode, weakensProductionData } from './policy.ts';
import {
  DeploymentIdSchema,
  EnvironmentNameSchema,
  ProjectNameSchema,
  parseWith,
  quoted,
  ServiceNameSchema,
} from './request-validation.ts';
import './zod-locale.ts';
import { vpcCidrProblem } from './vpc-cidr.ts';

export { type DownRequest, DownRequestSchema, parseDownRequest } from './down-request.ts';
export {
  DeploymentIdSchema,
  EnvironmentNameSchema,
  ProjectNameSchema,
  problemsFromZod,
  RequestValidationError,
  ServiceNameSchema,
} from './request-validation.ts';

/** Limits of one request, chosen to stay inside AWS's quotas. */
export const REQUEST_LIMITS = {
  /** Services and databases in one environment. */
  maxServices: 1000,
  /** ECS's limit on tasks per service. */
  maxReplicas: 5000,
  maxPortsPerService: 32,
  /** Bytes of environment names and values per service (a task definition holds 64 KiB). */
  maxEnvironmentBytes: 32 * 1024,
  /**
   * Bytes of a service's environment, secrets, command, entrypoint and health-check command as
   * ECS receives them (JSON): a task definition holds 64 KiB, and the rest of it stays under 8 KiB.
   */
  maxContainerTextBytes: 56 * 1024,
  /** Zones one request may adopt: each public domain's zone and the zone it is delegated from. */
  maxAdoptedZones: 10,
  minTtlMs: 5 * 60_000,
  maxTtlMs: 365 * 86_400_000,
} as const;

/** An email address, as SNS's email protocol takes it. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** An SNS standard topic's ARN. */
export const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** A role under `/modeshift-app/` (core/iam/app-boundary.ts `APP_ROLE_PATH`). */
const APP_ROLE_ARN =
  /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/modeshift-app\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** An AWS managed or customer managed policy. */
const MANAGED_POLICY_ARN =
  /^arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE_REF =
  /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\s\0]+$/;

/** Refuses the value a transform was given: the transform's result is then not used. */
function refuse(ctx: z.core.ParsePayload, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return z.NEVER;
}

export const ModeInputSchema = z.pipe(
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'expected a mode as a string') }),
  z.transform((value: string, ctx): Mode => {
    const mode = parseMode(value);
    return mode ?? refuse(ctx, `${quoted(value)} is not a mode (${modeHint()})`);
  }),
);

export const DomainSchema = z
  .pipe(
    z.string(),
    z.transform((value: string) => value.trim().toLowerCase().replace(/\.$/, '')),
  )
  .check(
    z.refine((value) => HOSTNAME.test(value), {
      error: (issue) => `${quoted(issue.input)} is not a domain name (e.g. shop.example.com)`,
    }),
  );

const PORT_FORMS = 'expected 80, 80/tcp or 80/udp';

/** A container port: `80`, `"80/tcp"`, `"53/udp"` or `{ target, protocol }`. */
export const PortSchema = z.pipe(
  z.unknown(),
  z.transform((value: unknown, ctx) => {
    let target: unknown = value;
    let protocol: unknown = 'tcp';
    if (typeof value === 'string') {
      const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(value.trim());
      if (match) {
        target = Number(match[1]);
        protocol = match[2] ?? 'tcp';
      } else target = undefined;
    } else if (typeof value === 'object' && value !== null) {
      const port = value as Record<string, unknown>;
      const unknownKeys = Object.keys(port).filter((key) => key !== 'target' && key !== 'protocol');
      if (unknownKeys.length > 0) {
        return refuse(ctx, `unknown field ${quoted(unknownKeys[0])} (a port has target and protocol)`);
      }
      target = port.target;
      protocol = port.protocol ?? 'tcp';
    }
    if (!Number.isInteger(target) || (target as number) < 1 || (target as number) > 65535) {
      return refuse(ctx, `${quoted(value)} is not a valid port (${PORT_FORMS})`);
    }
    if (protocol !== 'tcp' && protocol !== 'udp') {
      return refuse(ctx, `${quoted(value)} is not a valid port (${PORT_FORMS})`);
    }
    return { target: target as number, protocol: protocol as 'tcp' | 'udp' };
  }),
);

/** A whole number from `min` to `max`. */
const wholeNumber = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

export const HealthCheckSchema = z.strictObject({
  command: z.array(z.string().check(z.minLength(1))).check(
    z.minLength(2, { error: 'expected ["CMD", "executable", ...] or ["CMD-SHELL", "command"]' }),
    z.refine((command) => command[0] === 'CMD' || command[0] === 'CMD-SHELL', {
      error: (issue) => `${quoted((issue.input as string[])[0])} must be "CMD" or "CMD-SHELL"`,
    }),
  ),
  intervalSeconds: z._default(wholeNumber(5, 300), 30),
  timeoutSeconds: z._default(wholeNumber(2, 60), 5),
  retries: z._default(wholeNumber(1, 10), 3),
  startPeriodSeconds: z._default(wholeNumber(0, 300), 0),
});

export const LoadBalancerCheckSchema = z.strictObject({
  path: z.string().check(
    z.maxLength(1024),
    z.regex(/^\/[\x21-\x7e]*$/, {
      error: (issue) => `${quoted(issue.input)} is not a URL path (it starts with / and has no spaces)`,
    }),
  ),
  /** The container port checked. @default the port traffic goes to */
  port: z.optional(wholeNumber(1, 65535)),
});

export const BuildSchema = z.strictObject({
  context: z.string().check(
    z.regex(S3_URL, {
      error: (issue) => `${quoted(issue.input)} is not an S3 URL of the build context (s3://bucket/key)`,
    }),
  ),
  dockerfile: z._default(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(1024),
        z.regex(/^[^\0\n]+$/, { error: 'must be a single-line path' }),
      ),
    'Dockerfile',
  ),
  args: z.optional(
    z.record(
      z.string().check(z.regex(ENVIRONMENT_VARIABLE_NAME, { error: 'is not a build argument name' })),
      z.string(),
    ),
  ),
  /**
   * Build args read from config values: each is the name of an arg and of the config value
   * (`/modeshift/<project>/<environment>/NAME`) CodeBuild reads it from, so its value is never in
   * the request or the build's settings. @default none
   */
  configArgs: z.optional(
    z
      .array(z.string().check(z.regex(ENVIRONMENT_VARIABLE_NAME, { error: 'is not a build argument name' })))
      .check(z.maxLength(100)),
  ),
  target: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][\w.-]*$/))),
  /**
   * The image's tag: the digest of what decides the image (core/build-digest.ts), which the CLI
   * computes from a local context. An image of that tag in the service's repository is not built
   * again. @default the deployment id (a context uploaded by someone else, whose content is unknown)
   */
  imageTag: z.optional(
    z.string().check(
      z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
        error: (issue) =>
          `${quoted(issue.input)} is not an image tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')`,
      }),
    ),
  ),
});

/** An environment variable name: letters, digits and `_`, not starting with a digit. */
export const EnvironmentVariableName = z
  .string()
  .check(z.regex(ENVIRONMENT_VARIABLE_NAME, { error: (issue) => notAnEnvironmentVariableName(issue.input) }));

export const ServiceSchema = z
  .strictObject({
    name: ServiceNameSchema,
    image: z.optional(
      z.string().check(
        z.maxLength(512),
        z.regex(IMAGE_REF, {
          error: (issue) => `${quoted(issue.input)} is not an image reference (e.g. nginx:1.27)`,
        }),
      ),
    ),
    build: z.optional(BuildSchema),
    /** CPU units, 1024 per vCPU. @default 256 */
    cpu: z._default(z.number().check(z.int()), 256),
    /** Memory in MiB. @default 512 */
    memory: z._default(z.number().check(z.int()), 512),
    replicas: z._default(
      z.number({ error: 'must be a number' }).check(
        z.int({ error: (issue) => `${quoted(issue.input)} is not a whole number` }),
        z.minimum(0, { error: (issue) => `${quoted(issue.input)} is below 0` }),
        z.maximum(REQUEST_LIMITS.maxReplicas, {
          error: (issue) =>
            `${quoted(issue.input)} is above ${REQUEST_LIMITS.maxReplicas}, ECS's limit of tasks per service`,
        }),
      ),
      1,
    ),
    ports: z._default(z.array(PortSchema).check(z.maxLength(REQUEST_LIMITS.maxPortsPerService)), []),
    public: z._default(z.boolean(), false),
    healthCheck: z.optional(HealthCheckSchema),
    /** The load balancer's health check of a public service. @default path "/" on the service's first tcp port */
    loadBalancerCheck: z.optional(LoadBalancerCheckSchema),
    environment: z._default(
      z.record(
        EnvironmentVariableName,
        z
          .string()
          .check(z.refine((value) => !value.includes('\0'), { error: 'must not contain a NUL character' })),
      ),
      {},
    ),
    /**
     * Names of environment variables whose values are read at task start: a managed database's
     * password or a config value (core/app-wiring.ts).
     */
    secrets: z._default(z.array(EnvironmentVariableName), []),
    dependsOn: z._default(
      z.array(z.string()).check(
        z.maxLength(REQUEST_LIMITS.maxServices, {
          error: `lists more than ${REQUEST_LIMITS.maxServices} dependencies`,
        }),
      ),
      [],
    ),
    command: z.optional(z.array(z.string())),
    entrypoint: z.optional(z.array(z.string())),
    /** The domain this public service answers on; defaults to the request's `domain`. */
    domainname: z.optional(DomainSchema),
    /**
     * `once`: a task run to completion with the new image before the services roll out (a
     * migration), not a long-running service. @default a long-running service
     */
    run: z.optional(
      z.literal('once', {
        error: (issue) =>
          `${quoted(issue.input)} is not a way to run a service: "once" runs it to completion before the services roll out`,
      }),
    ),
    /**
     * A scheduled job: an EventBridge Scheduler expression, `cron(…)` (six fields, UTC) or
     * `rate(…)`, on which one task of the service runs; not a long-running service.
     * @default a long-running service
     */
    /**
     * A pre-created task role: the app's AWS credentials, as the platform team made them, under
     * the path `/modeshift-app/` (the only roles modeshift may hand a task). @default none
     */
    role: z.optional(
      z.string().check(
        z.regex(APP_ROLE_ARN, {
          error: (issue) =>
            `${quoted(issue.input)} is not a role under /modeshift-app/ (arn:aws:iam::<account>:role/modeshift-app/<name>): modeshift hands a task only roles created for its apps`,
        }),
      ),
    ),
    /**
     * Managed policies for a task role modeshift creates under its app boundary (not in
     * production: there, `role`). At most 10, IAM's default per role. @default none
     */
    policies: z.optional(
      z
        .array(
          z.string().check(
            z.regex(MANAGED_POLICY_ARN, {
              error: (issue) =>
                `${quoted(issue.input)} is not a managed policy ARN (arn:aws:iam::aws:policy/… or arn:aws:iam::<account>:policy/…)`,
            }),
          ),
        )
        .check(
          z.maxLength(10, {
            error: 'lists more than 10 policies, the most IAM attaches to one role by default',
          }),
        ),
    ),
    /**
     * Autoscaling bounds: turns autoscaling on in any mode (core/autoscaling.ts). `min` defaults
     * to the replicas, `max` to the replicas times the mode's `autoscalingMaxFactor`, `cpu` (target
     * average CPU, %) to its `autoscalingCpuPercent`. @default the mode's autoscaling
     */
    scaling: z.optional(
      z.strictObject({
        min: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(REQUEST_LIMITS.maxReplicas))),
        max: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(REQUEST_LIMITS.maxReplicas))),
        cpu: z.optional(
          z
            .number()
            .check(
              z.int(),
              z.minimum(10, 'expected 10 to 90 (% average CPU the scaling keeps the service at)'),
              z.maximum(90, 'expected 10 to 90 (% average CPU the scaling keeps the service at)'),
            ),
        ),
      }),
    ),
    schedule: z.optional(
      z.string().check(
        z.superRefine((value, ctx) => {
          const problem = scheduleExpressionProblem(value);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${quoted(value)} ${problem}` });
        }),
      ),
    ),
  })
  .check(
    z.superRefine((service, ctx) => {
      if ((service.image === undefined) === (service.build === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['image'],
          message: 'a service needs exactly one of image or build',
        });
      }
      if (!isFargateSize(service.cpu, service.memory)) {
        ctx.addIssue({
          code: 'custom',
          path: ['memory'],
          message: `cpu ${service.cpu} with memory ${service.memory} MiB is not a Fargate size (${fargateSizeHint(service.cpu)})`,
        });
      }
      if (service.role !== undefined && service.policies !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies'],
          message: 'a service takes a pre-created role or policies for a role modeshift creates, not both',
        });
      }
      const { scaling } = service;
      if (scaling?.min !== undefined && scaling.max !== undefined && scaling.min > scaling.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['scaling', 'min'],
          message: `${scaling.min} is above max ${scaling.max}`,
        });
      }
      if (scaling !== undefined && (service.schedule !== undefined || service.run === 'once')) {
        ctx.addIssue({
          code: 'custom',
          path: ['scaling'],
          message: 'a run-once task or a scheduled job runs one task to completion: it does not scale',
        });
      }
      if (service.schedule !== undefined && service.run === 'once') {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule'],
          message: 'a service runs once before the rollout or on a schedule, not both',
        });
      }
      if (service.schedule !== undefined && service.public) {
        ctx.addIssue({
          code: 'custom',
          path: ['public'],
          message: 'a scheduled job runs to completion and takes no traffic: it cannot be public',
        });
      }
      if (service.run === 'once' && service.public) {
        ctx.addIssue({
          code: 'custom',
          path: ['public'],
          message: 'a run-once service runs to completion and takes no traffic: it cannot be public',
        });
      }
      if (service.public && !service.ports.some((port) => port.protocol === 'tcp')) {
        ctx.addIssue({
          code: 'custom',
          path: ['public'],
          message: 'a public service needs a tcp port for the load balancer to send traffic to',
        });
      }
      const bytes = Object.entries(service.environment).reduce(
        (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
        0,
      );
      if (bytes > REQUEST_LIMITS.maxEnvironmentBytes) {
        ctx.addIssue({
          code: 'custom',
          path: ['environment'],
          message: `${bytes} bytes of environment variables exceed ${REQUEST_LIMITS.maxEnvironmentBytes} (a task definition holds 64 KiB)`,
        });
      }
      const duplicate = service.secrets.find((name) => Object.hasOwn(service.environment, name));
      if (duplicate !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets'],
          message: `${quoted(duplicate)} is both a secret and a plain environment value`,
        });
      }
    }),
  );

const RATE_UNITS = ['minute', 'hour', 'day'];

/**
 * What EventBridge Scheduler would refuse in a recurring expression, checked here so that a deploy
 * fails before it changes anything: `cron(minutes hours day-of-month month day-of-week year)` with
 * `?` in exactly one of the two day fields, or `rate(N unit)` with the unit singular for 1.
 */
export function scheduleExpressionProblem(value: string): string | undefined {
  const cron = /^cron\((.*)\)$/.exec(value);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6)
      return `has ${fields.length} cron fields, not 6 (minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *)`;
    if ((fields[2] === '?') === (fields[4] === '?'))
      return 'needs ? in exactly one of day-of-month and day-of-week, e.g. cron(0 3 * * ? *)';
    if (!fields.every((field) => /^[\w*?,/#-]+$/.test(field)))
      return 'has a cron field with characters cron does not take';
    return undefined;
  }
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(value);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] ?? '';
    const singular = unit.replace(/s$/, '');
    if (count < 1 || !RATE_UNITS.includes(singular))
      return 'is not a rate: a whole number ≥ 1 and minute(s), hour(s) or day(s), e.g. rate(15 minutes)';
    if ((count === 1) !== (unit === singular))
      return `needs "${count === 1 ? singular : `${singular}s`}" for ${count}`;
    return undefined;
  }
  return 'is not a schedule: cron(…) with six fields, e.g. cron(0 3 * * ? *), or rate(…), e.g. rate(1 hour)';
}

/** A snapshot identifier (or an ARN) to restore from: letters, digits, hyphens, colons and slashes. */
function SnapshotIdSchema(what: string) {
  return z.string().check(
    z.regex(/^[A-Za-z][A-Za-z0-9:/._-]{0,1023}$/, {
      error: (issue) => `${quoted(issue.input)} is not ${what}`,
    }),
  );
}

export const DatabaseSchema = z.strictObject({
  name: ServiceNameSchema,
  engine: z._default(z.literal('postgres', { error: 'only "postgres" is supported' }), 'postgres'),
  /** Major (or major.minor) engine version. @default "16" */
  version: z._default(
    z.string().check(
      z.regex(/^\d{1,2}(?:\.\d{1,2})?$/, {
        error: (issue) => `${quoted(issue.input)} is not a Postgres version (e.g. 16 or 16.4)`,
      }),
    ),
    '16',
  ),
  /** Allocated storage in GiB. @default 20 */
  storageGiB: z._default(wholeNumber(20, 65536), 20),
  databaseName: z._default(
    z.string().check(
      z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, {
        error: (issue) => `${quoted(issue.input)} is not a database name`,
      }),
    ),
    'postgres',
  ),
  username: z._default(
    z.string().check(
      z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, {
        error: (issue) => `${quoted(issue.input)} is not a database user name`,
      }),
      z.refine((name) => name.toLowerCase() !== 'rdsadmin', { error: '"rdsadmin" is reserved by RDS' }),
    ),
    'postgres',
  ),
  /**
   * A snapshot to create the database from (an RDS snapshot identifier or ARN), when it does not
   * exist yet: a deploy never restores over an existing database.
   */
  snapshot: z.optional(SnapshotIdSchema('an RDS snapshot identifier')),
});

/**
 * A managed cache (compose `x-defang-redis`): an ElastiCache replication group running Redis OSS
 * or Valkey, in the environment's private subnets, reached by its name as under compose.
 */
export const CacheSchema = z
  .strictObject({
    name: ServiceNameSchema,
    engine: z._default(
      z.enum(CACHE_ENGINES, { error: `expected one of ${CACHE_ENGINES.join(', ')}` }),
      'redis',
    ),
    /** `major.minor`, one ElastiCache offers for the engine. @default the engine's newest */
    version: z.optional(
      z.string().check(
        z.regex(/^\d{1,2}\.\d{1,2}$/, {
          error: (issue) => `${quoted(issue.input)} is not an engine version (e.g. 7.1)`,
        }),
      ),
    ),
    /** A snapshot to create the cache from (an ElastiCache snapshot name), when it does not exist yet. */
    snapshot: z.optional(SnapshotIdSchema('an ElastiCache snapshot name')),
  })
  .check(
    z.superRefine((cache, ctx) => {
      if (cache.version === undefined) return;
      const problem = cacheVersionProblem(cache.engine, cache.version);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['version'], message: problem });
    }),
  );

export const TtlSchema = z.string().check(
  z.superRefine((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${quoted(value)} is not a duration (e.g. 30m, 24h, 7d)` });
    } else if (ms < REQUEST_LIMITS.minTtlMs || ms > REQUEST_LIMITS.maxTtlMs) {
      ctx.addIssue({ code: 'custom', message: `${quoted(value)} is outside 5m to 365d` });
    }
  }),
);

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;

/** Two to six distinct subnet ids. */
const SubnetIdsSchema = z
  .array(
    z.string().check(
      z.regex(/^subnet-[0-9a-f]{8,17}$/, {
        error: (issue) => `${quoted(issue.input)} is not a subnet id (subnet-0123abcd…)`,
      }),
    ),
  )
  .check(
    z.minLength(2, { error: 'needs at least two subnets, in two availability zones' }),
    z.maxLength(6, { error: 'lists more than six subnets' }),
    z.refine((ids) => new Set(ids).size === ids.length, { error: 'lists a subnet twice' }),
  );

/** A team's own VPC and its subnets, as modeshift passes it on (the request's `vpc`). */
export interface TeamVpc {
  readonly id: string;
  readonly publicSubnets: readonly string[];
  readonly privateSubnets: readonly string[];
}

/** A team's own VPC and its subnets (the request's `vpc`, or `MODESHIFT_VPC` of the installation). */
export const OwnVpcSchema = z.strictObject({
  id: z
    .string()
    .check(z.regex(VPC_ID, { error: (issue) => `${quoted(issue.input)} is not a VPC id (vpc-0123abcd…)` })),
  publicSubnets: SubnetIdsSchema,
  privateSubnets: SubnetIdsSchema,
});

const DeployRequestObject = z.strictObject({
  project: ProjectNameSchema,
  environment: EnvironmentNameSchema,
  mode: ModeInputSchema,
  deploymentId: DeploymentIdSchema,
  services: z.array(ServiceSchema).check(z.maxLength(REQUEST_LIMITS.maxServices)),
  databases: z._default(z.array(DatabaseSchema).check(z.maxLength(REQUEST_LIMITS.maxServices)), []),
  /** Managed caches (ElastiCache for Redis OSS or Valkey). @default [] */
  caches: z._default(z.array(CacheSchema).check(z.maxLength(REQUEST_LIMITS.maxServices)), []),
  domain: z.optional(DomainSchema),
  ttl: z.optional(TtlSchema),
  overrides: z.optional(OverridesSchema),
  force: z._default(z.boolean(), false),
  /**
   * The environment's name, to do on purpose what can lose production data: a forced production →
   * development change, or a production override that weakens data protection.
   */
  confirm: z.optional(z.string().check(z.maxLength(64))),
  /**
   * Public hosted zones that modeshift did not create but may write into, each named on purpose
   * (`--adopt-zone`): the environment's own zone, or the domain's zone its delegation goes into. In
   * an adopted zone modeshift writes only records marked as the environment's (a TXT ownership
   * record), never over another's record and never at the apex unless `adoptApex`; down removes only
   * those. A zone that is neither created by the environment nor adopted is never written to.
   * @default []
   */
  adoptZones: z._default(z.array(DomainSchema).check(z.maxLength(REQUEST_LIMITS.maxAdoptedZones)), []),
  /** Whether modeshift may write the apex record of an adopted zone (`--adopt-apex`). @default false */
  adoptApex: z._default(z.boolean(), false),
  /**
   * Development only: the scheduled jobs' schedules are created disabled (`--pause-schedules`), so
   * that a preview environment runs no job until someone runs one (`modeshift run`). @default false:
   * an environment runs its jobs as the app will, and a broken job shows before staging
   */
  pauseSchedules: z.optional(z.boolean()),
  /**
   * Who the deployment alarms tell (`deploymentAlarms`; `--notify`): email addresses, subscribed
   * to the environment's SNS topic, or one existing SNS topic ARN, which is used instead.
   * @default [] (the environment's topic, with no one subscribed)
   */
  notify: z.optional(
    z
      .array(
        z.string().check(
          z.refine((value) => EMAIL.test(value) || SNS_TOPIC_ARN.test(value), {
            error: (issue) =>
              `${quoted(issue.input)} is neither an email address nor an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`,
          }),
        ),
      )
      .check(
        z.maxLength(10, { error: 'lists more than 10 recipients' }),
        z.refine((values) => values.filter((value) => SNS_TOPIC_ARN.test(value)).length <= 1, {
          error: 'names more than one SNS topic: the alarms tell one topic',
        }),
        z.refine(
          (values) =>
            !values.some((value) => SNS_TOPIC_ARN.test(value)) ||
            values.every((value) => SNS_TOPIC_ARN.test(value)),
          {
            error: 'mixes a topic ARN with email addresses: subscribe the addresses to that topic yourself',
          },
        ),
      ),
  ),
  /**
   * The address range of the environment's VPC when modeshift creates it (`--vpc-cidr`): a private
   * block of /16 to /24 that no other environment's VPC overlaps. An existing VPC keeps its range.
   * @default a free /16 of 10.0.0.0/8 (core/vpc-cidr.ts)
   */
  vpcCidr: z.optional(
    z.string().check(
      z.superRefine((value, ctx) => {
        const problem = vpcCidrProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
  ),
  /**
   * A VPC of the team's to deploy into instead of one modeshift creates (`--vpc`, `--public-subnet`,
   * `--private-subnet`): modeshift creates only the environment's security groups in it, no NAT
   * gateway and no route, and never deletes the VPC or its subnets. The subnets of each kind span
   * at least two availability zones (checked against the account before anything changes); the
   * private ones need their own way out (a NAT gateway or endpoints) where the mode runs tasks there.
   */
  vpc: z.optional(OwnVpcSchema),
});

export const DeployRequestSchema = DeployRequestObject.check(
  z.superRefine((request, ctx) => {
    for (const problem of crossFieldProblems(request)) ctx.addIssue({ code: 'custom', ...problem });
  }),
);

export type DeployRequest = z.output<typeof DeployRequestSchema>;
export type DeployRequestInput = z.input<typeof DeployRequestSchema>;
export type Service = DeployRequest['services'][number];
export type Database = DeployRequest['databases'][number];
export type Cache = DeployRequest['caches'][number];
export type Port = Service['ports'][number];

/** Whether the service runs as an ECS service: not once before the rollout and not on a schedule. */
export function isLongRunning(service: Pick<Service, 'run' | 'schedule'>): boolean {
  return service.run !== 'once' && service.schedule === undefined;
}

interface PathProblem {
  path: PropertyKey[];
  message: string;
}

/**
 * Overrides that could lose data: encryption at rest can never be turned off (RDS cannot encrypt an
 * instance again in place), and in production a protection can be turned off only with `confirm`
 * naming the environment.
 */
function dataProtectionProblems(request: z.output<typeof DeployRequestObject>): PathProblem[] {
  const overrides = (request.overrides ?? {}) as Record<string, unknown>;
  const problems: PathProblem[] = [];
  if (overrides.storageEncrypted === false) {
    problems.push({
      path: ['overrides', 'storageEncrypted'],
      message:
        'cannot be turned off: databases are always encrypted at rest (RDS cannot encrypt an instance again in place, and the AWS-managed key costs nothing)',
    });
  }
  if (request.mode !== 'production' || request.confirm === request.environment) return problems;
  for (const [setting, value] of Object.entries(overrides)) {
    if (!weakensProductionData(setting, value)) continue;
    problems.push({
      path: ['overrides', setting],
      message: `${String(value)} weakens the protection of production data; to do it on purpose, confirm with the environment's name (confirm: ${quoted(request.environment)}, --confirm ${request.environment})`,
    });
  }
  return problems;
}

/** Checks that span fields: unique names, references, cycles, derived AWS names. */
function crossFieldProblems(request: z.output<typeof DeployRequestObject>): PathProblem[] {
  const problems: PathProblem[] = [];
  const { project, environment } = request;
  if (request.vpc !== undefined && request.vpcCidr !== undefined)
    problems.push({
      path: ['vpcCidr'],
      message: `the environment runs in ${request.vpc.id}, whose ranges are its own: name vpc or vpcCidr, not both`,
    });
  if (request.vpc !== undefined) {
    const publicIds = new Set(request.vpc.publicSubnets);
    request.vpc.privateSubnets.forEach((id, i) => {
      if (publicIds.has(id))
        problems.push({ path: ['vpc', 'privateSubnets', i], message: `${id} is listed as public too` });
    });
  }
  const owners = new Map<string, string>();
  const entries = [
    ...request.services.map((service, i) => ({ name: service.name, path: ['services', i, 'name'] })),
    ...request.databases.map((database, i) => ({ name: database.name, path: ['databases', i, 'name'] })),
    ...request.caches.map((cache, i) => ({ name: cache.name, path: ['caches', i, 'name'] })),
  ];
  for (const { name, path } of entries) {
    const first = owners.get(name);
    if (first !== undefined) problems.push({ path, message: `${quoted(name)} is already used by ${first}` });
    else owners.set(name, formatPath(path.slice(0, 2)));
  }

  request.services.forEach((service, i) => {
    service.dependsOn.forEach((dependency, j) => {
      if (service.dependsOn.indexOf(dependency) !== j) {
        problems.push({
          path: ['services', i, 'dependsOn', j],
          message: `${quoted(dependency)} is listed twice`,
        });
      } else if (dependency === service.name) {
        problems.push({
          path: ['services', i, 'dependsOn', j],
          message: `${quoted(dependency)} is the service itself`,
        });
      } else if (!owners.has(dependency)) {
        problems.push({
          path: ['services', i, 'dependsOn', j],
          message: `${quoted(dependency)} is not a service, database or cache of this request`,
        });
      }
    });
  });
  if (request.services.length > 0 && !request.services.some(isLongRunning))
    problems.push({
      path: ['services'],
      message: 'every service runs once or on a schedule: at least one must be a long-running service',
    });
  // A run-once task runs before any service rolls out: it cannot wait for one.
  const longRunning = new Set(request.services.filter(isLongRunning).map((service) => service.name));
  // A scheduled job runs on its own clock: nothing can wait for it.
  const jobs = new Set(
    request.services.filter((service) => service.schedule !== undefined).map((service) => service.name),
  );
  request.services.forEach((service, i) => {
    service.dependsOn.forEach((dependency, j) => {
      if (!jobs.has(dependency)) return;
      problems.push({
        path: ['services', i, 'dependsOn', j],
        message: `${quoted(dependency)} is a scheduled job: it runs on its schedule, not before other services start, so nothing can depend on it`,
      });
    });
  });
  // Production runs only roles the platform team made and reviewed: a managed policy is read by no
  // one at deploy time, and AWS's own carry wildcard actions (AmazonS3FullAccess is s3:*).
  if (request.mode === 'production')
    request.services.forEach((service, i) => {
      if (service.policies === undefined) return;
      problems.push({
        path: ['services', i, 'policies'],
        message:
          'production takes only a pre-created role (x-modeshift.role, under /modeshift-app/), not policies: its permissions are reviewed and owned by the team, not attached at deploy time',
      });
    });
  if (request.pauseSchedules && request.mode !== 'development')
    problems.push({
      path: ['pauseSchedules'],
      message:
        'only a development environment may pause its scheduled jobs: in staging and production a paused job is a job that silently does not run',
    });
  request.services.forEach((service, i) => {
    if (service.run !== 'once') return;
    service.dependsOn.forEach((dependency, j) => {
      if (!longRunning.has(dependency)) return;
      problems.push({
        path: ['services', i, 'dependsOn', j],
        message: `${quoted(dependency)} is a long-running service: a run-once service runs before every service rolls out, so it can depend only on databases, caches and other run-once services`,
      });
    });
  });
  const cycle = findDependencyCycle(request.services);
  if (cycle) {
    const index = request.services.findIndex((service) => service.name === cycle[0]);
    problems.push({
      path: ['services', index, 'dependsOn'],
      message: `dependency cycle: ${cycle.join(' → ')}`,
    });
  }

  problems.push(...dataProtectionProblems(request));

  request.services.forEach((service, i) => {
    for (const problem of wiringProblems(service, request.databases)) {
      problems.push({
        path: ['services', i, 'secrets', service.secrets.indexOf(problem.secret)],
        message: problem.message,
      });
    }
    const check = service.loadBalancerCheck;
    if (check?.port !== undefined && !service.ports.some((port) => port.target === check.port)) {
      problems.push({
        path: ['services', i, 'loadBalancerCheck', 'port'],
        message: `${check.port} is not one of the service's ports (${service.ports.map((port) => port.target).join(', ') || 'none'})`,
      });
    }
  });

  const { secretsPath } = environmentNames(project, environment);
  request.services.forEach((service, i) => {
    const bytes = containerTextBytes(service, secretsPath);
    if (bytes > REQUEST_LIMITS.maxContainerTextBytes) {
      problems.push({
        path: ['services', i],
        message: `its environment, secrets, command, entrypoint and health check come to ${bytes} bytes as ECS receives them, over ${REQUEST_LIMITS.maxContainerTextBytes} (a task definition holds 64 KiB); move large values into the image or Parameter Store`,
      });
    }
  });

  const nameProblem = (path: PropertyKey[], broken: NameRule | undefined, subject: string) => {
    if (broken) {
      problems.push({
        path,
        message: `${subject} makes the ${broken.what} "${broken.value}" ${broken.value.length} characters long (AWS allows ${broken.maxLength}); use shorter names`,
      });
    }
  };
  nameProblem(
    ['environment'],
    firstTooLong(environmentNameRules(project, environment)),
    `project "${project}" with environment "${environment}"`,
  );
  const reserved = reservedPrefixUse(project, environment);
  if (reserved) {
    problems.push({
      path: ['project'],
      message: `project "${project}" with environment "${environment}" makes the ${reserved.what} "${reserved.value}", and AWS refuses names starting with "${reserved.prefix}"; use another project name`,
    });
  }
  request.services.forEach((service, i) => {
    nameProblem(
      ['services', i, 'name'],
      firstTooLong(serviceNameRules(project, environment, service.name)),
      `"${service.name}"`,
    );
  });
  request.databases.forEach((database, i) => {
    nameProblem(
      ['databases', i, 'name'],
      firstTooLong(databaseNameRules(project, environment, database.name)),
      `"${database.name}"`,
    );
  });
  request.caches.forEach((cache, i) => {
    nameProblem(
      ['caches', i, 'name'],
      firstTooLong(cacheNameRules(project, environment, cache.name)),
      `"${cache.name}"`,
    );
  });

  const domains: Array<[PropertyKey[], string]> = [];
  if (request.domain) domains.push([['domain'], request.domain]);
  request.services.forEach((service, i) => {
    if (service.domainname) domains.push([['services', i, 'domainname'], service.domainname]);
  });
  // Outside production the zone is `<environment>.<domain>`, the longest it gets: checking it covers every mode.
  const longDomains = new Set<string>();
  for (const [path, domain] of domains) {
    const zone = publicZoneName(domain, environment, false);
    // The environment's certificate names the zone and its wildcard, `*.<zone>`.
    if (zone.length + 2 > 253) {
      longDomains.add(domain);
      problems.push({
        path,
        message: `the environment's zone "${zone}" is ${zone.length} characters; with its certificate's wildcard "*." it must stay within 253 (use a shorter domain or environment name)`,
      });
    }
  }
  const stores = request.databases.length + request.caches.length;
  if (request.services.length + stores > REQUEST_LIMITS.maxServices) {
    problems.push({
      path: ['services'],
      message: `${request.services.length} services and ${stores} databases and caches make more than ${REQUEST_LIMITS.maxServices} in one environment`,
    });
  }
  // The load balancer routes public services by host name; only a lone public service can do without one
  // (it answers on the load balancer's own name). Any other would be created and never reached.
  const publicServices = request.services.filter((service) => service.public);
  if (publicServices.length > 1 && request.domain === undefined) {
    request.services.forEach((service, i) => {
      if (!service.public || service.domainname !== undefined) return;
      problems.push({
        path: ['services', i, 'domainname'],
        message: `is missing: "${service.name}" is one of ${publicServices.length} public services, which the load balancer tells apart by host name; give it a domainname, or give the request a domain (each service then answers on <service>.<domain>)`,
      });
    });
  }
  // One public zone per distinct domain of the public services; the environment's certificate names each
  // zone and its wildcard, and ACM issues at most 10 names per certificate unless the quota is raised.
  const zoneDomains = new Map<string, PropertyKey[]>();
  request.services.forEach((service, i) => {
    const domain = service.domainname ?? request.domain;
    if (!service.public || domain === undefined || zoneDomains.has(domain)) return;
    zoneDomains.set(domain, service.domainname !== undefined ? ['services', i, 'domainname'] : ['domain']);
  });
  problems.push(...adoptionProblems(request, [...zoneDomains.keys()]));
  const beyondQuota = [...zoneDomains].slice(MAX_PUBLIC_ZONES);
  for (const [domain, path] of beyondQuota) {
    problems.push({
      path,
      message: `"${domain}" would be the environment's public domain number ${MAX_PUBLIC_ZONES + 1 + beyondQuota.findIndex(([other]) => other === domain)}; its certificate names each domain and its wildcard, and ACM allows ${2 * MAX_PUBLIC_ZONES} names per certificate, so at most ${MAX_PUBLIC_ZONES} distinct domains (share a domain between services as <service>.<domain>)`,
    });
  }
  request.services.forEach((service, i) => {
    const domain = request.domain;
    if (!service.public || service.domainname !== undefined || domain === undefined) return;
    if (longDomains.has(domain)) return;
    const hostname = `${service.name}.${publicZoneName(domain, environment, false)}`;
    if (hostname.length > 253) {
      problems.push({
        path: ['services', i, 'name'],
        message: `makes the public hostname "${hostname}" ${hostname.length} characters long (DNS allows 253); use a shorter service name, domain or environment name`,
      });
    }
  });
  return problems;
}

/**
 * Adoption names zones the deploy writes into: each public domain's zone (the domain itself in
 * production, `<environment>.<domain>` elsewhere) or, outside production, the domain's zone the
 * delegation goes into. The apex is adopted only with a zone to adopt it in.
 */
function adoptionProblems(
  request: z.output<typeof DeployRequestObject>,
  domains: readonly string[],
): PathProblem[] {
  const production = request.mode === 'production';
  const writable = new Set(
    domains.flatMap((domain) => {
      const zone = publicZoneName(domain, request.environment, production);
      return zone === domain ? [zone] : [zone, domain];
    }),
  );
  const problems: PathProblem[] = [];
  request.adoptZones.forEach((zone, i) => {
    if (request.adoptZones.indexOf(zone) !== i) {
      problems.push({ path: ['adoptZones', i], message: `${quoted(zone)} is listed twice` });
    } else if (!writable.has(zone)) {
      problems.push({
        path: ['adoptZones', i],
        message: `${quoted(zone)} is not a zone this deploy writes into (${[...writable].map((name) => quoted(name)).join(', ') || 'none: no public service has a domain'}); adopt only the environment's zone${production ? '' : ' or the domain it is delegated from'}`,
      });
    }
  });
  if (request.adoptApex && request.adoptZones.length === 0) {
    problems.push({
      path: ['adoptApex'],
      message: 'applies to an adopted zone: name the zone in adoptZones (--adopt-zone ZONE)',
    });
  }
  return problems;
}

/** Distinct public domains an environment may have: ACM's default quota of 10 names per certificate, two per zone. */
export const MAX_PUBLIC_ZONES = 5;

/** A service's variable container text as RegisterTaskDefinition carries it, in bytes of JSON. */
function containerTextBytes(service: z.output<typeof ServiceSchema>, secretsPath: string): number {
  return Buffer.byteLength(
    JSON.stringify({
      environment: Object.entries(service.environment).map(([name, value]) => ({ name, value })),
      secrets: service.secrets.map((name) => ({ name, valueFrom: `${secretsPath}${name}` })),
      command: service.command ?? [],
      entryPoint: service.entrypoint ?? [],
      healthCheck: service.healthCheck?.command ?? [],
    }),
  );
}

/** Prefixes AWS refuses at the start of a name, by the names modeshift derives from project and environment. */
function reservedPrefixUse(
  project: string,
  environment: string,
): { what: string; value: string; prefix: string } | undefined {
  const names = environmentNames(project, environment);
  const candidates = [
    { what: 'load balancer name', value: names.loadBalancer, prefixes: ['internal-'] },
    { what: 'security group name', value: names.albSecurityGroup, prefixes: ['sg-'] },
    {
      what: 'S3 access-log bucket name',
      value: `${names.prefix}-lb-logs-<hash>`,
      prefixes: ['sthree-', 'amzn-s3-demo-', 'xn--'],
    },
  ];
  for (const { what, value, prefixes } of candidates) {
    const prefix = prefixes.find((candidate) => value.startsWith(candidate));
    if (prefix !== undefined) return { what, value, prefix };
  }
  return undefined;
}

/** A cycle in the services' dependsOn graph, as a list of names, or undefined. */
export function findDependencyCycle(
  services: ReadonlyArray<{ name: string; dependsOn: readonly string[] }>,
): string[] | undefined {
  const graph = new Map(services.map((service) => [service.name, service.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dependency of graph.get(name) ?? []) {
      if (dependency === name) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const service of services) {
    const cycle = visit(service.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Validates the detail of a `Deploy Requested` event; throws RequestValidationError. */
export function parseDeployRequest(input: unknown): DeployRequest {
  return parseWith(DeployRequestSchema, input);
}

export { MODES };
