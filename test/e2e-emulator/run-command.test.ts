// `modeshift run`: a one-off task with a deployed service's task definition and another command, on the local AWS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import { runCli } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const FILE = join(mkdtempSync(join(tmpdir(), 'modeshift-run-')), 'compose.yaml');
writeFileSync(
  FILE,
  `name: console
services:
  web:
    image: nginx:1.27
    depends_on: [db]
  db:
    image: postgres:16
    x-defang-postgres: true
`,
);

const run = (...args: string[]) =>
  runCli(['run', '-f', FILE, '--env', 'main', '--endpoint', aws.endpoint(), ...args]);

describe('modeshift run on the local AWS', () => {
  beforeEach(async () => {
    const composed = loadComposeFile(FILE, {
      environment: 'main',
      mode: 'development',
      deploymentId: 'run-1',
      variables: {},
    });
    const report = await deployOnTarget(aws.target(), {
      ...composed,
      resolved: resolvePolicy('development'),
    });
    expect(report.status).toBe('SUCCEEDED');
  });

  it("runs the service's task definition with the command after --, on the services' network, and exits with the task's code", async () => {
    const failed = await run('web', '--', 'sh', '-c', 'rake db:backfill && exit 4');

    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.stderr).toMatch(
      /▶ task [0-9a-f-]+ of console--main--web on console--main; its log: \/modeshift\/console\/main\/web web\/web\/[0-9a-f-]+/,
    );
    expect(failed.stderr).toMatch(/✗ task [0-9a-f-]+ exited with code 4/);

    const succeeded = await run('web', '--json', '--', 'echo', 'hello');
    expect(succeeded.code, succeeded.stderr).toBe(0);
    expect(JSON.parse(succeeded.stdout)).toMatchObject({
      project: 'console',
      environment: 'main',
      service: 'web',
      exitCode: 0,
      taskDefinition: expect.stringContaining(
        `task-definition/${serviceNames('console', 'main', 'web').taskFamily}:`,
      ),
    });

    // The CLI makes its calls with clients of its own: what ECS ran is read back.
    const ecs = aws.target().clients('ecs') as ECSClient;
    const { taskArns = [] } = await ecs.send(
      new ListTasksCommand({
        cluster: 'console--main',
        startedBy: 'modeshift-run',
        desiredStatus: 'STOPPED',
      }),
    );
    const { tasks = [] } = await ecs.send(
      new DescribeTasksCommand({ cluster: 'console--main', tasks: taskArns }),
    );
    expect(tasks.map((task) => task.overrides?.containerOverrides?.[0]?.command).sort()).toEqual([
      ['echo', 'hello'],
      ['sh', '-c', 'rake db:backfill && exit 4'],
    ]);
    const { services = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'console--main', services: ['web'] }),
    );
    const subnets = services[0]?.networkConfiguration?.awsvpcConfiguration?.subnets ?? [];
    for (const task of tasks) {
      const subnet = task.attachments?.[0]?.details?.find((detail) => detail.name === 'subnetId')?.value;
      expect(subnets, "the task runs in the services' subnets").toContain(subnet);
    }
  });

  it('refuses a service the environment does not have, naming it, and starts nothing', async () => {
    const result = await run('nope', '--', 'true');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: SERVICE: "nope" has no task definition in this environment: it is not one of its services, or it was never deployed',
    );
  });

  it('refuses an environment that is not deployed', async () => {
    const result = await runCli(['run', '-f', FILE, '--env', 'other', 'web', '--endpoint', aws.endpoint()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --env: console/other is not known at');
  });
});
