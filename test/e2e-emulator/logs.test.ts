// End-to-end: `modeshift logs` reading a deployed environment's log groups from the local AWS.
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';
import { deployShop, downShop, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const logs = () => aws.target().clients('cloudwatchlogs') as CloudWatchLogsClient;

/** Now, to the second, so that lines written "a minute ago" are within CloudWatch's 14-day limit. */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const ago = (seconds: number) => NOW - seconds * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `modeshift logs … --endpoint <local AWS>` in-process at NOW, as on a terminal when `tty`. */
async function runLogs(
  args: readonly string[],
  options: { tty?: boolean; onInterrupt?: Io['onInterrupt']; onStdout?: (text: string) => void } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => {
      stdout += text;
      options.onStdout?.(stdout);
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { MODESHIFT_LOGS_POLL_MS: '50' },
    cwd: resolve(import.meta.dirname, '../..'),
    now: () => new Date(NOW),
    stdoutIsTTY: options.tty === true,
    ...(options.onInterrupt ? { onInterrupt: options.onInterrupt } : {}),
  };
  const code = await run(['logs', '--project', 'shop', ...args, '--endpoint', aws.endpoint()], io);
  return { code, stdout, stderr };
}

async function write(logGroupName: string, stream: string, lines: Array<[number, string]>) {
  await logs()
    .send(new CreateLogStreamCommand({ logGroupName, logStreamName: stream }))
    .catch(() => undefined);
  await logs().send(
    new PutLogEventsCommand({
      logGroupName,
      logStreamName: stream,
      logEvents: lines.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

const group = (service: string) => `/modeshift/shop/logs/${service}`;

async function deployWithLines() {
  expect((await deployShop(aws.target(), 'development', 'logs')).status).toBe('SUCCEEDED');
  await write(group('web'), 'web/web/task-1', [
    [ago(300), 'GET / 200'],
    [ago(120), 'GET /cart 200'],
  ]);
  await write(group('api'), 'api/api/task-1', [
    [ago(200), 'listening on 8080'],
    [ago(60), 'ERROR payment declined'],
  ]);
}

describe('modeshift logs on the local AWS', () => {
  it('merges the services’ lines in time order, each prefixed with its service', async () => {
    await deployWithLines();

    const result = await runLogs(['--env', 'logs', '--since', '10m']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(`target: the AWS API at ${aws.endpoint()}`);
    expect(result.stdout).toBe(
      [
        `web    | ${iso(ago(300))} GET / 200`,
        `api    | ${iso(ago(200))} listening on 8080`,
        `web    | ${iso(ago(120))} GET /cart 200`,
        `api    | ${iso(ago(60))} ERROR payment declined`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('keeps to the services, window and pattern asked for, and prints JSON lines with --json', async () => {
    await deployWithLines();

    const web = await runLogs(['--env', 'logs', '--service', 'web', '--since', iso(ago(200))]);
    const windowed = await runLogs(['--env', 'logs', '--since', iso(ago(250)), '--until', iso(ago(100))]);
    const errors = await runLogs(['--env', 'logs', '--filter', 'ERROR']);
    const json = await runLogs(['--env', 'logs', '--service', 'api', '--json']);

    expect(web.stdout).toBe(`web | ${iso(ago(120))} GET /cart 200\n`);
    expect(windowed.stdout).toBe(
      `api    | ${iso(ago(200))} listening on 8080\nweb    | ${iso(ago(120))} GET /cart 200\n`,
    );
    expect(errors.stdout).toBe(`api    | ${iso(ago(60))} ERROR payment declined\n`);
    const objects = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(objects).toEqual([
      expect.objectContaining({
        time: iso(ago(200)),
        service: 'api',
        source: 'service',
        message: 'listening on 8080',
      }),
      expect.objectContaining({ time: iso(ago(60)), service: 'api', message: 'ERROR payment declined' }),
    ]);
    expect(objects[0].logStream).toBe('api/api/task-1');
  }, 60_000);

  it('colours the prefix on a terminal only', async () => {
    await deployWithLines();

    const tty = await runLogs(['--env', 'logs', '--service', 'web'], { tty: true });

    expect(tty.stdout).toContain('\u001b[');
    expect(stripVTControlCharacters(tty.stdout)).toBe(
      `web | ${iso(ago(300))} GET / 200\nweb | ${iso(ago(120))} GET /cart 200\n`,
    );
  }, 60_000);

  it('says plainly when a service has no logs yet, a window is empty, or lines are past retention', async () => {
    await deployWithLines();

    const worker = await runLogs(['--env', 'logs', '--service', 'worker']);
    const empty = await runLogs(['--env', 'logs', '--since', '2h', '--until', '1h']);
    const old = await runLogs(['--env', 'logs', '--service', 'web', '--since', '3d']);
    const missing = await runLogs(['--env', 'logs', '--service', 'cron']);

    expect(worker.code).toBe(0);
    expect(worker.stdout).toBe('');
    expect(worker.stderr).toContain(`no log lines from ${iso(ago(600))} to ${iso(NOW)}`);
    expect(worker.stderr).toContain('worker: no logs yet\n');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain(`no log lines from ${iso(ago(7200))} to ${iso(ago(3600))}`);
    expect(empty.stderr).not.toMatch(/(web|api): no logs yet/);
    expect(old.code).toBe(0);
    expect(old.stderr).toContain(`web: logs are kept 1 day; lines before ${iso(ago(86_400))} are gone`);
    expect(old.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toContain('cron: no logs yet (no log group /modeshift/shop/logs/cron)');
  }, 60_000);

  it('includes the image builds with --builds, labelled build:<service>', async () => {
    await deployWithLines();
    const buildGroup = '/aws/codebuild/shop--logs--web';
    await logs().send(new CreateLogGroupCommand({ logGroupName: buildGroup }));
    await write(buildGroup, 'build-1', [[ago(400), 'Step 1/5 : FROM node:22-alpine']]);

    const without = await runLogs(['--env', 'logs', '--service', 'web']);
    const withBuilds = await runLogs(['--env', 'logs', '--service', 'web', '--builds']);

    expect(without.stdout).not.toContain('FROM node');
    expect(withBuilds.stdout.split('\n')[0]).toBe(
      `build:web | ${iso(ago(400))} Step 1/5 : FROM node:22-alpine`,
    );
    expect(withBuilds.stdout.split('\n')[1]).toBe(`web       | ${iso(ago(300))} GET / 200`);
  }, 60_000);

  it('follows new lines as they are written, each once, until interrupted', async () => {
    await deployWithLines();
    let interrupt = () => {};
    let wrote = false;

    const result = await runLogs(['--env', 'logs', '--service', 'api', '--follow'], {
      onInterrupt: (listener) => {
        interrupt = listener;
        return () => {};
      },
      onStdout: (stdout) => {
        if (!wrote && stdout.includes('payment declined')) {
          wrote = true;
          void write(group('api'), 'api/api/task-2', [
            [ago(30), 'retrying payment'],
            [ago(1), 'payment accepted'],
          ]);
        }
        if (stdout.includes('payment accepted')) setTimeout(() => interrupt(), 200);
      },
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        `api | ${iso(ago(200))} listening on 8080`,
        `api | ${iso(ago(60))} ERROR payment declined`,
        `api | ${iso(ago(30))} retrying payment`,
        `api | ${iso(ago(1))} payment accepted`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('refuses a bad option naming it, and says when the environment was taken down', async () => {
    const badSince = await runLogs(['--env', 'logs', '--since', 'yesterday']);
    const badService = await runLogs(['--env', 'logs', '--service', 'Web_1']);
    const untilFollow = await runLogs(['--env', 'logs', '--until', '1m', '--follow']);
    const nothing = await runLogs(['--env', 'nowhere']);
    expect((await deployShop(aws.target(), 'development', 'logs')).status).toBe('SUCCEEDED');
    expect((await downShop(aws.target(), 'logs')).status).toBe('SUCCEEDED');
    const down = await runLogs(['--env', 'logs']);

    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since: "yesterday" is neither a duration');
    expect(badService.code).toBe(2);
    expect(badService.stderr).toContain('--service[0]: "Web_1"');
    expect(untilFollow.code).toBe(2);
    expect(untilFollow.stderr).toContain('--until: cannot be combined with --follow');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(`no environment shop/nowhere at ${aws.endpoint()}`);
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/shop\/logs was taken down at \S+: its log groups went with it/);
  }, 90_000);
});
