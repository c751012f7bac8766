/**
 * EnsureAlarms: the deployment alarms of the environment's public services,
 * as the mode's `deploymentAlarms` says. On (staging: alarms; production:
 * alarms with rollback): each public service gets two CloudWatch alarms on
 * its target group, its 5xx responses a minute and its p95 response time,
 * over the mode's thresholds (functions/aws/cloudwatch/service-alarms.ts),
 * telling the environment's SNS topic (`<prefix>-alarms`, with the request's
 * `notify` addresses subscribed) or the topic `notify` names. RolloutServices
 * then names the alarms in each service's deployment configuration, so ECS
 * watches them while it deploys. Alarms of services that are no longer
 * public or no longer there are deleted. Off: the environment's alarms and
 * topic, which a mode change may have left, are deleted.
 */
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
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import { serviceAlarmNames } from '../../core/names.ts';
import type { Policy } from '../../core/policy.ts';
import { SNS_TOPIC_ARN } from '../../core/request.ts';
import { deleteServiceAlarms, ensureServiceAlarms } from '../aws/cloudwatch/service-alarms.ts';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { deleteAlarmTopic, ensureAlarmTopic } from '../aws/sns/alarm-topic.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, LoadBalancerRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface EnsureAlarmsInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  readonly tags: readonly Tag[];
  readonly policy: Pick<Policy, 'deploymentAlarms' | 'alarm5xxPerMinute' | 'alarmP95LatencySeconds'>;
  /** The load balancer and a target group per public service. */
  readonly loadBalancer: LoadBalancerRef;
  /** The request's `notify`: email addresses, or one SNS topic ARN. */
  readonly notify: readonly string[];
  readonly accountId: string;
  readonly region: string;
}

export interface EnsureAlarmsOutput {
  /** The topic the alarms tell; absent where the mode has no deployment alarms. */
  readonly topicArn?: string;
  /** The alarms, by service. */
  readonly alarms: Readonly<Record<string, readonly string[]>>;
}

/** `app/<name>/<id>` or `targetgroup/<name>/<id>`: the end of a load balancer's or target group's ARN. */
function dimensionOf(arn: string): string {
  return arn
    .split(':')
    .slice(5)
    .join(':')
    .replace(/^loadbalancer\//, '');
}

export const ensureAlarms = defineStep({
  name: 'EnsureAlarms',
  clients: { cloudwatch: CloudWatchClient, sns: SNSClient },
  sends: [
    PutMetricAlarmCommand,
    DescribeAlarmsCommand,
    DeleteAlarmsCommand,
    ListTagsForResourceCommand,
    CreateTopicCommand,
    TagResourceCommand,
    ListSubscriptionsByTopicCommand,
    SubscribeCommand,
    DeleteTopicCommand,
  ],
  settings: ['deploymentAlarms', 'alarm5xxPerMinute', 'alarmP95LatencySeconds'],
  async run(input: EnsureAlarmsInput, { cloudwatch, sns }): Promise<EnsureAlarmsOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const { names, policy } = input;
    const ownTopic = `arn:aws:sns:${input.region}:${input.accountId}:${names.alarmTopic}`;
    if (policy.deploymentAlarms === 'off') {
      await deleteServiceAlarms(cloudwatch, names.alarmPrefix);
      await deleteAlarmTopic(sns, ownTopic, owner);
      return { alarms: {} };
    }
    const given = input.notify.find((recipient) => SNS_TOPIC_ARN.test(recipient));
    if (given !== undefined) await deleteAlarmTopic(sns, ownTopic, owner);
    const topicArn =
      given ??
      (await ensureAlarmTopic(sns, {
        name: names.alarmTopic,
        arn: ownTopic,
        owner,
        tags: input.tags,
        emails: input.notify,
      }));
    const alarms: Record<string, string[]> = {};
    for (const group of input.loadBalancer.targetGroups) {
      const made = await ensureServiceAlarms(cloudwatch, {
        alarmPrefix: names.alarmPrefix,
        service: group.service,
        loadBalancerFullName: dimensionOf(input.loadBalancer.arn),
        targetGroupFullName: dimensionOf(group.arn),
        thresholds: {
          errors5xxPerMinute: policy.alarm5xxPerMinute,
          latencyP95Seconds: policy.alarmP95LatencySeconds,
        },
        topicArn,
        tags: input.tags,
      });
      alarms[group.service] = [made.errors5xx, made.latencyP95];
    }
    const wanted = new Set(
      input.loadBalancer.targetGroups.flatMap((group) => {
        const made = serviceAlarmNames(names.alarmPrefix, group.service);
        return [made.errors5xx, made.latencyP95];
      }),
    );
    await deleteServiceAlarms(cloudwatch, names.alarmPrefix, wanted);
    return { topicArn, alarms };
  },
});

export const handler = lambdaHandler(ensureAlarms);
