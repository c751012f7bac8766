import { describe, expect, it } from 'vitest';
import {
  type Assumptions,
  type CostItem,
  cents,
  DEFAULT_ASSUMPTIONS,
  EstimateError,
  estimateCost,
  type ModeEstimate,
  parseAssumptions,
  parseSharedBy,
} from '../../core/estimate.ts';
import { type Mode, type Overrides, resolvePolicy } from '../../core/policy.ts';
import { BUNDLED_PRICES, mergePrices, type PriceTable, PriceTableError } from '../../core/prices.ts';
import { type DeployRequest, parseDeployRequest } from '../../core/request.ts';

// Every expected figure below is worked out by hand from the bundled us-east-1
// table (Fargate $0.04048/vCPU-h + $0.004445/GB-h, Spot $0.01334058 + $0.00146489,
// NAT $0.045/h + $0.045/GB, ALB $0.0225/h + $0.008/LCU-h, IPv4 $0.005/h,
// db.t4g.micro $0.016/h, db.m7g.large $0.168/h, gp3 $0.115/GB-month, CodeBuild
// small $0.005/min, medium $0.01, large $0.02, Logs $0.50/GB + $0.03/GB-month,
// hosted zone $0.50/month) and the default assumptions (730 h, 20 builds of
// 5 min, 1 GB of logs per service, 10 GB through NAT, 1 LCU, a shared network
// shared by 10 environments). Development and staging go into the project's
// shared network by default, production into a network of its own.

/** web: 0.5 vCPU, 1 GB, 2 replicas, public on 3000, built; worker: 0.25 vCPU, 0.5 GB, 1 replica. */
function shopRequest(extra: Record<string, unknown> = {}): DeployRequest {
  return parseDeployRequest({
    project: 'shop',
    environment: 'pr-42',
    mode: 'development',
    deploymentId: 'd1',
    services: [
      {
        name: 'web',
        build: { context: 's3://artifacts/web.tar.gz' },
        cpu: 512,
        memory: 1024,
        replicas: 2,
        ports: [3000],
        public: true,
      },
      { name: 'worker', image: 'shop/worker:1', cpu: 256, memory: 512, replicas: 1 },
    ],
    databases: [{ name: 'db' }],
    domain: 'shop.example.com',
    ...extra,
  });
}

/** One private service, 0.25 vCPU and 0.5 GB, no database, no domain: the smallest environment. */
function tinyRequest(): DeployRequest {
  return parseDeployRequest({
    project: 'tiny',
    environment: 'main',
    mode: 'development',
    deploymentId: 'd1',
    services: [{ name: 'job', image: 'busybox:1', cpu: 256, memory: 512, replicas: 1 }],
  });
}

function estimate(
  mode: Mode,
  options: {
    request?: DeployRequest;
    overrides?: Overrides;
    assumptions?: Partial<Assumptions>;
    prices?: PriceTable;
  } = {},
): ModeEstimate {
  return estimateCost(
    options.request ?? shopRequest(),
    resolvePolicy(mode, options.overrides ?? {}),
    options.prices ?? BUNDLED_PRICES,
    { ...DEFAULT_ASSUMPTIONS, ...options.assumptions },
  );
}

function line(result: ModeEstimate, resource: string): CostItem {
  const found = result.items.find((item) => item.resource === resource);
  if (!found) throw new Error(`no item "${resource}" in ${result.items.map((i) => i.resource).join(', ')}`);
  return found;
}

const resources = (result: ModeEstimate) => result.items.map((item) => item.resource);

describe('estimate — services (Fargate)', () => {
  it('prices production tasks on demand by vCPU-hour and GB-hour', () => {
    const web = line(estimate('production'), 'service web');

    // 730 h × 2 tasks = 1460 task-hours; 0.5 × 0.04048 + 1 × 0.004445 = 0.024685 per task-hour;
    // 1460 × 0.024685 = 36.0401
    expect(web).toMatchObject({ quantity: 1460, unit: 'task-hour', unitPrice: 0.024685, monthly: 36.04 });
    expect(web.formula).toBe(
      '730 h × 2 tasks × (0.5 vCPU × $0.04048 + 1 GB × $0.004445) on Fargate on-demand',
    );
  });

  it('prices development tasks at Fargate Spot rates', () => {
    const web = line(estimate('development'), 'service web');

    // 0.5 × 0.01334058 + 1 × 0.00146489 = 0.00667029 + 0.00146489 = 0.00813518; × 1460 = 11.8773628
    expect(web).toMatchObject({ quantity: 1460, unitPrice: 0.00813518, monthly: 11.88 });
    expect(web.formula).toContain('on Fargate Spot');
  });

  it('blends Spot and on-demand by the spotShare assumption', () => {
    const web = line(estimate('development', { assumptions: { spotShare: 0.5 } }), 'service web');

    // 0.5 × 0.00813518 + 0.5 × 0.024685 = 0.00406759 + 0.0123425 = 0.01641009; × 1460 = 23.9587314
    expect(web).toMatchObject({ unitPrice: 0.01641009, monthly: 23.96 });
  });

  it('ignores spotShare where the mode runs on demand', () => {
    const web = line(estimate('production', { assumptions: { spotShare: 0.5 } }), 'service web');

    expect(web.monthly).toBe(36.04);
  });

  it('scales with the hours the environment runs', () => {
    const web = line(estimate('production', { assumptions: { hoursPerMonth: 365 } }), 'service web');

    // 365 × 2 × 0.024685 = 18.02005
    expect(web).toMatchObject({ quantity: 730, monthly: 18.02 });
  });

  it('prices a service scaled to zero at nothing', () => {
    const request = shopRequest({
      services: [{ name: 'idle', image: 'shop/idle:1', replicas: 0 }],
      databases: [],
      domain: undefined,
    });

    expect(resources(estimate('production', { request }))).not.toContain('service idle');
  });
});

describe('estimate — NAT gateways', () => {
  it('has no NAT cost in development (natGateways none)', () => {
    expect(resources(estimate('development'))).not.toContain('NAT data processed');
    expect(resources(estimate('development')).some((r) => r.startsWith('NAT gateway'))).toBe(false);
  });

  it('prices one gateway in staging (single) with a network of its own', () => {
    // 730 h × 1 × 0.045 = 32.85
    expect(
      line(estimate('staging', { overrides: { network: 'dedicated' } }), 'NAT gateway ×1'),
    ).toMatchObject({ quantity: 730, monthly: 32.85 });
  });

  it('prices one gateway per zone in production (per-az, two zones)', () => {
    const result = estimate('production');

    // 730 h × 2 × 0.045 = 65.70; data: 10 GB × 0.045 = 0.45
    expect(line(result, 'NAT gateway ×2')).toMatchObject({ quantity: 1460, monthly: 65.7 });
    expect(line(result, 'NAT data processed')).toMatchObject({ quantity: 10, unit: 'GB', monthly: 0.45 });
  });

  it('follows a natGateways override', () => {
    const result = estimate('production', { overrides: { natGateways: 'single' } });

    expect(line(result, 'NAT gateway ×1').monthly).toBe(32.85);
  });

  it('prices the data processed from the natGbProcessed assumption', () => {
    // 500 GB × 0.045 = 22.50
    expect(
      line(estimate('staging', { assumptions: { natGbProcessed: 500 } }), 'NAT data processed').monthly,
    ).toBe(22.5);
  });
});

describe('estimate — load balancer and public addresses', () => {
  it('prices the load balancer per hour plus one LCU', () => {
    const lb = line(estimate('production'), 'load balancer');

    // 730 h × (0.0225 + 1 × 0.008) = 730 × 0.0305 = 22.265, rounded half up to 22.27
    expect(lb).toMatchObject({ quantity: 730, unitPrice: 0.0305, monthly: 22.27 });
  });

  it('prices more LCUs from the albLcus assumption', () => {
    // 730 × (0.0225 + 5 × 0.008) = 730 × 0.0625 = 45.625 → 45.63
    expect(line(estimate('production', { assumptions: { albLcus: 5 } }), 'load balancer').monthly).toBe(
      45.63,
    );
  });

  it('has no load balancer without a public service', () => {
    expect(resources(estimate('production', { request: tinyRequest() }))).not.toContain('load balancer');
  });

  it('prices a public IPv4 address per development task, since tasks get public IPs without NAT', () => {
    const ips = line(estimate('development'), 'public IPv4 ×3');

    // 3 tasks × 730 h × 0.005 = 3 × 3.65 = 10.95; the load balancer's are the shared network's
    expect(ips).toMatchObject({ quantity: 2190, monthly: 10.95 });
    expect(ips.formula).toBe('730 h × (3 tasks) × $0.005');
  });

  it('prices the tasks’ and load balancer’s addresses together where the load balancer is the environment’s', () => {
    const ips = line(estimate('development', { overrides: { network: 'dedicated' } }), 'public IPv4 ×5');

    // (3 tasks + 2 load balancer zones) × 730 h × 0.005 = 5 × 3.65 = 18.25
    expect(ips).toMatchObject({ quantity: 3650, monthly: 18.25 });
  });

  it('prices the NAT gateways’ and load balancer’s addresses in production', () => {
    // (2 NAT + 2 load balancer zones) × 730 × 0.005 = 14.60
    expect(line(estimate('production'), 'public IPv4 ×4').monthly).toBe(14.6);
  });
});

describe('estimate — shared network', () => {
  it('divides the shared load balancer’s hours and LCUs among sharedBy environments', () => {
    const lb = line(estimate('development'), 'load balancer (shared by 10)');

    // 730 h / 10 = 73 h × (0.0225 + 1 × 0.008) = 73 × 0.0305 = 2.2265 → 2.23
    expect(lb).toMatchObject({ quantity: 73, unit: 'hour', unitPrice: 0.0305, monthly: 2.23 });
    expect(lb.formula).toBe('730 h × ($0.0225 + 1 LCU × $0.008) / 10 environments (sharedBy)');
  });

  it('divides by the sharedBy assumption', () => {
    const result = estimate('development', { assumptions: { sharedBy: 4 } });

    // 730 / 4 = 182.5 h × 0.0305 = 5.56625 → 5.57; addresses 730 × 2 / 4 = 365 × 0.005 = 1.825 → 1.83
    expect(line(result, 'load balancer (shared by 4)').monthly).toBe(5.57);
    expect(line(result, 'public IPv4 ×2 (shared by 4)')).toMatchObject({ quantity: 365, monthly: 1.83 });
  });

  it('divides the load balancer’s addresses, not the tasks’', () => {
    const result = estimate('development');

    // 2 zones × 730 h / 10 = 146 address-hours × 0.005 = 0.73; the 3 tasks' 10.95 stay whole
    expect(line(result, 'public IPv4 ×2 (shared by 10)')).toMatchObject({ quantity: 146, monthly: 0.73 });
    expect(line(result, 'public IPv4 ×3').monthly).toBe(10.95);
  });

  it('divides staging’s NAT gateway and its address, not the NAT traffic the environment sends', () => {
    const result = estimate('staging');

    // 730 h × 1 / 10 = 73 gateway-hours × 0.045 = 3.285 → 3.29; data 10 GB × 0.045 = 0.45
    // addresses (1 NAT + 2 zones) × 730 / 10 = 219 × 0.005 = 1.095 → 1.10
    expect(line(result, 'NAT gateway ×1 (shared by 10)')).toMatchObject({ quantity: 73, monthly: 3.29 });
    expect(line(result, 'NAT data processed').monthly).toBe(0.45);
    expect(line(result, 'public IPv4 ×3 (shared by 10)')).toMatchObject({ quantity: 219, monthly: 1.1 });
    expect(line(result, 'public IPv4 ×3 (shared by 10)').formula).toBe(
      '730 h × (1 NAT gateway + 2 load balancer zones) × $0.005 / 10 environments (sharedBy)',
    );
  });

  it('prices an environment without a domain its own load balancer whole, in the shared VPC', () => {
    const result = estimate('development', { request: shopRequest({ domain: undefined }) });

    // 730 × 0.0305 = 22.265 → 22.27; (3 tasks + 2 zones) × 730 × 0.005 = 18.25
    expect(line(result, 'load balancer').monthly).toBe(22.27);
    expect(line(result, 'public IPv4 ×5').monthly).toBe(18.25);
    expect(resources(result).some((name) => name.includes('shared by'))).toBe(false);
  });

  it('costs what a network of its own costs when one environment shares it', () => {
    expect(estimate('development', { assumptions: { sharedBy: 1 } }).total).toBe(
      estimate('development', { overrides: { network: 'dedicated' } }).total,
    );
  });

  it('divides nothing in production, whose network is its own', () => {
    expect(resources(estimate('production')).some((name) => name.includes('shared by'))).toBe(false);
  });

  it('reads --shared-by as a whole number of environments, 1 or more, naming the option', () => {
    expect(parseSharedBy('25')).toBe(25);
    for (const raw of ['0', '2.5', 'ten', '', '-3']) {
      expect(() => parseSharedBy(raw)).toThrow(EstimateError);
      expect(() => parseSharedBy(raw)).toThrow(
        `--shared-by: ${JSON.stringify(raw)} is not a number of environments (expected a whole number, 1 or more)`,
      );
    }
  });
});

describe('estimate — database (RDS)', () => {
  it('prices the mode’s instance class: db.t4g.micro in development', () => {
    // 730 × 0.016 = 11.68
    expect(line(estimate('development'), 'database db')).toMatchObject({
      quantity: 730,
      unit: 'instance-hour',
      unitPrice: 0.016,
      monthly: 11.68,
    });
  });

  it('prices db.m7g.large in staging single-AZ, and twice over in production, whose standby runs in a second zone', () => {
    const staging = line(estimate('staging'), 'database db');
    const production = line(estimate('production'), 'database db');

    // 730 × 0.168 = 122.64; Multi-AZ: 730 × 2 × 0.168 = 245.28
    expect(staging.monthly).toBe(122.64);
    expect(staging.formula).toBe('730 h × db.m7g.large single-AZ $0.168');
    expect(production).toMatchObject({ quantity: 1460, monthly: 245.28 });
    expect(production.formula).toBe('730 h × db.m7g.large Multi-AZ (2 × $0.168)');
  });

  it('prices a single-AZ production database once when dbMultiAz is overridden off', () => {
    // 730 × 0.168 = 122.64
    expect(line(estimate('production', { overrides: { dbMultiAz: false } }), 'database db').monthly).toBe(
      122.64,
    );
  });

  it('prices allocated gp3 storage per GB-month', () => {
    const request = shopRequest({ databases: [{ name: 'db', storageGiB: 100 }] });

    // default 20 GB × 0.115 = 2.30; 100 GB × 0.115 = 11.50; Multi-AZ doubles it: 100 × 2 × 0.115 = 23.00
    expect(line(estimate('staging'), 'database db storage').monthly).toBe(2.3);
    expect(line(estimate('staging', { request }), 'database db storage')).toMatchObject({
      quantity: 100,
      unit: 'GB-month',
      monthly: 11.5,
    });
    expect(line(estimate('production', { request }), 'database db storage')).toMatchObject({
      quantity: 200,
      monthly: 23,
    });
  });

  it('names the missing price when an override picks a class the table does not have', () => {
    const run = () => estimate('production', { overrides: { dbInstanceClass: 'db.x2g.16xlarge' } });

    expect(run).toThrow(EstimateError);
    expect(run).toThrow('prices.rds.instanceHour["db.x2g.16xlarge"]: no price for db.x2g.16xlarge');
  });
});

describe('estimate — caches (ElastiCache)', () => {
  const request = shopRequest({ caches: [{ name: 'cache', engine: 'redis' }] });

  it('prices every node by the hour: development its primary alone, staging and production a replica too', () => {
    const development = line(estimate('development', { request }), 'cache cache');
    const staging = line(estimate('staging', { request }), 'cache cache');

    // 730 × 1 × 0.016 = 11.68; 730 × 2 × 0.158 = 230.68
    expect(development).toMatchObject({ quantity: 730, unit: 'node-hour', monthly: 11.68 });
    expect(development.formula).toBe('730 h × 1 node (a primary, no replica) × cache.t4g.micro $0.016');
    expect(staging).toMatchObject({ quantity: 1460, monthly: 230.68 });
    expect(line(estimate('production', { request }), 'cache cache').monthly).toBe(230.68);
  });

  it('prices nothing for a request without caches', () => {
    expect(estimate('production').items.map((item) => item.resource)).not.toContain('cache cache');
  });

  it('names the missing price when an override picks a node type the table does not have', () => {
    const run = () => estimate('staging', { request, overrides: { cacheNodeType: 'cache.x2gd.large' } });

    expect(run).toThrow(EstimateError);
    expect(run).toThrow('prices.elastiCache.nodeHour["cache.x2gd.large"]: no price for cache.x2gd.large');
  });
});

describe('estimate — builds (CodeBuild)', () => {
  it('prices development builds on BUILD_GENERAL1_SMALL', () => {
    // 1 built service × 20 builds × 5 min = 100 min × 0.005 = 0.50
    expect(line(estimate('development'), 'builds')).toMatchObject({
      quantity: 100,
      unit: 'build-minute',
      unitPrice: 0.005,
      monthly: 0.5,
    });
  });

  it('prices production builds on BUILD_GENERAL1_MEDIUM', () => {
    // 100 min × 0.01 = 1.00
    expect(line(estimate('production'), 'builds')).toMatchObject({ unitPrice: 0.01, monthly: 1 });
  });

  it('follows a buildComputeType override and the build assumptions', () => {
    const result = estimate('production', {
      overrides: { buildComputeType: 'BUILD_GENERAL1_LARGE' },
      assumptions: { buildsPerMonth: 60, buildMinutes: 12 },
    });

    // 1 × 60 × 12 = 720 min × 0.02 = 14.40
    expect(line(result, 'builds')).toMatchObject({ quantity: 720, monthly: 14.4 });
  });

  it('has no build cost when every service names an image', () => {
    expect(resources(estimate('production', { request: tinyRequest() }))).not.toContain('builds');
  });
});

describe('estimate — logs (CloudWatch)', () => {
  it('prices ingestion the same in every mode', () => {
    // 2 services × 1 GB × 0.50 = 1.00
    for (const mode of ['development', 'staging', 'production'] as const) {
      expect(line(estimate(mode), 'logs ingested').monthly).toBe(1);
    }
  });

  it('prices what the mode’s retention keeps', () => {
    // 2 GB/month × days / 30 × 0.03
    // development 1 day: 0.0667 GB-month → 0.002 → 0.00
    // staging 7 days: 0.4667 GB-month → 0.014 → 0.01
    // production 30 days: 2 GB-month → 0.06
    expect(line(estimate('development'), 'logs stored (1-day retention)').monthly).toBe(0);
    expect(line(estimate('staging'), 'logs stored (7-day retention)').monthly).toBe(0.01);
    expect(line(estimate('production'), 'logs stored (30-day retention)')).toMatchObject({
      quantity: 2,
      monthly: 0.06,
    });
  });

  it('prices a longer retention and more log volume', () => {
    const result = estimate('production', {
      overrides: { logRetentionDays: 365 },
      assumptions: { logGbPerService: 50 },
    });

    // ingested: 2 × 50 = 100 GB × 0.50 = 50.00; stored: 100 × 365 / 30 = 1216.67 GB-month × 0.03 = 36.50
    expect(line(result, 'logs ingested').monthly).toBe(50);
    expect(line(result, 'logs stored (365-day retention)').monthly).toBe(36.5);
  });
});

describe('estimate — totals', () => {
  it('adds up every item of the smallest environment, per mode', () => {
    // development: job 730 × (0.25 × 0.01334058 + 0.5 × 0.00146489) = 730 × 0.00406759 = 2.97
    //   + 1 task's IPv4 730 × 0.005 = 3.65 + logs 0.50 + stored 1/30 × 0.03 = 0.00 + private zone 0.50 = 7.62
    // staging, its shared NAT gateway divided by 10: 2.97 + NAT 730 × 0.045 / 10 = 3.285 → 3.29 + data 0.45
    //   + NAT IPv4 730 × 0.005 / 10 = 0.365 → 0.37 + logs 0.50 + stored 7/30 × 0.03 = 0.01 + 0.50 = 8.09
    // production: 730 × (0.25 × 0.04048 + 0.5 × 0.004445) = 730 × 0.0123425 = 9.01
    //   + NAT 65.70 + 0.45 + IPv4 2 × 3.65 = 7.30 + logs 0.50 + stored 0.03 + 0.50 = 83.49
    const request = tinyRequest();

    expect(estimate('development', { request }).total).toBe(7.62);
    expect(estimate('staging', { request }).total).toBe(8.09);
    expect(estimate('production', { request }).total).toBe(83.49);
  });

  it('totals the rounded items, so the printed table adds up', () => {
    const result = estimate('production');
    const sum = result.items.reduce((total, item) => total + item.monthly, 0);

    expect(result.total).toBe(cents(sum));
  });
});

describe('estimate — assumptions', () => {
  it('starts from the defaults', () => {
    expect(parseAssumptions([])).toEqual(DEFAULT_ASSUMPTIONS);
  });

  it('overrides the named assumptions only', () => {
    expect(parseAssumptions(['hoursPerMonth=200', 'spotShare=0.7'])).toEqual({
      ...DEFAULT_ASSUMPTIONS,
      hoursPerMonth: 200,
      spotShare: 0.7,
    });
  });

  it.each([
    ['turbo=1', 'assumptions.turbo: unknown assumption'],
    ['buildMinutes=ten', 'assumptions.buildMinutes: "ten" is not a number'],
    ['buildMinutes=', 'assumptions.buildMinutes: "" is not a number'],
    ['natGbProcessed=-5', 'assumptions.natGbProcessed: -5 is negative'],
    ['spotShare=1.5', 'assumptions.spotShare: 1.5 is above 1'],
    ['hoursPerMonth=800', 'assumptions.hoursPerMonth: 800 is above 744'],
    ['sharedBy=0', 'assumptions.sharedBy: "0" is not a number of environments'],
    ['sharedBy=1.5', 'assumptions.sharedBy: "1.5" is not a number of environments'],
    ['albLcus', '--assume: "albLcus" is not key=value'],
  ])('refuses %s, naming the assumption', (assignment, message) => {
    expect(() => parseAssumptions([assignment])).toThrow(EstimateError);
    expect(() => parseAssumptions([assignment])).toThrow(message);
  });
});

describe('estimate — price table', () => {
  it('is dated, for one region, in US$', () => {
    expect(BUNDLED_PRICES).toMatchObject({ region: 'us-east-1', currency: 'USD' });
    expect(BUNDLED_PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('has a price for every instance class and compute type the modes use', () => {
    for (const mode of ['development', 'staging', 'production'] as const) {
      expect(() => estimate(mode)).not.toThrow();
    }
  });

  it('merges a partial table over the bundled one', () => {
    const prices = mergePrices(BUNDLED_PRICES, { fargate: { onDemand: { vcpuHour: 0.05 } } }, 'mine.json');

    // 1460 × (0.5 × 0.05 + 1 × 0.004445) = 1460 × 0.029445 = 42.9897; the GB-hour price is kept
    expect(prices.fargate.onDemand).toEqual({ vcpuHour: 0.05, gbHour: 0.004445 });
    expect(line(estimate('production', { prices }), 'service web').monthly).toBe(42.99);
    expect(prices.sources.at(-1)).toContain('mine.json');
  });

  it('adds an instance class from a partial table', () => {
    const prices = mergePrices(
      BUNDLED_PRICES,
      { rds: { instanceHour: { 'db.r6g.large': 0.258 } } },
      'mine.json',
    );
    const result = estimate('production', { prices, overrides: { dbInstanceClass: 'db.r6g.large' } });

    // 730 × 2 (Multi-AZ) × 0.258 = 376.68
    expect(line(result, 'database db').monthly).toBe(376.68);
    expect(prices.rds.instanceHour['db.m7g.large']).toBe(0.168);
  });

  it('refuses a price file with unknown fields or bad figures, naming each', () => {
    const run = () =>
      mergePrices(
        BUNDLED_PRICES,
        { natGateway: { hour: -1, perDay: 2 }, logs: { ingestionGb: 'cheap' } },
        'p.json',
      );

    expect(run).toThrow(PriceTableError);
    expect(run).toThrow('p.json: natGateway.hour: -1 is negative');
    expect(run).toThrow('p.json: natGateway.perDay: unknown field');
    expect(run).toThrow('p.json: logs.ingestionGb: "cheap" is not a number');
  });
});
