// End-to-end: the modeshift CLI against a local AWS someone else started (`modeshift emulator` in another process).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, SHOP_EXAMPLE } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/modeshift.js', import.meta.url));
let emulator: ChildProcess;
let endpoint = '';

beforeAll(async () => {
  emulator = spawn(process.execPath, [BIN, 'emulator'], { stdio: ['ignore', 'pipe', 'pipe'] });
  endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    emulator.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1] as string);
    });
    emulator.once('exit', (code) => reject(new Error(`modeshift emulator exited with ${code}: ${output}`)));
  });
});

afterAll(() => {
  emulator?.kill('SIGTERM');
});

/** Runs the CLI with `args` against the emulator: `--endpoint` and its URL after them. */
const onEmulator = (...args: string[]) => runCli([...args, '--endpoint', endpoint]);

const deploy = (mode: string, ...extra: string[]) =>
  onEmulator('deploy', '-f', SHOP_EXAMPLE, '--env', 'cli', '--mode', mode, ...extra);

describe('modeshift CLI against an emulator started elsewhere', () => {
  it('deploys, reports status and history, refuses a guarded change, and tears down', async () => {
    const deployed = await deploy('production', '--json', '--deployment-id', 'cli-1');

    expect(deployed.code).toBe(0);
    const report = JSON.parse(deployed.stdout);
    expect(report).toMatchObject({
      workflow: 'deploy',
      status: 'SUCCEEDED',
      mode: 'production',
      executionName: 'shop--cli--cli-1',
    });
    expect(report.policy.natGateways).toBe('per-az');
    expect(report.resources).toEqual(
      expect.arrayContaining([expect.stringContaining(':loadbalancer/app/shop--cli/')]),
    );
    expect(deployed.stderr).toContain('▶ EnsureNetwork');
    expect(deployed.stderr).toMatch(/✓ EnsureNetwork \d+\.\ds/);

    const status = await onEmulator('status', '--env', 'cli', '--project', 'shop', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'deployed',
      mode: 'production',
      lastDeploymentId: 'cli-1',
    });

    const refused = await deploy('development', '--deployment-id', 'cli-2');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '✗ deploy of shop/cli failed at CheckModeChange: Modeshift.ModeChangeRefused',
    );

    const unconfirmed = await onEmulator('down', '--env', 'cli', '-f', SHOP_EXAMPLE);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain(
      'failed at ConfirmProductionDown: Modeshift.ProductionDownNotConfirmed',
    );

    const down = await onEmulator('down', '--env', 'cli', '--project', 'shop', '--confirm', 'cli');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('✓ down succeeded: shop/cli is down');
    expect(down.stdout).toMatch(/kept: arn:aws:s3:::shop--cli-lb-logs-/);
    expect(down.stdout, 'down names the stores it destroyed and the snapshots it kept').toMatch(
      /\n {2}destroyed: database shop-cli-db-[0-9a-f]{8}\n {2}kept: final snapshot shop-cli-db-[0-9a-f]{8}-final-\d{14}, access logs\n/,
    );
    const audit = await onEmulator('audit', '-f', SHOP_EXAMPLE, '--env', 'cli');
    expect(audit.stdout, audit.stderr).toMatch(
      /checked as taken down.*\nclean: no orphans, no drift, nothing missing/,
    );
    expect(audit.code).toBe(0);

    const history = await onEmulator('history', '--env', 'cli', '--project', 'shop', '--json');
    expect(
      JSON.parse(history.stdout).map(
        (entry: { action: string; status: string }) => `${entry.action}:${entry.status}`,
      ),
    ).toEqual(['deploy:succeeded', 'deploy:failed', 'down:failed', 'down:succeeded']);
    const restorePlan = await onEmulator(
      'plan',
      '-f',
      SHOP_EXAMPLE,
      '--env',
      'cli',
      '--mode',
      'production',
      '--restore-latest',
    );
    expect(restorePlan.code, restorePlan.stderr).toBe(0);
    expect(restorePlan.stdout, 'plan shows the database coming back from the snapshot the down kept').toMatch(
      /created from snapshot shop-cli-db-[0-9a-f]{8}-final-\d{14}/,
    );
    const offline = await runCli([
      'plan',
      '-f',
      SHOP_EXAMPLE,
      '--env',
      'cli',
      '--mode',
      'prod',
      '--offline',
      '--restore-latest',
    ]);
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain('--restore-latest: cannot be combined with --offline');
    const table = await onEmulator('history', '--env', 'cli', '--project', 'shop');
    expect(
      table.stdout.trimEnd().split('\n').at(-1),
      'the down row says what was destroyed and kept',
    ).toMatch(
      /down .* succeeded +destroyed: database shop-cli-db-[0-9a-f]{8}; kept: final snapshot shop-cli-db-[0-9a-f]{8}-final-\d{14}, access logs$/,
    );
  });

  it('exits 2 without touching the endpoint for a bad compose file', async () => {
    const result = await onEmulator('deploy', '-f', 'missing.yaml', '--env', 'cli', '--mode', 'dev');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: .*missing\.yaml: no such file/);
  });

  it('exits 2 for an endpoint that is not a URL', async () => {
    const result = await runCli(['status', '--env', 'cli', '--project', 'shop', '--endpoint', 'not a url']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --endpoint: "not a url" is not an endpoint');
  });
});
