// Scheduled jobs on the local AWS: a service with x-modeshift.schedule becomes an EventBridge
// Scheduler schedule in the environment's group that runs one task of the job's new task
// definition on the environment's cluster; pruning removes a job's schedule, down the group.
// (moto keeps schedules but never fires them: what a run does is the task definition's.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames, serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { placeholdersFor } from '../../local/bootstrap.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { auditComposeFile, callsOf, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const GROUP = environmentNames('cron', 'main').scheduleGroup;

function composeFile(jobs: Record<string, string>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-jobs-')), 'compose.yaml');
  const jobServices = Object.entries(jobs)
    .map(
      ([name, schedule]) => `  ${name}:
    image: busybox:1.36
    command: ["sh", "-c", "echo ${name} ran"]
    depends_on: [db]
    x-modeshift:
      schedule: "${schedule}"
`,
    )
    .join('');
  writeFileSync(
    file,
    `name: cron
services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
    depends_on:
      migrate:
        condition: service_completed_successfully
  migrate:
    image: busybox:1.36
    command: ["sh", "-c", "echo migrated"]
    depends_on: [db]
${jobServices}  db:
    image: postgres:16
    x-defang-postgres: true
`,
  );
  return file;
}

let deployments = 0;

async function deploy(target: Target, file: string, options: { pauseSchedules?: boolean } = {}) {
  deployments += 1;
  const composed = loadComposeFile(file, {
    environment: 'main',
    mode: 'development',
    deploymentId: `jobs-${deployments}`,
    variables: {},
    ...options,
  });
  const report = await deployOnTarget(target, {
    ...composed,
    resolved: resolvePolicy(composed.request.mode),
  });
  expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
  return report;
}

const scheduler = (target: Target) => target.clients('scheduler') as SchedulerClient;

async function schedulesOf(target: Target): Promise<string[]> {
  const { Schedules = [] } = await scheduler(target).send(new ListSchedulesCommand({ GroupName: GROUP }));
  return Schedules.map((schedule) => schedule.Name ?? '').sort();
}

async function groupExists(target: Target): Promise<boolean> {
  try {
    await scheduler(target).send(new GetScheduleGroupCommand({ Name: GROUP }));
    return true;
  } catch {
    return false;
  }
}

describe('scheduled jobs on the local AWS', () => {
  it("schedules a nightly job in the environment's tagged group, running its new task definition on the cluster, after the migration and the rollout", async () => {
    const target = aws.target();

    await deploy(target, composeFile({ nightly: 'cron(0 3 * * ? *)' }));

    const client = scheduler(target);
    const schedule = await client.send(new GetScheduleCommand({ GroupName: GROUP, Name: 'nightly' }));
    const family = serviceNames('cron', 'main', 'nightly').taskFamily;
    const { taskDefinition } = await (target.clients('ecs') as ECSClient).send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family }),
    );
    expect(schedule.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.Target?.Arn).toBe(
      `arn:aws:ecs:${target.names.region}:${target.names.accountId}:cluster/cron--main`,
    );
    expect(schedule.Target?.RoleArn).toBe(placeholdersFor(target.names).SchedulerRoleArn);
    expect(schedule.Target?.EcsParameters).toMatchObject({
      TaskDefinitionArn: taskDefinition?.taskDefinitionArn,
      TaskCount: 1,
      LaunchType: 'FARGATE',
    });
    expect(taskDefinition?.containerDefinitions?.[0]?.command).toEqual(['sh', '-c', 'echo nightly ran']);
    expect(
      taskDefinition?.containerDefinitions?.[0]?.environment?.map((variable) => variable.name),
      'the job reaches the database as the services do',
    ).toEqual(expect.arrayContaining(['PGHOST', 'PGDATABASE', 'PGUSER']));
    const subnets = schedule.Target?.EcsParameters?.NetworkConfiguration?.awsvpcConfiguration?.Subnets ?? [];
    expect(subnets.length).toBeGreaterThan(0);

    const { Arn } = await client.send(new GetScheduleGroupCommand({ Name: GROUP }));
    const { Tags = [] } = await client.send(new ListTagsForResourceCommand({ ResourceArn: Arn }));
    expect(Tags).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'cron' },
        { Key: 'modeshift:environment', Value: 'main' },
      ]),
    );

    const { services = [] } = await (target.clients('ecs') as ECSClient).send(
      new DescribeServicesCommand({ cluster: 'cron--main', services: ['nightly'] }),
    );
    expect(
      services.filter((service) => service.status === 'ACTIVE'),
      'a job is no long-running service',
    ).toEqual([]);
    expect(
      (callsOf(target, 'ecs', 'RunTaskCommand') as Array<{ taskDefinition: string }>).map((run) =>
        run.taskDefinition.replace(/^.*task-definition\/|:\d+$/g, ''),
      ),
      'the deploy runs the migration, not the job',
    ).toEqual([serviceNames('cron', 'main', 'migrate').taskFamily]);
    const rollout = target.calls.findIndex((call) => call.command === 'CreateServiceCommand');
    const scheduled = target.calls.findIndex((call) => call.command === 'CreateScheduleCommand');
    expect(scheduled, 'scheduled after the rollout').toBeGreaterThan(rollout);

    const { logGroups = [] } = await (target.clients('cloudwatchlogs') as CloudWatchLogsClient).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: serviceNames('cron', 'main', 'nightly').logGroup }),
    );
    expect(
      logGroups.map((group) => group.logGroupName),
      "its runs' log group, which logs reads",
    ).toEqual([serviceNames('cron', 'main', 'nightly').logGroup]);
  });

  it("updates a changed schedule, removes a removed job's schedule, and the group with the last job", async () => {
    const target = aws.target();
    await deploy(target, composeFile({ nightly: 'cron(0 3 * * ? *)', hourly: 'rate(1 hour)' }));
    expect(await schedulesOf(target)).toEqual(['hourly', 'nightly']);

    await deploy(target, composeFile({ nightly: 'cron(30 4 * * ? *)' }));

    expect(await schedulesOf(target)).toEqual(['nightly']);
    const nightly = await scheduler(target).send(
      new GetScheduleCommand({ GroupName: GROUP, Name: 'nightly' }),
    );
    expect(nightly.ScheduleExpression).toBe('cron(30 4 * * ? *)');

    await deploy(target, composeFile({}));

    expect(await groupExists(target), 'no job left: no group').toBe(false);
  });

  it('creates the schedules disabled when a development deploy pauses them, and enables them on the next deploy', async () => {
    const target = aws.target();
    await deploy(target, composeFile({ nightly: 'cron(0 3 * * ? *)' }), { pauseSchedules: true });
    const read = () => scheduler(target).send(new GetScheduleCommand({ GroupName: GROUP, Name: 'nightly' }));
    expect((await read()).State).toBe('DISABLED');

    await deploy(target, composeFile({ nightly: 'cron(0 3 * * ? *)' }));

    expect((await read()).State).toBe('ENABLED');
  });

  it('audits clean with its jobs scheduled, and finds a schedule deleted by hand missing', async () => {
    const target = aws.target();
    const file = composeFile({ nightly: 'cron(0 3 * * ? *)' });
    await deploy(target, file);
    const audit = () => auditComposeFile(target, { file, project: 'cron', environment: 'main' });

    expect((await audit()).findings).toEqual([]);

    await scheduler(target).send(new DeleteScheduleCommand({ GroupName: GROUP, Name: 'nightly' }));

    expect((await audit()).findings).toEqual([
      expect.objectContaining({ kind: 'missing', resource: 'job-schedule nightly' }),
    ]);
  });

  it('removes the group and its schedules on down', async () => {
    const target = aws.target();
    await deploy(target, composeFile({ nightly: 'cron(0 3 * * ? *)', hourly: 'rate(1 hour)' }));

    const down = await downOnTarget(target, { project: 'cron', environment: 'main' });

    expect(down.status, `${down.failedState}: ${down.error} ${down.cause ?? ''}`).toBe('SUCCEEDED');
    expect(await groupExists(target)).toBe(false);
  });
});
