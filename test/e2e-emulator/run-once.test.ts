// A migration on the local AWS: a service others wait for with
// `condition: service_completed_successfully` runs once, as an ECS task, after
// the foundations and before the services roll out; a failing one stops the
// deploy before any service changes, and releases the lock.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { DescribeDBSnapshotsCommand, ListTagsForResourceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { databaseNames, serviceNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { readEnvironment, readHistory } from '../../local/records.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { callsOf, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

function composeFile(migration: string, webGreeting: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-run-once-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: migrating
services:
  web:
    image: nginx:1.27
    environment:
      GREETING: ${webGreeting}
    depends_on:
      migrate:
        condition: service_completed_successfully
      db:
        condition: service_started
  worker:
    image: busybox:1.36
    command: ["sleep", "infinity"]
  migrate:
    image: busybox:1.36
    command: ["sh", "-c", "${migration}"]
    depends_on: [db]
  db:
    image: postgres:16
    x-defang-postgres: true
`,
  );
  return file;
}

let deployments = 0;

async function deploy(
  target: Target,
  file: string,
  mode: Mode = 'development',
  overrides: { network?: 'shared' | 'dedicated' } = {},
) {
  deployments += 1;
  const composed = loadComposeFile(file, {
    environment: 'main',
    mode,
    deploymentId: `run-once-${deployments}`,
    variables: {},
  });
  return deployOnTarget(target, { ...composed, resolved: resolvePolicy(composed.request.mode, overrides) });
}

const ecs = (target: Target) => target.clients('ecs') as ECSClient;

async function ecsServices(target: Target) {
  const names = ['web', 'worker', 'migrate'].map(
    (service) => serviceNames('migrating', 'main', service).ecsService,
  );
  const { services = [] } = await ecs(target).send(
    new DescribeServicesCommand({ cluster: 'migrating--main', services: names }),
  );
  return services.filter((service) => service.status === 'ACTIVE');
}

/** Where in the run's calls the first call of a command to a service is. */
function firstCall(target: Target, command: string, matches: (input: Record<string, unknown>) => boolean) {
  return target.calls.findIndex(
    (call) =>
      call.service === 'ecs' && call.command === command && matches(call.input as Record<string, unknown>),
  );
}

describe('a run-once migration on the local AWS', () => {
  it('runs once, with the new image and the database wired, before the services that wait for it roll out', async () => {
    const target = aws.target();
    const report = await deploy(target, composeFile('echo migrated', 'hello'));

    expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
    const runs = callsOf(target, 'ecs', 'RunTaskCommand') as Array<Record<string, unknown>>;
    expect(runs).toEqual([
      expect.objectContaining({
        cluster: 'migrating--main',
        count: 1,
        launchType: 'FARGATE',
        startedBy: expect.stringMatching(/^modeshift-run-once-/),
        taskDefinition: expect.stringContaining(
          `task-definition/${serviceNames('migrating', 'main', 'migrate').taskFamily}:`,
        ),
      }),
    ]);
    const ran = firstCall(target, 'RunTaskCommand', () => true);
    const web = firstCall(target, 'CreateServiceCommand', (input) => input.serviceName === 'web');
    const worker = firstCall(target, 'CreateServiceCommand', (input) => input.serviceName === 'worker');
    expect(ran).toBeGreaterThan(-1);
    expect(web, 'web rolls out after the migration').toBeGreaterThan(ran);
    expect(worker, 'so does every other service').toBeGreaterThan(ran);

    const registered = callsOf(target, 'ecs', 'RegisterTaskDefinitionCommand') as Array<{
      family: string;
      containerDefinitions: Array<{ command?: string[]; environment?: Array<{ name: string }> }>;
    }>;
    const migration = registered.find(
      (definition) => definition.family === serviceNames('migrating', 'main', 'migrate').taskFamily,
    );
    expect(migration?.containerDefinitions[0]?.command).toEqual(['sh', '-c', 'echo migrated']);
    expect(
      migration?.containerDefinitions[0]?.environment?.map((variable) => variable.name),
      'the migration reaches the database as the services do',
    ).toEqual(expect.arrayContaining(['PGHOST', 'PGDATABASE', 'PGUSER']));

    expect(
      (await ecsServices(target)).map((service) => service.serviceName).sort(),
      'the migration is no long-running service',
    ).toEqual(['web', 'worker']);
    const history = await readHistory(
      target.clients('dynamodb') as DynamoDBClient,
      target.names.tableName,
      'migrating',
      'main',
    );
    expect(history.at(-1)).toMatchObject({ action: 'deploy', status: 'succeeded' });
  });

  it('stops the deploy at a migration that exits non-zero, naming the task, its exit code and its log stream, with every service untouched and the lock released', async () => {
    const target = aws.target();
    expect((await deploy(target, composeFile('echo migrated', 'hello'))).status).toBe('SUCCEEDED');
    const before = await ecsServices(target);
    const callsBefore = target.calls.length;

    const failed = await deploy(target, composeFile('./migrate.sh && exit 3', 'changed'));

    expect(failed.status).toBe('FAILED');
    expect(failed.failedState).toBe('RunOnceTasks');
    expect(failed.error).toBe('Modeshift.RunOnceFailed');
    expect(failed.cause).toMatch(
      /run-once service migrate \(task [0-9a-f-]+\) exited with code 3; no service was rolled out\. Its log: \/modeshift\/migrating\/main\/migrate migrate\/migrate\/[0-9a-f-]+/,
    );
    const during = target.calls.slice(callsBefore);
    expect(
      during.filter(
        (call) =>
          call.service === 'ecs' && ['UpdateServiceCommand', 'CreateServiceCommand'].includes(call.command),
      ),
      'no service was created or updated',
    ).toEqual([]);
    expect(
      during.filter(
        (call) => call.service === 'elasticloadbalancingv2' && /Listener|Rule/.test(call.command),
      ),
      'nor any listener',
    ).toEqual([]);
    const after = await ecsServices(target);
    expect(after.map((service) => [service.serviceName, service.taskDefinition])).toEqual(
      before.map((service) => [service.serviceName, service.taskDefinition]),
    );
    const record = await readEnvironment(
      target.clients('dynamodb') as DynamoDBClient,
      target.names.tableName,
      'migrating',
      'main',
    );
    expect(record?.lockId, 'the lock is released').toBeUndefined();
    const history = await readHistory(
      target.clients('dynamodb') as DynamoDBClient,
      target.names.tableName,
      'migrating',
      'main',
    );
    expect(history.at(-1)).toMatchObject({
      action: 'deploy',
      status: 'failed',
      failedState: 'RunOnceTasks',
      error: 'Modeshift.RunOnceFailed',
    });
  });

  it('snapshots the database first in production (<instance>-pre-<deployment>, tagged, kept), and not in development', async () => {
    const target = aws.target();
    // Promoted to production in place: a network of its own from the start.
    const development = await deploy(target, composeFile('echo migrated', 'hello'), 'development', {
      network: 'dedicated',
    });
    expect(development.status).toBe('SUCCEEDED');
    expect(callsOf(target, 'rds', 'CreateDBSnapshotCommand'), 'development takes none').toEqual([]);

    const report = await deploy(target, composeFile('echo migrated', 'hello'), 'production');

    expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
    const instance = databaseNames('migrating', 'main', 'db').instance;
    const rds = target.clients('rds') as RDSClient;
    const { DBSnapshots = [] } = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance, SnapshotType: 'manual' }),
    );
    const snapshot = DBSnapshots.find((found) => found.DBSnapshotIdentifier?.startsWith(`${instance}-pre-`));
    expect(snapshot?.DBSnapshotIdentifier).toBe(`${instance}-pre-run-once-${deployments}`);
    const { TagList = [] } = await rds.send(
      new ListTagsForResourceCommand({ ResourceName: snapshot?.DBSnapshotArn }),
    );
    expect(TagList).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'migrating' },
        { Key: 'modeshift:environment', Value: 'main' },
      ]),
    );
    const snapshotted = target.calls.findIndex(
      (call) => call.service === 'rds' && call.command === 'CreateDBSnapshotCommand',
    );
    const ran = target.calls.findIndex(
      (call) =>
        call.service === 'ecs' &&
        call.command === 'RunTaskCommand' &&
        target.calls.indexOf(call) > snapshotted,
    );
    expect(snapshotted).toBeGreaterThan(-1);
    expect(ran, 'the migration runs after the snapshot').toBeGreaterThan(snapshotted);
  });
});
