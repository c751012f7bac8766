import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODE_POLICIES } from '../../core/policy.ts';
import { planShop, runCli } from '../support/cli.ts';

function composeFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'modeshift-cli-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, text);
  return file;
}

describe('modeshift modes', () => {
  it('prints exactly the three modes with their nineteen settings as JSON', async () => {
    const result = await runCli(['modes', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(MODE_POLICIES);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual(['development', 'staging', 'production']);
  });

  it('prints a table with a row per setting and a column per mode', async () => {
    const result = await runCli(['modes']);

    expect(result.stdout).toMatch(/^setting\s+key\s+development\s+staging\s+production$/m);
    expect(result.stdout).toMatch(/^NAT gateways\s+natGateways\s+none\s+single\s+per-az$/m);
  });
});

describe('modeshift plan', () => {
  it('prints the request, the resolved policy and the resources as JSON', async () => {
    const result = await planShop('--env', 'pr-42', '--mode', 'prod', '--json');

    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.mode).toBe('production');
    expect(plan.policy).toEqual(MODE_POLICIES.production);
    expect(plan.request).toMatchObject({
      project: 'shop',
      environment: 'pr-42',
      deploymentId: '20261126-070000',
    });
    expect(plan.resources.map((r: { type: string }) => r.type)).toContain('AWS::RDS::DBInstance');
    expect(plan.waves).toEqual([['api'], ['web', 'worker']]);
  });

  it('applies --set overrides and reports them as overridden', async () => {
    const result = await planShop(
      '--env',
      'pr-42',
      '--mode',
      'dev',
      '--set',
      'logRetentionDays=14',
      '--set',
      'natGateways=single',
      '--json',
    );

    const plan = JSON.parse(result.stdout);
    expect(plan.policy).toMatchObject({ logRetentionDays: 14, natGateways: 'single' });
    expect(plan.overridden).toEqual(['logRetentionDays', 'natGateways']);
  });

  it('uses --project over the compose file’s name', async () => {
    const result = await planShop('--env', 'main', '--mode', 'staging', '--project', 'store', '--json');

    expect(JSON.parse(result.stdout).request.project).toBe('store');
  });

  it('prints a readable plan with the policy and resources', async () => {
    const result = await planShop('--env', 'pr-42', '--mode', 'staging');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan for shop/pr-42 in staging mode');
    expect(result.stdout).toMatch(/^NAT gateways\s+single$/m);
    expect(result.stdout).toContain(
      "network=shared — the project's staging VPC and load balancer, shared with its other staging environments",
    );
    expect(result.stdout).toMatch(
      /^EC2::NatGateway\s+shop--staging--shared-nat-a\s+delete-when-unused\s+owner=shared\.staging/m,
    );
  });

  it('exits 2 with one line per problem and no stack trace for a bad compose file', async () => {
    const file = composeFile(
      'name: shop\nservices:\n  web:\n    image: nginx\n    ports: ["80/udpx"]\n    privileged: true\n',
    );

    const result = await runCli(['plan', '-f', file, '--env', 'pr-1', '--mode', 'dev']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: services.web.privileged: is not supported by modeshift');
    expect(result.stderr).toContain('error: services.web.ports[0]: "80/udpx" is not a valid port');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming the mode for an unknown mode, with a JSON error under --json', async () => {
    const result = await planShop('--env', 'pr-1', '--mode', 'fast', '--json');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: mode: "fast" is not a mode');
    expect(JSON.parse(result.stdout).error.problems[0]).toMatchObject({ path: 'mode' });
  });

  it('exits 2 for an unknown override', async () => {
    const result = await planShop('--env', 'pr-1', '--mode', 'dev', '--set', 'turbo=true');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: overrides.turbo: unknown setting');
  });

  it('exits 2 when a required option is missing', async () => {
    const result = await planShop('--mode', 'dev');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--env <name>' not specified");
  });

  it('exits 2 for a compose file that does not exist', async () => {
    const result = await runCli(['plan', '-f', 'missing.yaml', '--env', 'pr-1', '--mode', 'dev']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: .*missing\.yaml: no such file/);
  });

  it('prints warnings for ignored compose keys but still plans', async () => {
    const file = composeFile('name: shop\nservices:\n  web:\n    image: nginx\n    restart: always\n');

    const result = await runCli(['plan', '-f', file, '--env', 'pr-1', '--mode', 'dev']);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: services.web.restart: ignored: ECS restarts stopped tasks');
  });
});

describe('modeshift (no command)', () => {
  it('exits 2 for an unknown command', async () => {
    const result = await runCli(['launch']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'launch'");
  });
});
