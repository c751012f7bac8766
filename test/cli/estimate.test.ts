import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

// The shop example: web 0.5 vCPU / 1 GB ×2 (built, public, on shop.example.com),
// api 1 vCPU / 2 GB ×2 (built), worker 0.25 vCPU / 0.5 GB ×1, Postgres db (20 GB).
const EXAMPLE = 'examples/shop/compose.yaml';

interface Item {
  resource: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  monthly: number;
  formula: string;
}

function priceFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-prices-')), 'prices.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function estimateJson(...args: string[]) {
  const result = await runCli(['estimate', '-f', EXAMPLE, '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

const monthlyOf = (items: Item[], resource: string) =>
  items.find((item) => item.resource === resource)?.monthly;

describe('modeshift estimate --mode production --json', () => {
  it('puts the mode’s total and items at the top level, every figure computed by hand', async () => {
    const document = await estimateJson('--mode', 'prod');

    // web     730 × 2 × (0.5 × 0.04048 + 1 × 0.004445) = 1460 × 0.024685 = 36.0401  → 36.04
    // api     730 × 2 × (1 × 0.04048 + 2 × 0.004445)   = 1460 × 0.04937  = 72.0802  → 72.08
    // worker  730 × 1 × (0.25 × 0.04048 + 0.5 × 0.004445) = 730 × 0.0123425 = 9.010025 → 9.01
    // NAT     730 × 2 × 0.045 = 65.70;  NAT data 10 × 0.045 = 0.45
    // ALB     730 × (0.0225 + 1 × 0.008) = 22.265 → 22.27
    // IPv4    730 × (2 NAT + 2 ALB zones) × 0.005 = 14.60
    // db      Multi-AZ: 730 × 2 × 0.168 = 245.28;  storage 20 × 2 × 0.115 = 4.60
    // builds  2 services × 20 × 5 min × 0.01 = 2.00
    // logs    3 × 1 GB × 0.50 = 1.50;  stored 3 × 30 / 30 × 0.03 = 0.09
    // zones   (1 public + 1 private) × 0.50 = 1.00
    // WAF     5.00 + 3 rules × 1.00 = 8.00
    // alarms  1 public service × 2 (5xx, p95) × 0.10 = 0.20
    // total   36.04 + 72.08 + 9.01 + 65.70 + 0.45 + 22.27 + 8.00 + 0.20 + 14.60 + 245.28 + 4.60 + 2.00 + 1.50 + 0.09 + 1.00 = 482.82
    // scaled  every service at 4× its replicas (autoscalingMaxFactor): web 730 × 8 × 0.024685 = 144.16,
    //         api 730 × 8 × 0.04937 = 288.32, worker 730 × 4 × 0.0123425 = 36.04;
    //         482.82 − (36.04 + 72.08 + 9.01) + (144.16 + 288.32 + 36.04) = 834.21
    expect(document).toMatchObject({
      region: 'us-east-1',
      pricesAsOf: '2026-11-26',
      currency: 'USD',
      mode: 'production',
      total: 482.82,
      scaledTotal: 834.21,
    });
    expect(document.items.map((item: Item) => [item.resource, item.monthly])).toEqual([
      ['service web', 36.04],
      ['service api', 72.08],
      ['service worker', 9.01],
      ['NAT gateway ×2', 65.7],
      ['NAT data processed', 0.45],
      ['load balancer', 22.27],
      ['web ACL (WAF)', 8],
      ['deployment alarms (CloudWatch)', 0.2],
      ['public IPv4 ×4', 14.6],
      ['database db', 245.28],
      ['database db storage', 4.6],
      ['builds', 2],
      ['logs ingested', 1.5],
      ['logs stored (30-day retention)', 0.09],
      ['hosted zones ×2', 1],
    ]);
    expect(document.modes).toEqual([
      { mode: 'production', total: 482.82, scaledTotal: 834.21, items: document.items },
    ]);
  });

  it('gives every item its quantity, unit, unit price and formula', async () => {
    const document = await estimateJson('--mode', 'production');

    expect(document.items[0]).toEqual({
      resource: 'service web',
      quantity: 1460,
      unit: 'task-hour',
      unitPrice: 0.024685,
      monthly: 36.04,
      formula: '730 h × 2 tasks × (0.5 vCPU × $0.04048 + 1 GB × $0.004445) on Fargate on-demand',
    });
  });

  it('prints the assumptions it used', async () => {
    const document = await estimateJson('--mode', 'production');

    expect(document.assumptions).toEqual({
      hoursPerMonth: 730,
      spotShare: 1,
      buildsPerMonth: 20,
      buildMinutes: 5,
      logGbPerService: 1,
      natGbProcessed: 10,
      albLcus: 1,
      sharedBy: 10,
    });
  });
});

describe('modeshift estimate --json (every mode)', () => {
  it('lists the three modes and their totals', async () => {
    const document = await estimateJson();

    // Development and staging are in the project's shared network, its pieces divided by 10 (sharedBy):
    // development: 11.88 + 23.75 + 2.97 Spot tasks + 2.23 shared ALB (730 / 10 × 0.0305 = 2.2265)
    //   + 18.25 IPv4 (5 tasks × 730 × 0.005) + 0.73 shared IPv4 (2 zones × 730 / 10 × 0.005)
    //   + 11.68 db.t4g.micro + 2.30 + 1.00 builds (200 min × 0.005) + 1.50 + 0.00 (1-day) + 1.00 = 77.29
    // staging: 38.60 Spot tasks + 3.29 shared NAT (730 / 10 × 0.045 = 3.285) + 0.45 NAT data + 2.23 shared ALB
    //   + 0.20 alarms + 1.10 shared IPv4 ((1 NAT + 2 zones) × 730 / 10 × 0.005 = 1.095)
    //   + 122.64 + 2.30 + 1.00 + 1.50 + 0.02 (7-day) + 1.00 = 174.33
    expect(document.totals).toEqual({ development: 77.29, staging: 174.33, production: 482.82 });
    expect(document.modes.map((m: { mode: string }) => m.mode)).toEqual([
      'development',
      'staging',
      'production',
    ]);
    expect(document).not.toHaveProperty('items');
    expect(document).not.toHaveProperty('total');
  });

  it('prices Spot capacity, no NAT and a micro database in development', async () => {
    const [development] = (await estimateJson()).modes;

    // web 1460 × (0.5 × 0.01334058 + 1 × 0.00146489) = 1460 × 0.00813518 = 11.8773628
    expect(monthlyOf(development.items, 'service web')).toBe(11.88);
    expect(monthlyOf(development.items, 'database db')).toBe(11.68);
    expect(development.items.some((item: Item) => item.resource.startsWith('NAT'))).toBe(false);
  });
});

describe('modeshift estimate — overrides', () => {
  it('changes a figure with --assume', async () => {
    const document = await estimateJson('--mode', 'production', '--assume', 'natGbProcessed=1000');

    // 1000 GB × 0.045 = 45.00; total 482.82 − 0.45 + 45.00 = 527.37
    expect(monthlyOf(document.items, 'NAT data processed')).toBe(45);
    expect(document.total).toBe(527.37);
    expect(document.assumptions.natGbProcessed).toBe(1000);
  });

  it('scales the running cost with --assume hoursPerMonth', async () => {
    const document = await estimateJson('--mode', 'production', '--assume', 'hoursPerMonth=365');

    // 365 × 2 × 0.024685 = 18.02005
    expect(monthlyOf(document.items, 'service web')).toBe(18.02);
  });

  it('merges a --prices file over the bundled table', async () => {
    const file = priceFile({ natGateway: { hour: 0.05 } });

    const document = await estimateJson('--mode', 'production', '--prices', file);

    // 730 × 2 × 0.05 = 73.00; the per-GB price stays 0.045
    expect(monthlyOf(document.items, 'NAT gateway ×2')).toBe(73);
    expect(monthlyOf(document.items, 'NAT data processed')).toBe(0.45);
  });

  it('prices the deployment alarms from the table, and a --prices file changes them', async () => {
    const file = priceFile({ cloudwatch: { alarmMonth: 0.3 } });

    const document = await estimateJson('--mode', 'production', '--prices', file);

    // 2 alarms (web's 5xx and p95) × 0.30 = 0.60
    expect(document.items.find((item: Item) => item.resource.startsWith('deployment alarms'))).toMatchObject({
      quantity: 2,
      unit: 'alarm-month',
      unitPrice: 0.3,
      monthly: 0.6,
      formula: '2 alarms × $0.30',
    });
    expect(
      (await estimateJson('--mode', 'development')).items.some((item: Item) =>
        item.resource.startsWith('deployment alarms'),
      ),
      'development has no alarms',
    ).toBe(false);
  });

  it('prices an overridden instance class added by a --prices file', async () => {
    const file = priceFile({ rds: { instanceHour: { 'db.r6g.large': 0.258 } } });

    const document = await estimateJson(
      '--mode',
      'production',
      '--set',
      'dbInstanceClass=db.r6g.large',
      '--prices',
      file,
    );

    // Multi-AZ: 730 × 2 × 0.258 = 376.68
    expect(monthlyOf(document.items, 'database db')).toBe(376.68);
  });
});

describe('modeshift estimate --shared-by', () => {
  it('divides the shared network’s pieces among that many environments', async () => {
    const document = await estimateJson('--mode', 'dev', '--shared-by', '5');

    // ALB 730 / 5 = 146 h × 0.0305 = 4.453 → 4.45; its addresses 2 × 730 / 5 = 292 × 0.005 = 1.46;
    // total 77.29 − 2.23 − 0.73 + 4.45 + 1.46 = 80.24
    expect(monthlyOf(document.items, 'load balancer (shared by 5)')).toBe(4.45);
    expect(monthlyOf(document.items, 'public IPv4 ×2 (shared by 5)')).toBe(1.46);
    expect(document.total).toBe(80.24);
    expect(document.assumptions.sharedBy).toBe(5);
  });

  it('prints the assumption, marked with the option that changed it', async () => {
    const standard = await runCli(['estimate', '-f', EXAMPLE, '--mode', 'dev']);
    const changed = await runCli(['estimate', '-f', EXAMPLE, '--mode', 'dev', '--shared-by', '3']);

    expect(standard.stdout).toMatch(
      /^sharedBy\s+10\s+environments of the mode sharing the project's network.*by it$/m,
    );
    expect(changed.stdout).toMatch(/^sharedBy\s+3\s+.*\(--shared-by\)$/m);
  });

  it.each(['0', '1.5', 'many'])('exits 2 naming the option for --shared-by %s', async (value) => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--shared-by', value]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: --shared-by: ${JSON.stringify(value)} is not a number of environments (expected a whole number, 1 or more)\n`,
    );
  });
});

describe('modeshift estimate — bad input', () => {
  it('exits 2 naming an unknown --assume key', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--assume', 'turbo=1']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: assumptions.turbo: unknown assumption (known: hoursPerMonth,');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming a non-numeric or negative --assume value, with a JSON error under --json', async () => {
    const result = await runCli([
      'estimate',
      '-f',
      EXAMPLE,
      '--assume',
      'buildMinutes=lots',
      '--assume',
      'albLcus=-1',
      '--json',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: assumptions.buildMinutes: "lots" is not a number');
    expect(result.stderr).toContain('error: assumptions.albLcus: -1 is negative');
    expect(JSON.parse(result.stdout).error.problems.map((p: { path: string }) => p.path)).toEqual([
      'assumptions.buildMinutes',
      'assumptions.albLcus',
    ]);
  });

  it('exits 2 naming the field of a bad --prices file', async () => {
    const file = priceFile({ fargate: { spot: { vcpuHour: 'free' } } });

    const result = await runCli(['estimate', '-f', EXAMPLE, '--prices', file]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${file}: fargate.spot.vcpuHour: "free" is not a number`);
  });

  it('exits 2 for a --prices file that is not JSON', async () => {
    const file = priceFile('{ not json');

    const result = await runCli(['estimate', '-f', EXAMPLE, '--prices', file]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${file}: is not JSON`);
  });

  it('exits 2 naming the price to add when an override has no price', async () => {
    const result = await runCli([
      'estimate',
      '-f',
      EXAMPLE,
      '--mode',
      'prod',
      '--set',
      'buildComputeType=BUILD_GENERAL1_XLARGE',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: prices.codeBuild.minute.BUILD_GENERAL1_XLARGE: no price');
  });

  it('says which mode an override contradicts', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--set', 'minimumHealthyPercent=50']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: overrides.minimumHealthyPercent: 50 contradicts deploymentStrategy "replace", which stops every old task first (expected 0) (in development mode)\n',
    );
  });

  it('reports a problem every mode shares once', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--set', 'turbo=1']);

    expect(result.code).toBe(2);
    expect(result.stderr.match(/overrides\.turbo/g)).toHaveLength(1);
  });

  it('exits 2 for an unknown mode', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--mode', 'fast']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: mode: "fast" is not a mode');
  });
});

describe('modeshift estimate (text)', () => {
  it('prints the assumptions, a table per mode, the totals and the price date', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('us-east-1 list prices as of 2026-11-26');
    expect(result.stdout).toMatch(/^hoursPerMonth\s+730\s+hours the environment runs/m);
    expect(result.stdout).toContain('development: US$ 77.29 per month');
    expect(result.stdout).toContain('production: US$ 482.82 per month');
    expect(result.stdout).toMatch(
      /^NAT gateway ×2\s+1460\s+gateway-hour\s+\$0\.045\s+65\.70\s+730 h × 2 gateways/m,
    );
    expect(result.stdout).toMatch(/^77\.29\s+174\.33\s+482\.82$/m);
  });

  it('marks overridden assumptions', async () => {
    const result = await runCli(['estimate', '-f', EXAMPLE, '--mode', 'dev', '--assume', 'spotShare=0.5']);

    expect(result.stdout).toMatch(/^spotShare\s+0\.5\s+.*\(--assume\)$/m);
  });
});
