// End-to-end against the local AWS (moto): `plan --endpoint` compares a compose file with what a deploy left there.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LivePlanEntry } from '../../core/live-plan.ts';
import { runCli } from '../support/cli.ts';
import { planAgainst, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

/** A public web service wired to a managed Postgres, and a private worker. */
const TINY = `
name: tiny
services:
  web:
    image: nginx:1.27
    ports:
      - target: 80
        mode: ingress
    environment:
      GREETING: hello
    depends_on:
      - db
  worker:
    image: busybox:1.36
    command: ["sleep", "3600"]
  db:
    image: postgres:16
    x-defang-postgres: true
    environment:
      POSTGRES_DB: tiny
      POSTGRES_USER: tiny
`;

/** TINY without the worker. */
const WITHOUT_WORKER = TINY.replace(/ {2}worker:\n(?: {4}.*\n)+/, '');

/** TINY without the database (and web no longer depending on it). */
const WITHOUT_DATABASE = TINY.replace(/ {2}db:\n(?: {4}.*\n?)+/, '').replace(
  '    depends_on:\n      - db\n',
  '',
);

function composeFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-live-plan-')), 'compose.yaml');
  writeFileSync(file, text);
  return file;
}

async function deployDevelopment(file: string): Promise<void> {
  const result = await runCli([
    'deploy',
    '-f',
    file,
    '--env',
    'live',
    '--mode',
    'development',
    '--deployment-id',
    'first',
    '--quiet',
    '--endpoint',
    aws.endpoint(),
  ]);
  expect(result.code, result.stderr).toBe(0);
}

async function livePlan(file: string, mode: string) {
  const document = (await planAgainst(aws.endpoint(), file, 'live', mode)) as {
    deployed: { exists: boolean; mode: string | null };
    live: LivePlanEntry[];
    workflow: { deploy: { decisions: Array<{ choice: string; next: string }> } };
  };
  const find = (kind: string, name: string) =>
    document.live.find((item) => item.kind === kind && item.name === name);
  return { ...document, find };
}

describe('plan against the local AWS', () => {
  it('plans to create everything when the environment does not exist yet', async () => {
    const file = composeFile(TINY);

    const result = await runCli([
      'plan',
      '-f',
      file,
      '--env',
      'live',
      '--mode',
      'dev',
      '--endpoint',
      aws.endpoint(),
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('tiny/live does not exist there yet, so a deploy creates everything');
    const plan = await livePlan(file, 'dev');
    expect(plan.deployed).toMatchObject({ exists: false, mode: null });
    expect(new Set(plan.live.map((item) => item.action))).toEqual(new Set(['create']));
    expect(plan.live.map((item) => `${item.kind} ${item.name}`).sort()).toEqual([
      'database tiny-live-db-0e82e2d9',
      'load-balancer tiny--live',
      'log-group /modeshift/tiny/live/web',
      'log-group /modeshift/tiny/live/worker',
      'service web',
      'service worker',
      'target-group tiny-live-web-7c0345',
    ]);
  });

  it('names every setting a development → production change updates', async () => {
    const file = composeFile(TINY);
    await deployDevelopment(file);

    const plan = await livePlan(file, 'production');

    expect(plan.deployed).toMatchObject({ exists: true, mode: 'development' });
    for (const service of ['web', 'worker']) {
      expect(plan.find('service', service)).toMatchObject({
        action: 'update',
        changes: expect.arrayContaining([
          { setting: 'capacityProvider', from: 'FARGATE_SPOT', to: 'FARGATE', fromRecord: true },
          { setting: 'minimumHealthyPercent', from: 0, to: 100, fromRecord: true },
          { setting: 'maximumPercent', from: 100, to: 200, fromRecord: true },
          { setting: 'executeCommand', from: true, to: false },
          { setting: 'assignPublicIp', from: 'ENABLED', to: 'DISABLED' },
        ]),
      });
      expect(plan.find('log-group', `/modeshift/tiny/live/${service}`)).toEqual({
        kind: 'log-group',
        name: `/modeshift/tiny/live/${service}`,
        action: 'update',
        changes: [{ setting: 'retentionInDays', from: 1, to: 30 }],
      });
    }
    expect(plan.find('database', 'tiny-live-db-0e82e2d9')).toMatchObject({
      action: 'update',
      changes: [
        { setting: 'instanceClass', from: 'db.t4g.micro', to: 'db.m7g.large' },
        { setting: 'deletionProtection', from: false, to: true },
        { setting: 'multiAz', from: false, to: true },
        { setting: 'backupRetentionDays', from: 1, to: 30 },
      ],
    });
    expect(plan.find('load-balancer', 'tiny--live')).toMatchObject({
      action: 'update',
      changes: [{ setting: 'deletionProtection', from: false, to: true }],
    });
    expect(plan.find('target-group', 'tiny-live-web-7c0345')?.action).toBe('keep');
    // The deploy path starts from the recorded mode, through the mode-change guard.
    expect(plan.workflow.deploy.decisions).toContainEqual(
      expect.objectContaining({ choice: 'HasPreviousMode', next: 'WasTornDown' }),
    );
  });

  it('prints one line per resource with the changed settings named', async () => {
    const file = composeFile(TINY);
    await deployDevelopment(file);

    const result = await runCli([
      'plan',
      '-f',
      file,
      '--env',
      'live',
      '--mode',
      'prod',
      '--endpoint',
      aws.endpoint(),
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'tiny/live is deployed in development mode; this deploy makes it production (upgrade)',
    );
    expect(result.stdout).toMatch(
      /^update +service +web +capacityProvider FARGATE_SPOT→FARGATE\*, minimumHealthyPercent 0→100\*/m,
    );
    expect(result.stdout).toMatch(/^update +log-group +\/modeshift\/tiny\/live\/web +retentionInDays 1→30$/m);
    expect(result.stdout).toMatch(
      /^update +database +tiny-live-db-0e82e2d9 +instanceClass db\.t4g\.micro→db\.m7g\.large, deletionProtection off→on/m,
    );
    expect(result.stdout).toMatch(/^update +load-balancer +tiny--live +deletionProtection off→on$/m);
    expect(result.stdout).toContain('0 to create, 6 to update, 0 to remove, 1 to keep');
  });

  it('plans to remove a service no longer in the compose file', async () => {
    await deployDevelopment(composeFile(TINY));

    const plan = await livePlan(composeFile(WITHOUT_WORKER), 'development');

    expect(plan.find('service', 'worker')).toMatchObject({ action: 'remove', changes: [] });
    expect(plan.find('service', 'web')?.action).toBe('keep');
    expect(plan.find('log-group', '/modeshift/tiny/live/worker')).toMatchObject({
      action: 'keep',
      note: 'its service is no longer in the compose file; a deploy leaves its log group',
    });
  });

  it('keeps a database no longer in the compose file: only down deletes it', async () => {
    await deployDevelopment(composeFile(TINY));

    const plan = await livePlan(composeFile(WITHOUT_DATABASE), 'development');

    expect(plan.find('database', 'tiny-live-db-0e82e2d9')).toEqual({
      kind: 'database',
      name: 'tiny-live-db-0e82e2d9',
      action: 'keep',
      changes: [],
      note: 'no longer in the compose file; only down deletes it',
    });
    // web loses its database wiring: the PG* settings and the password secret.
    expect(plan.find('service', 'web')).toMatchObject({
      action: 'update',
      changes: expect.arrayContaining([
        { setting: 'environment.PGHOST', from: 'db', to: null },
        { setting: 'secrets.PGPASSWORD', from: 'database password', to: null },
      ]),
    });
  });

  it('keeps everything when the same file is planned in the same mode', async () => {
    const file = composeFile(TINY);
    await deployDevelopment(file);

    const plan = await livePlan(file, 'development');

    expect(plan.live).toHaveLength(7);
    expect(plan.live.filter((item) => item.action !== 'keep')).toEqual([]);
  });
});
