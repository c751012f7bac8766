/**
 * The price table `modeshift estimate` and `plan --compare` price a plan with:
 * a dated snapshot of AWS's public on-demand list prices for one region. It is
 * data, not a live lookup, so an estimate is reproducible and works offline;
 * the price of that is that it ages. Every figure can be overridden with a
 * partial table (`--prices FILE.json`) merged over this one.
 */
import * as z from 'zod/mini';
import { InputError, type Problem } from './errors.ts';
import { BUILD_COMPUTE_TYPES } from './policy.ts';
import { problemsFromZod } from './request.ts';
import './zod-locale.ts';

/** A price table: US$ per unit, for one region, as of one date. */
export interface PriceTable {
  readonly region: string;
  /** The day the figures were compiled (YYYY-MM-DD). */
  readonly asOf: string;
  readonly currency: 'USD';
  /** Where the figures come from, and what to keep in mind about them. */
  readonly sources: readonly string[];
  readonly fargate: {
    /** Linux/x86_64 (modeshift's tasks run on linux/x86_64). */
    readonly onDemand: { readonly vcpuHour: number; readonly gbHour: number };
    readonly spot: { readonly vcpuHour: number; readonly gbHour: number };
  };
  readonly natGateway: { readonly hour: number; readonly gbProcessed: number };
  /** Application Load Balancer. */
  readonly loadBalancer: { readonly hour: number; readonly lcuHour: number };
  /** Every public IPv4 address, in use or not (since February 2024). */
  readonly publicIpv4: { readonly hour: number };
  /** AWS WAF: per web ACL and per rule (a managed rule group counts as one), each month. */
  readonly waf: { readonly webAclMonth: number; readonly ruleMonth: number };
  /** Amazon CloudWatch: per standard-resolution (one-minute) metric alarm, each month. */
  readonly cloudwatch: { readonly alarmMonth: number };
  readonly rds: {
    /** PostgreSQL, single-AZ, on-demand, by instance class. */
    readonly instanceHour: Readonly<Record<string, number>>;
    /** Per GB-month of allocated storage; modeshift creates gp3. */
    readonly storageGbMonth: { readonly gp3: number; readonly gp2: number };
  };
  readonly elastiCache: {
    /** Redis OSS node-based clusters, on-demand, per node-hour, by node type. */
    readonly nodeHour: Readonly<Record<string, number>>;
  };
  readonly codeBuild: {
    /** Linux on-demand, per build minute, by compute type. */
    readonly minute: Readonly<Partial<Record<(typeof BUILD_COMPUTE_TYPES)[number], number>>>;
  };
  readonly logs: { readonly ingestionGb: number; readonly storageGbMonth: number };
  readonly route53: { readonly hostedZoneMonth: number };
}

/**
 * us-east-1 list prices, compiled on the date below from AWS's public pricing
 * pages as quoted by the sources listed. A snapshot: AWS changes prices, and
 * Fargate Spot moves with supply and demand. Override any figure with
 * `--prices FILE.json`.
 */
export const BUNDLED_PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-26',
  currency: 'USD',
  sources: [
    'AWS Fargate pricing (aws.amazon.com/fargate/pricing): Linux/x86 on-demand $0.04048 per vCPU-hour, $0.004445 per GB-hour',
    'Fargate Spot is priced dynamically; the figures are a typical us-east-1 value, about 67 % below on-demand',
    'Amazon VPC pricing: NAT gateway $0.045 per hour and per GB processed; public IPv4 address $0.005 per hour',
    'Elastic Load Balancing pricing: Application Load Balancer $0.0225 per hour and $0.008 per LCU-hour',
    'Amazon RDS for PostgreSQL pricing, single-AZ on-demand; gp2/gp3 storage $0.115 per GB-month; a Multi-AZ deployment (one standby) is billed at twice the single-AZ instance and storage prices',
    'db.m7g.large: $0.168 per hour is the list price seen in MySQL price lists; PostgreSQL may differ by a few per cent, so verify it before budgeting',
    'Amazon ElastiCache pricing, Redis OSS node-based on-demand: cache.t4g.micro $0.016, cache.t4g.small $0.032, cache.t4g.medium $0.065, cache.m7g.large $0.158, cache.r7g.large $0.219 per node-hour; Valkey nodes cost 20 % less, so these figures are an upper bound for a Valkey cache',
    'AWS CodeBuild pricing, Linux on-demand: general1.small $0.005, medium $0.01, large $0.02 per minute (XLARGE and 2XLARGE not bundled)',
    'Amazon CloudWatch Logs pricing: standard ingestion $0.50 per GB, storage $0.03 per GB-month',
    'Amazon Route 53 pricing: $0.50 per hosted zone per month (first 25 zones)',
    'AWS WAF pricing: $5.00 per web ACL per month, $1.00 per rule per month (requests, $0.60 per million, are not included)',
    'Amazon CloudWatch pricing: $0.10 per standard-resolution metric alarm per month (the first 10 alarms of the account are free, not applied); SNS email notifications are free for the first 1,000 a month',
    'Free tiers, Savings Plans and reserved capacity are not applied',
  ],
  fargate: {
    onDemand: { vcpuHour: 0.04048, gbHour: 0.004445 },
    spot: { vcpuHour: 0.01334058, gbHour: 0.00146489 },
  },
  natGateway: { hour: 0.045, gbProcessed: 0.045 },
  loadBalancer: { hour: 0.0225, lcuHour: 0.008 },
  publicIpv4: { hour: 0.005 },
  waf: { webAclMonth: 5, ruleMonth: 1 },
  cloudwatch: { alarmMonth: 0.1 },
  rds: {
    instanceHour: {
      'db.t4g.micro': 0.016,
      'db.t4g.small': 0.032,
      'db.t4g.medium': 0.065,
      'db.t4g.large': 0.129,
      'db.m7g.large': 0.168,
    },
    storageGbMonth: { gp3: 0.115, gp2: 0.115 },
  },
  elastiCache: {
    nodeHour: {
      'cache.t4g.micro': 0.016,
      'cache.t4g.small': 0.032,
      'cache.t4g.medium': 0.065,
      'cache.m7g.large': 0.158,
      'cache.r7g.large': 0.219,
    },
  },
  codeBuild: {
    minute: {
      BUILD_GENERAL1_SMALL: 0.005,
      BUILD_GENERAL1_MEDIUM: 0.01,
      BUILD_GENERAL1_LARGE: 0.02,
    },
  },
  logs: { ingestionGb: 0.5, storageGbMonth: 0.03 },
  route53: { hostedZoneMonth: 0.5 },
};

/** A price file that is not a partial price table; each problem names its field. */
export class PriceTableError extends InputError {
  override name = 'PriceTableError';
}

const price = z
  .number({ error: (issue) => `${JSON.stringify(issue.input)} is not a number (US$ per unit)` })
  .check(z.minimum(0, { error: (issue) => `${JSON.stringify(issue.input)} is negative` }));

const perHourAndGb = (a: string, b: string) => z.partial(z.strictObject({ [a]: price, [b]: price }));

/** What a `--prices` file may hold: any part of the table, nothing else. */
export const PriceOverridesSchema = z.partial(
  z.strictObject({
    region: z.string().check(z.minLength(1)),
    asOf: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date, YYYY-MM-DD' })),
    currency: z.literal('USD', { error: 'only "USD" is supported' }),
    sources: z.array(z.string()),
    fargate: z.partial(
      z.strictObject({
        onDemand: perHourAndGb('vcpuHour', 'gbHour'),
        spot: perHourAndGb('vcpuHour', 'gbHour'),
      }),
    ),
    natGateway: perHourAndGb('hour', 'gbProcessed'),
    loadBalancer: perHourAndGb('hour', 'lcuHour'),
    publicIpv4: z.partial(z.strictObject({ hour: price })),
    waf: perHourAndGb('webAclMonth', 'ruleMonth'),
    cloudwatch: z.partial(z.strictObject({ alarmMonth: price })),
    rds: z.partial(
      z.strictObject({
        instanceHour: z.record(
          z.string().check(
            z.regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, {
              error: (issue) =>
                `${JSON.stringify(issue.input)} is not an RDS instance class (e.g. db.r6g.large)`,
            }),
          ),
          price,
        ),
        storageGbMonth: perHourAndGb('gp3', 'gp2'),
      }),
    ),
    elastiCache: z.partial(
      z.strictObject({
        nodeHour: z.record(
          z.string().check(
            z.regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, {
              error: (issue) =>
                `${JSON.stringify(issue.input)} is not an ElastiCache node type (e.g. cache.r7g.large)`,
            }),
          ),
          price,
        ),
      }),
    ),
    codeBuild: z.partial(z.strictObject({ minute: z.partialRecord(z.enum(BUILD_COMPUTE_TYPES), price) })),
    logs: perHourAndGb('ingestionGb', 'storageGbMonth'),
    route53: z.partial(z.strictObject({ hostedZoneMonth: price })),
  }),
);

type PlainObject = { readonly [key: string]: unknown };

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else (numbers, strings, lists) replaces. */
function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/**
 * Merges a partial price table (parsed JSON) over `base`. `source` names the
 * file in every problem, so a person knows where to look.
 */
export function mergePrices(base: PriceTable, overrides: unknown, source: string): PriceTable {
  if (!isPlainObject(overrides)) {
    throw new PriceTableError([{ path: source, message: 'must hold a JSON object (a partial price table)' }]);
  }
  const parsed = PriceOverridesSchema.safeParse(overrides, { reportInput: true });
  if (!parsed.success) {
    const problems: Problem[] = problemsFromZod(parsed.error).map((problem) => ({
      path: problem.path === '' ? source : `${source}: ${problem.path}`,
      message: problem.message,
    }));
    throw new PriceTableError(problems, { cause: parsed.error });
  }
  const merged = deepMerge(
    base as unknown as PlainObject,
    parsed.data as PlainObject,
  ) as unknown as PriceTable;
  return { ...merged, sources: [...merged.sources, `figures from ${source} override the bundled table`] };
}
