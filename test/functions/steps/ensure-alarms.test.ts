import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { composeToRequest } from '../../../core/compose.ts';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { MODE_POLICIES, type Mode } from '../../../core/policy.ts';
import { type EnsureAlarmsInput, ensureAlarms } from '../../../functions/steps/ensure-alarms.ts';

const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const clients = {
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  sns: new SNSClient({ region: 'us-east-1' }),
};
const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop--live/50dc6c495c0c9188';
const TG =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-live-web-1a2b/73e2d6bc24d8a067';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:shop--live-alarms';
const TAGS = modeshiftTags('shop', 'live', 'production', 'deploy-1');

const input = (mode: Mode, notify: string[] = []): EnsureAlarmsInput => ({
  project: 'shop',
  environment: 'live',
  names: environmentNames('shop', 'live'),
  tags: TAGS,
  policy: MODE_POLICIES[mode],
  loadBalancer: {
    arn: LB,
    dnsName: 'lb',
    canonicalHostedZoneId: 'Z',
    accessLogBucket: 'b',
    shared: false,
    targetGroups: [{ service: 'web', arn: TG, port: 80 }],
  },
  notify,
  accountId: '123456789012',
  region: 'us-east-1',
});

beforeEach(() => {
  cloudwatch.reset();
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  cloudwatch.on(PutMetricAlarmCommand).resolves({});
  sns.reset();
  sns.on(ListTagsForResourceCommand).rejects(new NotFoundException({ message: 'none', $metadata: {} }));
  sns.on(CreateTopicCommand).resolves({ TopicArn: TOPIC });
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
  sns.on(SubscribeCommand).resolves({});
});

describe('EnsureAlarms', () => {
  it("puts each public service's 5xx and p95 alarms on its target group, telling the environment's topic", async () => {
    const result = await ensureAlarms(input('production', ['oncall@example.com']), clients);

    expect(result).toEqual({
      topicArn: TOPIC,
      alarms: { web: ['shop--live--web--5xx', 'shop--live--web--p95'] },
    });
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
      AlarmName: 'shop--live--web--5xx',
      Threshold: 5,
      AlarmActions: [TOPIC],
      Dimensions: [
        { Name: 'LoadBalancer', Value: 'app/shop--live/50dc6c495c0c9188' },
        { Name: 'TargetGroup', Value: 'targetgroup/shop-live-web-1a2b/73e2d6bc24d8a067' },
      ],
    });
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
      AlarmName: 'shop--live--web--p95',
      Threshold: 1,
      ExtendedStatistic: 'p95',
    });
    expect(sns).toHaveReceivedCommandWith(CreateTopicCommand, { Name: 'shop--live-alarms', Tags: TAGS });
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('tells the topic notify names instead, making none, and deletes alarms of services no longer public', async () => {
    const theirs = 'arn:aws:sns:us-east-1:123456789012:platform-oncall';
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'shop--live--web--5xx' },
        { AlarmName: 'shop--live--api--5xx' },
        { AlarmName: 'shop--live--api--p95' },
      ],
    });
    cloudwatch.on(DeleteAlarmsCommand).resolves({});

    await ensureAlarms(input('staging', [theirs]), clients);

    expect(sns).not.toHaveReceivedCommand(CreateTopicCommand);
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, { AlarmActions: [theirs] });
    expect(cloudwatch).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: ['shop--live--api--5xx', 'shop--live--api--p95'],
    });
  });

  it("deletes the environment's alarms and topic where the mode has none", async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'shop--live--web--5xx' }] });
    cloudwatch.on(DeleteAlarmsCommand).resolves({});
    sns.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
    sns.on(DeleteTopicCommand).resolves({});

    await expect(ensureAlarms(input('development'), clients)).resolves.toEqual({ alarms: {} });

    expect(cloudwatch).not.toHaveReceivedCommand(PutMetricAlarmCommand);
    expect(cloudwatch).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: ['shop--live--web--5xx'],
    });
    expect(sns).toHaveReceivedCommandWith(DeleteTopicCommand, { TopicArn: TOPIC });
  });
});

describe('the request’s notify', () => {
  const compose = 'name: shop\nservices:\n  web:\n    image: nginx\n';
  const problems = (notify: string[]) => {
    try {
      composeToRequest(compose, {
        environment: 'live',
        mode: 'production',
        deploymentId: 'd-1',
        variables: {},
        notify,
      });
      return [];
    } catch (error) {
      return (error as { problems: unknown[] }).problems;
    }
  };

  it('takes email addresses, or one topic ARN', () => {
    expect(problems(['a@example.com', 'b@example.com'])).toEqual([]);
    expect(problems(['arn:aws:sns:us-east-1:123456789012:oncall'])).toEqual([]);
  });

  it('refuses what is neither, two topics, or a topic with addresses, naming the field', () => {
    expect(problems(['oncall'])).toEqual([
      expect.objectContaining({
        path: 'notify[0]',
        message: expect.stringContaining('neither an email address'),
      }),
    ]);
    expect(
      problems(['arn:aws:sns:us-east-1:123456789012:a', 'arn:aws:sns:us-east-1:123456789012:b']),
    ).toEqual([
      expect.objectContaining({
        path: 'notify',
        message: expect.stringContaining('more than one SNS topic'),
      }),
    ]);
    expect(problems(['arn:aws:sns:us-east-1:123456789012:a', 'x@example.com'])).toEqual([
      expect.objectContaining({ path: 'notify', message: expect.stringContaining('mixes a topic ARN') }),
    ]);
  });
});
