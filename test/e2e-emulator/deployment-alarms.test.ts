// Deployment alarms on the local AWS, read back per mode: production's public
// service gets CloudWatch alarms on its target group's 5xx responses and p95
// response time at production's thresholds, telling the environment's SNS
// topic with the --notify address subscribed, and ECS is given them with
// rollback; staging watches them without rollback; development has none; down
// removes the alarms and the topic. (moto keeps no deployment configuration on
// CreateService, so the ECS side is read from the call.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { callsOf, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'watched';

function composeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-alarms-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: ${PROJECT}\nservices:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n  worker:\n    image: nginx:1.27\n`,
  );
  return file;
}

async function deploy(target: Target, mode: Mode, environment: string, notify: string[] = []) {
  const composed = loadComposeFile(composeFile(), {
    environment,
    mode,
    deploymentId: `alarms-${environment}`,
    variables: {},
    notify,
  });
  const report = await deployOnTarget(target, { ...composed, resolved: resolvePolicy(mode) });
  expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
}

async function alarmsOf(target: Target, environment: string) {
  const cloudwatch = target.clients('cloudwatch') as CloudWatchClient;
  const { MetricAlarms = [] } = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNamePrefix: `${environmentNames(PROJECT, environment).alarmPrefix}--` }),
  );
  return MetricAlarms;
}

async function topicOf(target: Target, environment: string): Promise<string | undefined> {
  const sns = target.clients('sns') as SNSClient;
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  return Topics.find((topic) =>
    topic.TopicArn?.endsWith(`:${environmentNames(PROJECT, environment).alarmTopic}`),
  )?.TopicArn;
}

function alarmsGivenToEcs(target: Target, service: string) {
  const calls = callsOf(target, 'ecs', 'CreateServiceCommand') as Array<{
    serviceName?: string;
    deploymentConfiguration?: { alarms?: unknown };
  }>;
  return calls.find((call) => call.serviceName === service)?.deploymentConfiguration?.alarms;
}

describe('deployment alarms on the local AWS', () => {
  it("watch production's public service at production's thresholds, roll back on them, and go with down", async () => {
    const target = aws.target();
    await deploy(target, 'production', 'live', ['oncall@example.com']);

    const alarms = await alarmsOf(target, 'live');
    expect(
      alarms.map((alarm) => [
        alarm.AlarmName,
        alarm.MetricName,
        alarm.Threshold,
        alarm.ExtendedStatistic ?? alarm.Statistic,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['watched--live--web--5xx', 'HTTPCode_Target_5XX_Count', 5, 'Sum'],
        ['watched--live--web--p95', 'TargetResponseTime', 1, 'p95'],
      ]),
    );
    expect(alarms).toHaveLength(2);
    const topic = await topicOf(target, 'live');
    expect(topic).toBeDefined();
    expect(alarms.every((alarm) => alarm.AlarmActions?.includes(topic as string))).toBe(true);
    expect(alarms[0]?.Dimensions?.map((dimension) => dimension.Name)).toEqual([
      'LoadBalancer',
      'TargetGroup',
    ]);
    const sns = target.clients('sns') as SNSClient;
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    expect(Subscriptions.map((subscription) => [subscription.Protocol, subscription.Endpoint])).toEqual([
      ['email', 'oncall@example.com'],
    ]);
    expect(alarmsGivenToEcs(target, 'web')).toEqual({
      alarmNames: ['watched--live--web--5xx', 'watched--live--web--p95'],
      enable: true,
      rollback: true,
    });
    expect(alarmsGivenToEcs(target, 'worker')).toBeUndefined();

    const down = await downOnTarget(target, { project: PROJECT, environment: 'live', confirm: 'live' });
    expect(down.status, `${down.failedState}: ${down.error}`).toBe('SUCCEEDED');
    expect(await alarmsOf(target, 'live')).toEqual([]);
    expect(await topicOf(target, 'live')).toBeUndefined();
  });

  it('are watched without rollback in staging, and absent in development', async () => {
    const target = aws.target();
    await deploy(target, 'staging', 'stage');
    expect(await alarmsOf(target, 'stage')).toHaveLength(2);
    expect(alarmsGivenToEcs(target, 'web')).toMatchObject({ enable: true, rollback: false });

    await deploy(target, 'development', 'pr-1');
    expect(await alarmsOf(target, 'pr-1')).toEqual([]);
    expect(await topicOf(target, 'pr-1')).toBeUndefined();
  });
});
