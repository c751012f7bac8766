/**
 * End-to-end tests run against the embedded local AWS (moto): one server per
 * test file, reset before each test, stopped after the file.
 */
import { resolve } from 'node:path';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type AuditReport, auditEnvironment } from '../../cli/commands/audit.ts';
import type { Io } from '../../cli/io.ts';
import { loadComposeFile } from '../../core/compose.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import type { DeployRequest } from '../../core/request.ts';
import { type LocalAws, startLocalAws } from '../../emulator/local-aws.ts';
import { deployOnTarget, downOnTarget, type RunReport } from '../../local/run-workflows.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { runCli } from '../support/cli.ts';

export const EXAMPLE = new URL('../../examples/shop/compose.yaml', import.meta.url).pathname;

/** The local AWS of this test file: `target()` is fresh for each test. */
export function useLocalAws() {
  let local: LocalAws | undefined;
  let current: Target | undefined;
  beforeAll(async () => {
    local = await startLocalAws();
  });
  beforeEach(async () => {
    await local?.reset();
    current = await openTarget(local?.endpoint, { env: {} });
  });
  afterAll(async () => {
    await local?.stop();
  });
  return {
    target: (): Target => {
      if (!current) throw new Error('no local AWS: useLocalAws() must run in the test file');
      return current;
    },
    endpoint: (): string => local?.endpoint ?? '',
  };
}

let deployments = 0;

/** Deploys the shop example (web + api + worker + Postgres on shop.example.com) as `environment` in `mode`. */
export async function deployShop(
  target: Target,
  mode: Mode,
  environment = 'main',
  extra: { force?: boolean; deploymentId?: string; network?: 'shared' | 'dedicated' } = {},
): Promise<RunReport> {
  deployments += 1;
  const composed = loadComposeFile(EXAMPLE, {
    environment,
    mode,
    deploymentId: extra.deploymentId ?? `e2e-${deployments}-${mode}`,
    variables: {},
    ...(extra.force ? { force: true } : {}),
  });
  const overrides = extra.network === undefined ? {} : { network: extra.network };
  return deployOnTarget(target, { ...composed, resolved: resolvePolicy(composed.request.mode, overrides) });
}

/**
 * Takes a shop environment down; a down that succeeds is audited (`modeshift audit`), and must leave
 * exactly what the mode keeps.
 */
export async function downShop(target: Target, environment = 'main', confirm?: string): Promise<RunReport> {
  const report = await downOnTarget(target, {
    project: 'shop',
    environment,
    ...(confirm ? { confirm } : {}),
  });
  if (report.status === 'SUCCEEDED') await expectCleanAudit(target, environment);
  return report;
}

/** Audits a shop environment and fails the test with each finding when there is any. */
export async function expectCleanAudit(target: Target, environment = 'main'): Promise<AuditReport> {
  const audit = await auditShop(target, environment);
  expect(
    audit.findings.map((finding) => `${finding.kind}: ${finding.detail}`),
    `modeshift audit of shop/${environment}`,
  ).toEqual([]);
  return audit;
}

export const SHOP_SERVICES = { built: ['web', 'api'], all: ['web', 'api', 'worker'], databases: ['db'] };

/** The calls the workflow sent to one service for one command, e.g. ('ecs', 'CreateServiceCommand'). */
export function callsOf(target: Target, service: string, command: string) {
  return target.calls
    .filter((call) => call.service === service && call.command === command)
    .map((call) => call.input);
}

/** `plan --json --endpoint` of a compose file against the local AWS, which must succeed: its JSON document. */
export async function planAgainst(
  endpoint: string,
  file: string,
  environment: string,
  mode: string,
): Promise<Record<string, unknown>> {
  const result = await runCli([
    'plan',
    '-f',
    file,
    '--env',
    environment,
    '--mode',
    mode,
    '--json',
    '--endpoint',
    endpoint,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/**
 * `modeshift audit` of a shop environment, run in-process against the target: the report
 * (cli/commands/audit.ts), as the end-to-end and reliability suites check after every down.
 */
export async function auditShop(
  target: Target,
  environment = 'main',
  request?: DeployRequest,
): Promise<AuditReport> {
  return auditComposeFile(target, { file: EXAMPLE, project: 'shop', environment, request });
}

/** `modeshift audit` of an environment of any compose file, run in-process against the target. */
export async function auditComposeFile(
  target: Target,
  audited: { file: string; project: string; environment: string; request?: DeployRequest | undefined },
): Promise<AuditReport> {
  const io: Io = {
    stdout: () => {},
    stderr: () => {},
    env: {},
    cwd: resolve(import.meta.dirname, '../..'),
    now: () => new Date('2026-11-26T07:00:00Z'),
  };
  return auditEnvironment(
    {
      clients: target.clients,
      tagging: () => new ResourceGroupsTaggingAPIClient(target.settings),
      tableName: target.names.tableName,
      accountId: target.names.accountId,
      region: target.names.region,
    },
    {
      file: audited.file,
      env: audited.environment,
      ...(audited.request ? { request: audited.request } : {}),
    },
    io,
    audited.project,
  );
}
