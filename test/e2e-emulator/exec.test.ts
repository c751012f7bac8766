// `modeshift exec`: ECS Exec follows the mode's executeCommand setting, on the local AWS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand, type ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import { runCli } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const FILE = join(mkdtempSync(join(tmpdir(), 'modeshift-exec-')), 'compose.yaml');
writeFileSync(
  FILE,
  `name: console
services:
  web:
    image: nginx:1.27
`,
);

async function deploy(environment: string, mode: Mode) {
  const composed = loadComposeFile(FILE, {
    environment,
    mode,
    deploymentId: `exec-${environment}`,
    variables: {},
  });
  const report = await deployOnTarget(aws.target(), { ...composed, resolved: resolvePolicy(mode) });
  expect(report.status).toBe('SUCCEEDED');
}

const exec = (environment: string, ...args: string[]) =>
  runCli(['exec', '-f', FILE, '--env', environment, '--endpoint', aws.endpoint(), ...args]);

async function describeWeb(cluster: string) {
  const ecs = aws.target().clients('ecs') as ECSClient;
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: ['web'] }));
  return services[0];
}

/** moto's state manager: its tasks stay RUNNING for this many looks (it starts none for services). */
async function keepTasksRunning(times: number | undefined) {
  const action = times === undefined ? 'unset-transition' : 'set-transition';
  const body =
    times === undefined
      ? { model_name: 'ecs::task' }
      : { model_name: 'ecs::task', transition: { progression: 'manual', times } };
  const response = await fetch(`${aws.endpoint()}/moto-api/state-manager/${action}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
}

describe('modeshift exec on the local AWS', () => {
  it('turns ECS Exec on for development services and off for production ones', async () => {
    await deploy('dev', 'development');
    await deploy('live', 'production');

    expect((await describeWeb('console--dev'))?.enableExecuteCommand).toBe(true);
    expect((await describeWeb('console--live'))?.enableExecuteCommand).toBe(false);
  });

  it('refuses a production service, naming the setting that turns ECS Exec off', async () => {
    await deploy('live', 'production');

    const result = await exec('live', 'web');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: executeCommand: ECS Exec is off for service web of console/live: production mode turns it off (executeCommand: false)',
    );
    const json = await exec('live', 'web', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { kind: 'ExecRefusedError', problems: [{ path: 'executeCommand' }] },
    });
  });

  it('says a development service has no running task, as the local AWS starts none', async () => {
    await deploy('dev', 'development');

    const result = await exec('dev', 'web');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: SERVICE: service web of console/dev has no running task: the local AWS starts no tasks for services',
    );
  });

  it('names the task it would have opened a shell in: the local AWS has no ExecuteCommand', async () => {
    await deploy('dev', 'development');
    const service = await describeWeb('console--dev');
    await keepTasksRunning(1000);
    try {
      const ecs = aws.target().clients('ecs') as ECSClient;
      // A task of the service, as ECS would start it (moto starts none for services).
      const { tasks = [] } = await ecs.send(
        new RunTaskCommand({
          cluster: 'console--dev',
          taskDefinition: service?.taskDefinition,
          launchType: 'FARGATE',
          group: 'service:web',
          ...(service?.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
        }),
      );
      const taskId = tasks[0]?.taskArn?.split('/').at(-1) as string;

      const result = await exec('dev', 'web', '--task', taskId);

      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(
        `cannot run an ECS Exec session (it does not implement ExecuteCommand); on AWS this would open /bin/sh in container web of task ${taskId} on console--dev`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
      const other = await exec('dev', 'web', '--task', taskId, '--command', 'bin/rails console', '--json');
      expect(other.code).toBe(2);
      expect(JSON.parse(other.stdout)).toMatchObject({
        error: {
          kind: 'ExecRefusedError',
          problems: [{ path: 'local AWS', message: expect.stringContaining('open bin/rails console in') }],
        },
      });
    } finally {
      await keepTasksRunning(undefined);
    }
  });
});
