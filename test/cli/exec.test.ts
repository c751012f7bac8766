import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ExecuteCommandCommand,
  ListTasksCommand,
  TargetNotConnectedException,
  type Task,
} from '@aws-sdk/client-ecs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MODE_POLICIES, type Mode } from '../../core/policy.ts';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { runCli } from '../support/cli.ts';

const ecs = mockClient(ECSClient);
const dynamodb = mockClient(DynamoDBClient);
const callerIdentity = mockCallerIdentity();

/** A deployed app, as `sst deploy` leaves its names in MODESHIFT_* variables. */
const APP = {
  MODESHIFT_BUS: 'modeshift-prod-bus',
  MODESHIFT_TABLE: 'modeshift-prod-environments',
  MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
  MODESHIFT_DEPLOY_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
  MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
  AWS_REGION: 'us-east-1',
};

const TASKS = 'arn:aws:ecs:us-east-1:123456789012:task/shop--main';
const SESSION = {
  sessionId: 'ecs-execute-command-1',
  streamUrl: 'wss://ssmmessages.example/1',
  tokenValue: 't0k',
};

/** A fake Session Manager plugin on its own PATH: it writes its arguments, one a line, and exits with `code`. */
function fakePlugin(code: number) {
  const directory = mkdtempSync(join(tmpdir(), 'modeshift-plugin-'));
  const plugin = join(directory, 'session-manager-plugin');
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s\\n' "$@" > "${directory}/args"\nexit ${code}\n`);
  chmodSync(plugin, 0o755);
  return {
    PATH: directory,
    args: () => readFileSync(join(directory, 'args'), 'utf8').split('\n').slice(0, -1),
  };
}

function givenEnvironment(mode: Mode, policy: Record<string, unknown> = MODE_POLICIES[mode]) {
  dynamodb.on(GetItemCommand).resolves({
    Item: marshall({ pk: 'shop#main', sk: 'ENV', status: 'deployed', mode, policy: JSON.stringify(policy) }),
  });
}

function givenService(enableExecuteCommand: boolean) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ serviceName: 'web', status: 'ACTIVE', enableExecuteCommand }],
  });
}

const task = (id: string, overrides: Partial<Task> = {}): Task => ({
  taskArn: `${TASKS}/${id}`,
  lastStatus: 'RUNNING',
  group: 'service:web',
  startedAt: new Date('2026-11-26T06:00:00Z'),
  containers: [{ name: 'web', runtimeId: `${id}-runtime` }],
  ...overrides,
});

function givenTasks(tasks: Task[]) {
  ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn as string) });
  ecs.on(DescribeTasksCommand).resolves({ tasks });
}

const exec = (args: string[], env: Record<string, string> = {}) =>
  runCli(['exec', 'web', '--project', 'shop', '--env', 'main', ...args], { ...APP, PATH: '', ...env });

beforeEach(() => {
  // The SDK's clients take the region from the process, as the CLI's do.
  vi.stubEnv('AWS_REGION', 'us-east-1');
  callerIdentity.answer();
  ecs.reset();
  dynamodb.reset();
  ecs.on(ExecuteCommandCommand).resolves({ session: SESSION, taskArn: `${TASKS}/new` });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('modeshift exec — a session', () => {
  it("opens a shell in the service's newest running task and hands it to the plugin, as the AWS CLI does", async () => {
    givenEnvironment('development');
    givenService(true);
    givenTasks([
      task('old'),
      task('new', { startedAt: new Date('2026-11-26T06:30:00Z') }),
      task('stopped', { lastStatus: 'STOPPED', startedAt: new Date('2026-11-26T06:50:00Z') }),
      task('console', { group: 'family:shop--main--web', startedAt: new Date('2026-11-26T06:55:00Z') }),
    ]);
    const plugin = fakePlugin(0);

    const result = await exec([], { PATH: plugin.PATH });

    expect(result.code, result.stderr).toBe(0);
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'shop--main',
      serviceName: 'web',
      desiredStatus: 'RUNNING',
    });
    expect(ecs).toHaveReceivedCommandWith(ExecuteCommandCommand, {
      cluster: 'shop--main',
      task: `${TASKS}/new`,
      container: 'web',
      interactive: true,
      command: '/bin/sh',
    });
    expect(plugin.args()).toEqual([
      JSON.stringify(SESSION),
      'us-east-1',
      'StartSession',
      '',
      JSON.stringify({ Target: 'ecs:shop--main_new_new-runtime' }),
      'https://ecs.us-east-1.amazonaws.com',
    ]);
    expect(result.stderr).toContain('▶ /bin/sh in container web of task new on shop--main');
  });

  it("exits with the plugin's exit code", async () => {
    givenEnvironment('staging');
    givenService(true);
    givenTasks([task('one')]);

    const result = await exec(['--command', 'bin/rails console'], { PATH: fakePlugin(5).PATH });

    expect(result.code).toBe(5);
    expect(result.stderr).toContain('✗ session-manager-plugin exited with code 5');
    expect(ecs).toHaveReceivedCommandWith(ExecuteCommandCommand, { command: 'bin/rails console' });
  });

  it('prints the session with --json, for a plugin started elsewhere, and starts none', async () => {
    givenEnvironment('development');
    givenService(true);
    givenTasks([task('one')]);

    const result = await exec(['--json']);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      project: 'shop',
      environment: 'main',
      service: 'web',
      cluster: 'shop--main',
      task: 'one',
      container: 'web',
      command: '/bin/sh',
      session: SESSION,
      target: 'ecs:shop--main_one_one-runtime',
      region: 'us-east-1',
      endpoint: 'https://ecs.us-east-1.amazonaws.com',
    });
  });

  it('opens the task --task names, when it runs the service’s container', async () => {
    givenEnvironment('development');
    givenService(true);
    ecs.on(DescribeTasksCommand).resolves({ tasks: [task('chosen', { group: 'family:shop--main--web' })] });

    const result = await exec(['--task', 'chosen', '--json']);

    expect(result.code, result.stderr).toBe(0);
    expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    expect(ecs).toHaveReceivedCommandWith(ExecuteCommandCommand, { task: `${TASKS}/chosen` });
  });
});

describe('modeshift exec — refusals', () => {
  it('says how to install the plugin when it is not on PATH, and opens no session', async () => {
    givenEnvironment('development');
    givenService(true);
    givenTasks([task('one')]);

    const result = await exec([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "error: session-manager-plugin: is not on PATH: ECS Exec carries its session through AWS's Session Manager plugin; install it (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html)",
    );
    expect(ecs).not.toHaveReceivedCommand(ExecuteCommandCommand);
  });

  it('names the override that turned ECS Exec off in development', async () => {
    givenEnvironment('development', { ...MODE_POLICIES.development, executeCommand: false });
    givenService(false);

    const result = await exec([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: executeCommand: ECS Exec is off for service web of shop/main: the last deploy turned it off (--set executeCommand=false; development mode has it on)',
    );
    expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
  });

  it('lets production open a shell when its deploy turned ECS Exec on', async () => {
    givenEnvironment('production', { ...MODE_POLICIES.production, executeCommand: true });
    givenService(true);
    givenTasks([task('one')]);

    expect((await exec(['--json'])).code).toBe(0);
  });

  it('refuses a task started before ECS Exec was turned on', async () => {
    givenEnvironment('staging');
    givenService(true);
    givenTasks([task('one', { enableExecuteCommand: false })]);

    const result = await exec([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: SERVICE: task one of service web of shop/main was started before ECS Exec was turned on',
    );
  });

  it('refuses a --task that has stopped or is not one of the service’s', async () => {
    givenEnvironment('development');
    givenService(true);
    ecs
      .on(DescribeTasksCommand, { tasks: ['gone'] })
      .resolves({ tasks: [task('gone', { lastStatus: 'STOPPED' })] });
    ecs
      .on(DescribeTasksCommand, { tasks: ['api-1'] })
      .resolves({ tasks: [task('api-1', { containers: [{ name: 'api' }] })] });

    expect((await exec(['--task', 'gone'])).stderr).toContain(
      'error: --task: task gone is STOPPED: ECS Exec needs a RUNNING task',
    );
    expect((await exec(['--task', 'api-1'])).stderr).toContain(
      'error: --task: task api-1 has no container web',
    );
  });

  it('refuses an environment that is not deployed', async () => {
    dynamodb.on(GetItemCommand).resolves({});

    const result = await exec([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: --env: shop/main is not known at table modeshift-prod-environments',
    );
    expect(ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
  });

  it("points at the task role when ECS cannot reach the task's agent", async () => {
    givenEnvironment('development');
    givenService(true);
    givenTasks([task('one')]);
    ecs
      .on(ExecuteCommandCommand)
      .rejects(new TargetNotConnectedException({ message: 'agent not connected', $metadata: {} }));

    const result = await exec([], { PATH: fakePlugin(0).PATH });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("✗ ECS could not reach task one's SSM agent (agent not connected)");
    expect(result.stderr).toContain('core/exec-channel.ts');
  });
});
