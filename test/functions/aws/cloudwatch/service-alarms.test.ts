import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { serviceAlarmNames } from '../../../../core/names.ts';
import {
  alarmsInAlarm,
  deleteServiceAlarms,
  ensureServiceAlarms,
  type ServiceAlarmsOptions,
} from '../../../../functions/aws/cloudwatch/service-alarms.ts';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1' });

const TAGS = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'live' },
];
const OPTIONS: ServiceAlarmsOptions = {
  alarmPrefix: 'shop-live',
  service: 'api',
  loadBalancerFullName: 'app/shop-live/50dc6c495c0c9188',
  targetGroupFullName: 'targetgroup/shop-live-api/73e2d6bc24d8a067',
  thresholds: { errors5xxPerMinute: 10, latencyP95Seconds: 1.5 },
  topicArn: 'arn:aws:sns:us-east-1:123456789012:shop-live-alarms',
  tags: TAGS,
};
const DIMENSIONS = [
  { Name: 'LoadBalancer', Value: 'app/shop-live/50dc6c495c0c9188' },
  { Name: 'TargetGroup', Value: 'targetgroup/shop-live-api/73e2d6bc24d8a067' },
];

beforeEach(() => {
  cloudwatch.reset();
});

describe('serviceAlarmNames', () => {
  it('names a service’s alarms after the environment’s prefix, the service and what they watch', () => {
    expect(serviceAlarmNames('shop-live', 'api')).toEqual({
      errors5xx: 'shop-live--api--5xx',
      latencyP95: 'shop-live--api--p95',
    });
  });
});

describe('ensureServiceAlarms', () => {
  it('puts an alarm on the target group’s 5xx responses a minute, 2 of 3 minutes breaching', async () => {
    cloudwatch.on(PutMetricAlarmCommand).resolves({});

    await ensureServiceAlarms(client, OPTIONS);

    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
      AlarmName: 'shop-live--api--5xx',
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 10,
      TreatMissingData: 'notBreaching',
      Dimensions: DIMENSIONS,
      Tags: TAGS,
    });
  });

  it('puts an alarm on the target group’s p95 response time in seconds', async () => {
    cloudwatch.on(PutMetricAlarmCommand).resolves({});

    await ensureServiceAlarms(client, OPTIONS);

    const latency = cloudwatch
      .commandCalls(PutMetricAlarmCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.AlarmName === 'shop-live--api--p95');
    expect(latency).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1.5,
      TreatMissingData: 'notBreaching',
      Dimensions: DIMENSIONS,
      Tags: TAGS,
    });
    expect(latency?.Statistic).toBeUndefined();
  });

  it('tells the topic when an alarm goes off and when it is OK again', async () => {
    cloudwatch.on(PutMetricAlarmCommand).resolves({});

    await ensureServiceAlarms(client, OPTIONS);

    expect(cloudwatch).toHaveReceivedCommandTimes(PutMetricAlarmCommand, 2);
    for (const call of cloudwatch.commandCalls(PutMetricAlarmCommand)) {
      expect(call.args[0].input).toMatchObject({
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:shop-live-alarms'],
        OKActions: ['arn:aws:sns:us-east-1:123456789012:shop-live-alarms'],
      });
    }
  });

  it('tells no one without a topic', async () => {
    cloudwatch.on(PutMetricAlarmCommand).resolves({});
    const { topicArn: _none, ...withoutTopic } = OPTIONS;

    await ensureServiceAlarms(client, withoutTopic);

    for (const call of cloudwatch.commandCalls(PutMetricAlarmCommand)) {
      expect(call.args[0].input).toMatchObject({ AlarmActions: [], OKActions: [] });
    }
  });

  it('returns the alarms’ names', async () => {
    cloudwatch.on(PutMetricAlarmCommand).resolves({});

    const names = await ensureServiceAlarms(client, OPTIONS);

    expect(names).toEqual({ errors5xx: 'shop-live--api--5xx', latencyP95: 'shop-live--api--p95' });
  });

  it('passes a refusal on', async () => {
    cloudwatch.on(PutMetricAlarmCommand).rejects(new Error('LimitExceeded'));

    await expect(ensureServiceAlarms(client, OPTIONS)).rejects.toThrow('LimitExceeded');
  });
});

describe('deleteServiceAlarms', () => {
  it('deletes every alarm under the environment’s prefix, across pages', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-live--', NextToken: undefined })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-live--api--5xx' }], NextToken: 'page-2' })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop-live--', NextToken: 'page-2' })
      .resolves({ MetricAlarms: [{ AlarmName: 'shop-live--api--p95' }] })
      .on(DeleteAlarmsCommand)
      .resolves({});

    const deleted = await deleteServiceAlarms(client, 'shop-live');

    expect(deleted).toEqual(['shop-live--api--5xx', 'shop-live--api--p95']);
    expect(cloudwatch).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: ['shop-live--api--5xx', 'shop-live--api--p95'],
    });
  });

  it('deletes 100 alarms to a call', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `shop-live--svc${index}--5xx`);
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: names.map((name) => ({ AlarmName: name })) })
      .on(DeleteAlarmsCommand)
      .resolves({});

    await deleteServiceAlarms(client, 'shop-live');

    const batches = cloudwatch.commandCalls(DeleteAlarmsCommand).map((call) => call.args[0].input.AlarmNames);
    expect(batches).toEqual([names.slice(0, 100), names.slice(100)]);
  });

  it('sends no DeleteAlarms when there is nothing to delete', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    const deleted = await deleteServiceAlarms(client, 'shop-live');

    expect(deleted).toEqual([]);
    expect(cloudwatch).not.toHaveReceivedCommand(DeleteAlarmsCommand);
  });
});

describe('alarmsInAlarm', () => {
  it('names the alarms in ALARM, in the order asked', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'shop-live--api--5xx', StateValue: 'ALARM' },
        { AlarmName: 'shop-live--api--p95', StateValue: 'OK' },
        { AlarmName: 'shop-live--web--5xx', StateValue: 'ALARM' },
      ],
    });

    const firing = await alarmsInAlarm(client, [
      'shop-live--web--5xx',
      'shop-live--api--p95',
      'shop-live--api--5xx',
    ]);

    expect(firing).toEqual(['shop-live--web--5xx', 'shop-live--api--5xx']);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['shop-live--web--5xx', 'shop-live--api--p95', 'shop-live--api--5xx'],
    });
  });

  it('counts an alarm with not enough data as not firing', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'shop-live--api--5xx', StateValue: 'INSUFFICIENT_DATA' }],
    });

    expect(await alarmsInAlarm(client, ['shop-live--api--5xx'])).toEqual([]);
  });

  it('asks about 100 names to a call', async () => {
    const names = Array.from({ length: 101 }, (_, index) => `shop-live--svc${index}--5xx`);
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    await alarmsInAlarm(client, names);

    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
    expect(cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 2, {
      AlarmNames: names.slice(100),
    });
  });

  it('asks nothing when given no names', async () => {
    expect(await alarmsInAlarm(client, [])).toEqual([]);
    expect(cloudwatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });
});
