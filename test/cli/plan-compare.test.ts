import { describe, expect, it } from 'vitest';
import { planShop } from '../support/cli.ts';

describe('modeshift plan --compare', () => {
  it('prints the settings, resources and down behaviour that differ, and each mode’s monthly cost', async () => {
    const result = await planShop('--compare', '--env', 'pr-42');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Modes compared for shop/pr-42');
    expect(result.stdout).toMatch(/^NAT gateways\s+natGateways\s+none\s+single\s+per-az$/m);
    expect(result.stdout).toMatch(/^EC2::NatGateway\s+shop--pr-42-nat-b\s+-\s+-\s+yes$/m);
    expect(result.stdout).toMatch(
      /^RDS::DBInstance\s+shop-pr-42-db-[0-9a-f]{8}\s+delete\s+delete\s+snapshot-then-delete$/m,
    );
    // Totals as computed by hand in test/cli/estimate.test.ts.
    expect(result.stdout).toMatch(/^77\.29\s+174\.33\s+482\.82$/m);
  });

  it('prints the comparison as JSON', async () => {
    const result = await planShop('--compare', '--env', 'pr-42', '--json');

    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ project: 'shop', environment: 'pr-42' });
    expect(document.settings).toContainEqual({
      setting: 'dbInstanceClass',
      label: 'Database instance class (small database)',
      development: 'db.t4g.micro',
      staging: 'db.m7g.large',
      production: 'db.m7g.large',
    });
    // Staging's NAT gateway is its shared network's; production's are the environment's own.
    expect(document.resources).toContainEqual({
      type: 'AWS::EC2::NatGateway',
      name: 'shop--pr-42-nat-a',
      development: false,
      staging: false,
      production: true,
    });
    expect(document.resources).toContainEqual({
      type: 'AWS::EC2::NatGateway',
      name: 'shop--staging--shared-nat-a',
      development: false,
      staging: true,
      production: false,
    });
    expect(document.onDown).toContainEqual({
      type: 'AWS::Route53::HostedZone',
      name: 'pr-42.shop.example.com',
      development: 'delete',
      staging: 'retain',
      production: null,
    });
    expect(document.estimate).toMatchObject({
      region: 'us-east-1',
      currency: 'USD',
      totals: { development: 77.29, staging: 174.33, production: 482.82 },
    });
  });

  it('applies --set overrides to every mode', async () => {
    const result = await planShop('--compare', '--env', 'pr-42', '--set', 'natGateways=single', '--json');

    const document = JSON.parse(result.stdout);
    expect(document.settings.map((d: { setting: string }) => d.setting)).not.toContain('natGateways');
    // production without its second gateway and its address: 482.82 − 32.85 − 3.65 = 446.32
    expect(document.estimate.totals.production).toBe(446.32);
  });

  it('prices the modes with --assume and --prices', async () => {
    const result = await planShop('--compare', '--env', 'pr-42', '--assume', 'natGbProcessed=1000', '--json');

    // NAT data 1000 × 0.045 = 45.00 instead of 0.45 where there is a NAT gateway (the environment's own
    // traffic, whole even through a shared gateway): staging 174.33 + 44.55 = 218.88, production
    // 482.82 + 44.55 = 527.37
    expect(JSON.parse(result.stdout).estimate.totals).toEqual({
      development: 77.29,
      staging: 218.88,
      production: 527.37,
    });
  });

  it('exits 2 for cost options without --compare', async () => {
    const result = await planShop('--env', 'pr-42', '--mode', 'dev', '--assume', 'albLcus=2');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --assume: applies to the cost in --compare');
  });

  it('exits 2 when combined with --mode', async () => {
    const result = await planShop('--compare', '--env', 'pr-42', '--mode', 'dev');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --mode: cannot be combined with --compare');
  });

  it('still requires --mode without --compare', async () => {
    const result = await planShop('--env', 'pr-42');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--mode <mode>' not specified");
  });
});
