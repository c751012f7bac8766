/**
 * A production service's CloudWatch alarms on its load balancer target group:
 * one on the 5xx responses its tasks return, one on their p95 response time.
 * ECS deployment alarms name them, so a deploy that makes either go off rolls
 * back, and `alarmsInAlarm` says which one did. Every alarm of an environment
 * starts with its prefix (`<alarmPrefix>--<service>--…`), so down deletes them
 * by prefix without having to know which services there were.
 */
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import type { Tag } from '../../../core/execution-input.ts';
import { type ServiceAlarmNames, serviceAlarmNames } from '../../../core/names.ts';

/** The most alarm names DescribeAlarms and DeleteAlarms take in one call. */
const ALARMS_PER_CALL = 100;

/** Where one service's alarms go off. */
export interface ServiceAlarmThresholds {
  /** 5xx responses from the service's tasks in one minute above which a minute counts as breaching. */
  readonly errors5xxPerMinute: number;
  /** p95 response time of the service's tasks over one minute, in seconds, above which a minute counts as breaching. */
  readonly latencyP95Seconds: number;
}

export interface ServiceAlarmsOptions {
  /** What every alarm of the environment starts with (followed by `--`). */
  readonly alarmPrefix: string;
  /** The compose service the alarms watch. */
  readonly service: string;
  /** The load balancer's `LoadBalancer` dimension: `app/<name>/<id>`, the end of its ARN. */
  readonly loadBalancerFullName: string;
  /** The service's target group's `TargetGroup` dimension: `targetgroup/<name>/<id>`, the end of its ARN. */
  readonly targetGroupFullName: string;
  readonly thresholds: ServiceAlarmThresholds;
  /** The SNS topic told when an alarm goes off and when it is OK again. @default no one is told */
  readonly topicArn?: string;
  /** The deployment's tags. CloudWatch sets them when it creates an alarm and keeps them when it is put again. */
  readonly tags: readonly Tag[];
}

/**
 * What both alarms share: a one-minute metric of the target group, that goes
 * off when 2 of the last 3 minutes are above the threshold; a minute without
 * requests is not breaching.
 */
function alarmOn(
  options: ServiceAlarmsOptions,
  alarm: { name: string; description: string; threshold: number },
): PutMetricAlarmCommandInput {
  const actions = options.topicArn === undefined ? [] : [options.topicArn];
  return {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description,
    Namespace: 'AWS/ApplicationELB',
    Dimensions: [
      { Name: 'LoadBalancer', Value: options.loadBalancerFullName },
      { Name: 'TargetGroup', Value: options.targetGroupFullName },
    ],
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: alarm.threshold,
    TreatMissingData: 'notBreaching',
    ActionsEnabled: true,
    AlarmActions: actions,
    OKActions: actions,
    Tags: [...options.tags],
  };
}

/**
 * Creates or updates the service's two alarms (PutMetricAlarm replaces an
 * alarm of the same name whole, so a redeploy with new thresholds or another
 * topic changes them); returns their names.
 */
export async function ensureServiceAlarms(
  cloudwatch: CloudWatchClient,
  options: ServiceAlarmsOptions,
): Promise<ServiceAlarmNames> {
  const names = serviceAlarmNames(options.alarmPrefix, options.service);
  const { errors5xxPerMinute, latencyP95Seconds } = options.thresholds;
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...alarmOn(options, {
        name: names.errors5xx,
        description: `modeshift: ${options.service} answered more than ${errors5xxPerMinute} 5xx responses a minute`,
        threshold: errors5xxPerMinute,
      }),
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
    }),
  );
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...alarmOn(options, {
        name: names.latencyP95,
        description: `modeshift: ${options.service}'s p95 response time was over ${latencyP95Seconds} s`,
        threshold: latencyP95Seconds,
      }),
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
    }),
  );
  return names;
}

/** The metric alarms DescribeAlarms returns for one request, every page. */
async function describeMetricAlarms(
  cloudwatch: CloudWatchClient,
  filter: { AlarmNamePrefix: string } | { AlarmNames: string[] },
): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  for await (const page of paginateDescribeAlarms({ client: cloudwatch }, filter)) {
    alarms.push(...(page.MetricAlarms ?? []));
  }
  return alarms;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Deletes every metric alarm whose name starts with `<alarmPrefix>--` but those
 * in `keep`, 100 to a call; returns the names deleted (none: no DeleteAlarms call).
 */
export async function deleteServiceAlarms(
  cloudwatch: CloudWatchClient,
  alarmPrefix: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const alarms = await describeMetricAlarms(cloudwatch, { AlarmNamePrefix: `${alarmPrefix}--` });
  const names = alarms.flatMap((alarm) =>
    alarm.AlarmName === undefined || keep.has(alarm.AlarmName) ? [] : [alarm.AlarmName],
  );
  for (const batch of chunks(names, ALARMS_PER_CALL)) {
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: batch }));
  }
  return names;
}

/**
 * Which of `names` are in ALARM now, in the order given: the alarms that
 * rolled a deployment back. A name with no alarm is left out. (The state is
 * read off each alarm rather than asked of DescribeAlarms' StateValue filter.)
 */
export async function alarmsInAlarm(
  cloudwatch: CloudWatchClient,
  names: readonly string[],
): Promise<string[]> {
  const firing = new Set<string>();
  for (const batch of chunks([...new Set(names)], ALARMS_PER_CALL)) {
    for (const alarm of await describeMetricAlarms(cloudwatch, { AlarmNames: batch })) {
      if (alarm.StateValue === 'ALARM' && alarm.AlarmName !== undefined) firing.add(alarm.AlarmName);
    }
  }
  return names.filter((name, index) => firing.has(name) && names.indexOf(name) === index);
}
