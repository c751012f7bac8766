/**
 * The main job, end to end, on the embedded local AWS: the bundled example
 * deployed as development, promoted to staging and production, its actual
 * state per mode read back side by side, then production (confirmed) and a
 * separate development environment taken down, with what each kept, and
 * production brought back from its final snapshot in between.
 */
import { fileURLToPath } from 'node:url';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Command } from 'commander';
import { loadComposeFile } from '../../core/compose.ts';
import { databaseNames, publicZoneName } from '../../core/names.ts';
import { sharedNetworkOf } from '../../core/plan.ts';
import { MODES, type Mode, type Overrides, resolvePolicy } from '../../core/policy.ts';
import type { DeployRequest } from '../../core/request.ts';
import type { WorkflowName } from '../../core/workflow-definitions.ts';
import {
  type EnvironmentState,
  readEnvironmentState,
  readServiceWiring,
  readTeardownState,
  type ServiceWiringState,
  type TeardownState,
} from '../../local/read-back.ts';
import { deployOnTarget, downOnTarget, type RunReport } from '../../local/run-workflows.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { describeEndpoint } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import type { Io } from '../io.ts';
import { progressFor, withProgress } from '../live-progress.ts';
import { withLatestSnapshots } from '../restore-latest.ts';
import { readableCause } from '../run-report.ts';
import { renderTable } from '../table.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/shop/compose.yaml', import.meta.url));

const ROWS: Array<[keyof EnvironmentState, string]> = [
  ['buildComputeType', 'CodeBuild compute type'],
  ['capacityProvider', 'cluster default capacity'],
  ['serviceCapacityProvider', 'service capacity'],
  ['deploymentConfiguration', 'deployment configuration'],
  ['dbInstanceClass', 'database class'],
  ['storageEncrypted', 'database encrypted'],
  ['dbDeletionProtection', 'database deletion protection'],
  ['dbMultiAz', 'database Multi-AZ'],
  ['dbBackupRetentionDays', 'database backups (days)'],
  ['logRetentionDays', 'log retention (days)'],
  ['natGateways', 'NAT gateways'],
  ['httpRedirectCode', 'HTTP → HTTPS redirect'],
  ['lbDeletionProtection', 'load balancer deletion protection'],
  ['dnsTtlSeconds', 'DNS record TTL (s)'],
];

/**
 * shop/main is promoted in place up to production, and an environment leaves a shared network only
 * through a down: it has a network of its own from the start. shop/preview is in the shared one.
 */
const PROMOTED = { network: 'dedicated' } as const;

function request(mode: Mode, environment: string, id: string, io: Io, overrides: Overrides = {}) {
  const composed = loadComposeFile(EXAMPLE, { environment, mode, deploymentId: id, variables: io.env });
  return { ...composed, resolved: resolvePolicy(composed.request.mode, overrides) };
}

function check(report: RunReport): RunReport {
  if (report.status !== 'SUCCEEDED') {
    throw new CommandFailedError(
      `✗ ${report.workflow} of ${report.project}/${report.environment} failed at ${report.failedState}: ${report.error} — ${readableCause(report.cause)}`,
    );
  }
  return report;
}

function servicesOf(deployRequest: DeployRequest) {
  return {
    built: deployRequest.services.filter((s) => s.build).map((s) => s.name),
    all: deployRequest.services.map((s) => s.name),
    databases: deployRequest.databases.map((d) => d.name),
  };
}

async function runDemo(target: Target, io: Io, say: (line: string) => void, json: boolean) {
  // The live view on a terminal, cleared when the run ends (the demo says what it did); elsewhere no step lines, as ever.
  const shown = (workflow: WorkflowName) => progressFor(workflow, io, { json, lines: false, keep: false });
  const deploy = (loaded: ReturnType<typeof request>) =>
    withProgress(shown('deploy'), (progress) =>
      deployOnTarget(target, loaded, { now: io.now(), ...progress }),
    );
  const down = (environment: string, confirm?: string) =>
    withProgress(shown('down'), (progress) =>
      downOnTarget(
        target,
        { project: 'shop', environment, ...(confirm !== undefined ? { confirm } : {}) },
        { now: io.now(), ...progress },
      ),
    );
  const states = new Map<Mode, EnvironmentState>();
  let last: ReturnType<typeof request> | undefined;
  let wiring: ServiceWiringState | undefined;
  for (const [step, mode] of MODES.entries()) {
    const loaded = request(mode, 'main', `demo-${step + 1}-${mode}`, io, PROMOTED);
    say(`${step === 0 ? 'Deploying' : 'Promoting'} shop/main as ${mode} …`);
    const report = check(await deploy(loaded));
    say(`  done: ${report.transitions} state transitions, ${(report.durationMs / 1000).toFixed(1)}s`);
    states.set(mode, await readEnvironmentState(target, 'shop', 'main', servicesOf(loaded.request)));
    wiring ??= await readServiceWiring(target, 'shop', 'main', 'api');
    last = loaded;
  }
  say('Taking production down (confirmed) …');
  check(await down('main', 'main'));
  const domain = last?.request.domain;
  const production = await readTeardownState(
    target,
    'shop',
    'main',
    ['db'],
    domain && publicZoneName(domain, 'main', true),
  );

  say('Bringing production back from its final snapshot (deploy --restore-latest) …');
  const restoring = await withLatestSnapshots(
    request('production', 'main', 'demo-restore', io, PROMOTED),
    {
      rds: target.clients('rds') as RDSClient,
      elasticache: target.clients('elasticache') as ElastiCacheClient,
    },
    (line) => say(`  ${line}`),
  );
  check(await deploy(restoring));
  const restored = await readRestoredDatabases(target, restoring.request.databases);
  check(await down('main', 'main'));

  say(
    "Deploying a separate development environment shop/preview in the project's shared network, then taking it down …",
  );
  const preview = request('development', 'preview', 'demo-preview', io);
  check(await deploy(preview));
  check(await down('preview'));
  const development = await readTeardownState(
    target,
    'shop',
    'preview',
    ['db'],
    domain && publicZoneName(domain, 'preview', false),
    sharedNetworkOf(preview.request, preview.resolved),
  );
  return { states, wiring, production, restored, development };
}

/** Each database a deploy created from a snapshot, as RDS describes it now. */
async function readRestoredDatabases(
  target: Target,
  databases: ReadonlyArray<{ readonly name: string; readonly snapshot?: string | undefined }>,
) {
  const rds = target.clients('rds') as RDSClient;
  return Promise.all(
    databases.flatMap((database) => {
      if (database.snapshot === undefined) return [];
      const { instance } = databaseNames('shop', 'main', database.name);
      return [
        rds
          .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }))
          .then(({ DBInstances }) => ({
            database: database.name,
            instance,
            snapshot: database.snapshot as string,
            status: DBInstances?.[0]?.DBInstanceStatus ?? 'missing',
            instanceClass: DBInstances?.[0]?.DBInstanceClass ?? '—',
            multiAz: DBInstances?.[0]?.MultiAZ === true,
            backupRetentionDays: DBInstances?.[0]?.BackupRetentionPeriod ?? 0,
          })),
      ];
    }),
  );
}

function renderRestored(restored: Awaited<ReturnType<typeof readRestoredDatabases>>): string {
  return [
    'Production brought back from its final snapshot (deploy --restore-latest), read back:',
    ...restored.map(
      (found) =>
        `  database ${found.database}  ${found.instance} ${found.status}, from ${found.snapshot} (${found.instanceClass}, ${found.multiAz ? 'Multi-AZ' : 'single-AZ'}, ${found.backupRetentionDays} days of backups)`,
    ),
  ].join('\n');
}

/** The api's database settings and secrets as its task definition has them, and what its role may read. */
function renderWiring(wiring: ServiceWiringState): string {
  return [
    `The api's connection to db, read back from task definition ${wiring.taskDefinition}:`,
    ...Object.entries(wiring.connection).map(([name, value]) => `  ${name}=${value}`),
    ...wiring.secrets.map((secret) => `  ${secret.name} ← ${secret.valueFrom}`),
    `  execution role ${wiring.executionRole} may read only:`,
    ...wiring.readable.map((arn) => `    ${arn}`),
  ].join('\n');
}

function renderTeardown(title: string, state: TeardownState): string {
  return [
    title,
    ...state.retained.map((what) => `  kept       ${what}`),
    ...state.destroyed.map((what) => `  destroyed  ${what}`),
  ].join('\n');
}

export function registerDemo(program: Command, io: Io) {
  program
    .command('demo')
    .description(
      'deploy the bundled example in every mode on the embedded local AWS, show the state per mode, then tear down',
    )
    .option('--endpoint <url>', 'AWS API endpoint; "local" (the default) starts the embedded local AWS')
    .option('--json', 'print one machine-readable JSON document')
    .action(async (options: { endpoint?: string; json?: boolean }) => {
      const started = Date.now();
      const say = (line: string) => io.stderr(`${line}\n`);
      const target = await openTarget(options.endpoint ?? 'local', { env: io.env, log: say });
      try {
        say(describeEndpoint(target));
        const result = await runDemo(target, io, say, options.json === true);
        if (options.json) {
          io.stdout(
            `${JSON.stringify(
              {
                modes: Object.fromEntries(result.states),
                wiring: result.wiring,
                teardown: { production: result.production, development: result.development },
                restored: result.restored,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        const sentAny = [...result.states.values()].some((state) => Object.values(state).some((v) => v.sent));
        const table = renderTable(
          ['actual state (read back)', ...MODES],
          ROWS.map(([key, label]) => [
            label,
            ...MODES.map((mode) => {
              const read = result.states.get(mode)?.[key];
              return read ? `${read.value}${read.sent ? ' *' : ''}` : '—';
            }),
          ]),
        );
        io.stdout(`\nshop/main, deployed in each mode on ${target.endpoint}:\n\n${table}\n`);
        if (sentAny) {
          io.stdout(
            '* not kept by the local emulator (moto); the value modeshift sent in CreateService/UpdateService\n',
          );
        }
        if (result.wiring) io.stdout(`\n${renderWiring(result.wiring)}\n`);
        io.stdout(`\n${renderTeardown('Down of shop/main (production, confirmed):', result.production)}\n`);
        io.stdout(`\n${renderRestored(result.restored)}\n`);
        io.stdout(`\n${renderTeardown('Down of shop/preview (development):', result.development)}\n`);
        io.stdout(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)}s.\n`);
      } finally {
        await target.close();
      }
    });
}
