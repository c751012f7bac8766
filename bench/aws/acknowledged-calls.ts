/**
 * The in-memory services whose calls the benchmark only needs answered:
 * EventBridge events, Scheduler schedules, scalable targets, web ACLs, alarms and topics, the load balancer's attributes and
 * RDS subnet groups. Each call still takes the model's call latency.
 */
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryEventBridge(): InMemoryService {
  let sent = 0;
  return {
    PutEvents: (input: { Entries?: unknown[] }) => ({
      Entries: (input.Entries ?? []).map(() => ({ EventId: `event-${++sent}` })),
      FailedEntryCount: 0,
    }),
  };
}

export function inMemoryScheduler(): InMemoryService {
  const schedules = new Map<string, { Input?: string }>();
  const groups = new Map<string, unknown[]>();
  const prefix = 'arn:aws:scheduler:us-east-1:123456789012:';
  const key = (input: { Name?: string; GroupName?: string }) =>
    `${input.GroupName ?? 'default'}/${input.Name ?? ''}`;
  const arn = (input: { Name?: string; GroupName?: string }) => `${prefix}schedule/${key(input)}`;
  const group = (name?: string) => {
    if (!groups.has(name ?? '')) throw awsError('scheduler', 'ResourceNotFoundException', 'no group');
    return name ?? '';
  };
  return {
    GetSchedule: (input: { Name?: string; GroupName?: string }) => {
      const target = schedules.get(key(input));
      if (target === undefined) throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      return { Name: input.Name, Arn: arn(input), Target: target };
    },
    CreateSchedule: (input: { Name?: string; GroupName?: string; Target?: { Input?: string } }) => {
      if (input.GroupName !== undefined) group(input.GroupName);
      if (schedules.has(key(input))) throw awsError('scheduler', 'ConflictException', 'exists');
      schedules.set(key(input), input.Target ?? {});
      return { ScheduleArn: arn(input) };
    },
    UpdateSchedule: (input: { Name?: string; GroupName?: string; Target?: { Input?: string } }) => {
      if (!schedules.has(key(input))) throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      schedules.set(key(input), input.Target ?? {});
      return { ScheduleArn: arn(input) };
    },
    DeleteSchedule: (input: { Name?: string; GroupName?: string }) => {
      if (!schedules.delete(key(input))) throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      return {};
    },
    ListSchedules: (input: { GroupName?: string }) => ({
      Schedules: [...schedules.keys()]
        .filter((name) => name.startsWith(`${input.GroupName ?? 'default'}/`))
        .map((name) => ({ Name: name.split('/')[1] })),
    }),
    GetScheduleGroup: (input: { Name?: string }) => ({
      Name: input.Name,
      Arn: `${prefix}schedule-group/${group(input.Name)}`,
    }),
    CreateScheduleGroup: (input: { Name?: string; Tags?: unknown[] }) => {
      if (groups.has(input.Name ?? '')) throw awsError('scheduler', 'ConflictException', 'exists');
      groups.set(input.Name ?? '', input.Tags ?? []);
      return { ScheduleGroupArn: `${prefix}schedule-group/${input.Name}` };
    },
    DeleteScheduleGroup: (input: { Name?: string }) => {
      const name = group(input.Name);
      groups.delete(name);
      for (const scheduled of [...schedules.keys()])
        if (scheduled.startsWith(`${name}/`)) schedules.delete(scheduled);
      return {};
    },
    ListTagsForResource: (input: { ResourceArn?: string }) => ({
      Tags: groups.get(input.ResourceArn?.split('schedule-group/')[1] ?? '') ?? [],
    }),
  };
}

export function inMemoryLoadBalancing(): InMemoryService {
  return { ModifyLoadBalancerAttributes: () => ({ Attributes: [] }) };
}

/** Application Auto Scaling: scalable targets and their policies, kept by resource id. */
export function inMemoryApplicationAutoScaling(): InMemoryService {
  const targets = new Map<string, { MinCapacity: number | undefined; MaxCapacity: number | undefined }>();
  const policies = new Map<string, unknown>();
  return {
    DescribeScalableTargets: (input: { ResourceIds?: string[] }) => ({
      ScalableTargets: [...targets]
        .filter(([id]) => input.ResourceIds === undefined || input.ResourceIds.includes(id))
        .map(([id, target]) => ({
          ServiceNamespace: 'ecs',
          ResourceId: id,
          ScalableDimension: 'ecs:service:DesiredCount',
          ...target,
        })),
    }),
    RegisterScalableTarget: (input: { ResourceId?: string; MinCapacity?: number; MaxCapacity?: number }) => {
      targets.set(input.ResourceId ?? '', { MinCapacity: input.MinCapacity, MaxCapacity: input.MaxCapacity });
      return {};
    },
    DescribeScalingPolicies: (input: { ResourceId?: string; PolicyNames?: string[] }) => ({
      ScalingPolicies: (input.PolicyNames ?? [])
        .map((name) => policies.get(`${input.ResourceId}/${name}`))
        .filter((policy) => policy !== undefined),
    }),
    PutScalingPolicy: (input: { ResourceId?: string; PolicyName?: string }) => {
      if (!targets.has(input.ResourceId ?? ''))
        throw awsError('applicationautoscaling', 'ObjectNotFoundException', 'no scalable target');
      policies.set(`${input.ResourceId}/${input.PolicyName}`, input);
      return {};
    },
    DeregisterScalableTarget: (input: { ResourceId?: string }) => {
      if (!targets.delete(input.ResourceId ?? ''))
        throw awsError('applicationautoscaling', 'ObjectNotFoundException', 'no scalable target');
      for (const key of policies.keys()) if (key.startsWith(`${input.ResourceId}/`)) policies.delete(key);
      return {};
    },
  };
}

/** WAFv2: web ACLs by name, and which load balancer each is on. */
export function inMemoryWafv2(): InMemoryService {
  const acls = new Map<string, { Name: string; Id: string; ARN: string; Tags: unknown[] }>();
  const associations = new Map<string, string>();
  const arnOf = (name: string) => `arn:aws:wafv2:us-east-1:123456789012:regional/webacl/${name}/${name}-id`;
  const byId = (id?: string) => [...acls.values()].find((acl) => acl.Id === id);
  return {
    ListWebACLs: () => ({ WebACLs: [...acls.values()].map(({ Name, Id, ARN }) => ({ Name, Id, ARN })) }),
    ListTagsForResource: (input: { ResourceARN?: string }) => ({
      TagInfoForResource: {
        TagList: [...acls.values()].find((acl) => acl.ARN === input.ResourceARN)?.Tags ?? [],
      },
    }),
    CreateWebACL: (input: { Name?: string; Tags?: unknown[] }) => {
      const name = input.Name ?? '';
      const acl = { Name: name, Id: `${name}-id`, ARN: arnOf(name), Tags: input.Tags ?? [] };
      acls.set(name, acl);
      return { Summary: { Name: acl.Name, Id: acl.Id, ARN: acl.ARN, LockToken: 'token' } };
    },
    GetWebACL: (input: { Id?: string }) => {
      const acl = byId(input.Id);
      if (acl === undefined) throw awsError('wafv2', 'WAFNonexistentItemException', 'no such web ACL');
      return { WebACL: acl, LockToken: 'token' };
    },
    UpdateWebACL: () => ({ NextLockToken: 'token' }),
    GetWebACLForResource: (input: { ResourceArn?: string }) => {
      const arn = associations.get(input.ResourceArn ?? '');
      return arn === undefined ? {} : { WebACL: [...acls.values()].find((acl) => acl.ARN === arn) };
    },
    AssociateWebACL: (input: { WebACLArn?: string; ResourceArn?: string }) => {
      associations.set(input.ResourceArn ?? '', input.WebACLArn ?? '');
      return {};
    },
    DisassociateWebACL: (input: { ResourceArn?: string }) => {
      associations.delete(input.ResourceArn ?? '');
      return {};
    },
    DeleteWebACL: (input: { Name?: string }) => {
      acls.delete(input.Name ?? '');
      return {};
    },
  };
}

/** CloudWatch: metric alarms by name. */
export function inMemoryCloudWatch(): InMemoryService {
  const alarms = new Map<string, unknown>();
  return {
    PutMetricAlarm: (input: { AlarmName?: string }) => {
      alarms.set(input.AlarmName ?? '', { ...input, StateValue: 'OK' });
      return {};
    },
    DescribeAlarms: (input: { AlarmNamePrefix?: string; AlarmNames?: string[] }) => ({
      MetricAlarms: [...alarms]
        .filter(
          ([name]) =>
            (input.AlarmNamePrefix === undefined || name.startsWith(input.AlarmNamePrefix)) &&
            (input.AlarmNames === undefined || input.AlarmNames.includes(name)),
        )
        .map(([, alarm]) => alarm),
    }),
    DeleteAlarms: (input: { AlarmNames?: string[] }) => {
      for (const name of input.AlarmNames ?? []) alarms.delete(name);
      return {};
    },
  };
}

/** SNS: topics by ARN, with their tags and email subscriptions. */
export function inMemorySns(): InMemoryService {
  const topics = new Map<string, { tags: unknown[]; emails: Set<string> }>();
  const arnOf = (name?: string) => `arn:aws:sns:us-east-1:123456789012:${name ?? ''}`;
  const topic = (arn?: string) => {
    const found = topics.get(arn ?? '');
    if (found === undefined) throw awsError('sns', 'NotFoundException', 'Topic does not exist');
    return found;
  };
  return {
    ListTopics: () => ({ Topics: [...topics.keys()].map((TopicArn) => ({ TopicArn })) }),
    ListTagsForResource: (input: { ResourceArn?: string }) => ({ Tags: topic(input.ResourceArn).tags }),
    CreateTopic: (input: { Name?: string; Tags?: unknown[] }) => {
      const arn = arnOf(input.Name);
      if (!topics.has(arn)) topics.set(arn, { tags: input.Tags ?? [], emails: new Set() });
      return { TopicArn: arn };
    },
    TagResource: (input: { ResourceArn?: string; Tags?: unknown[] }) => {
      topic(input.ResourceArn).tags = input.Tags ?? [];
      return {};
    },
    ListSubscriptionsByTopic: (input: { TopicArn?: string }) => ({
      Subscriptions: [...topic(input.TopicArn).emails].map((Endpoint) => ({ Protocol: 'email', Endpoint })),
    }),
    Subscribe: (input: { TopicArn?: string; Endpoint?: string }) => {
      topic(input.TopicArn).emails.add(input.Endpoint ?? '');
      return { SubscriptionArn: 'pending confirmation' };
    },
    DeleteTopic: (input: { TopicArn?: string }) => {
      topics.delete(input.TopicArn ?? '');
      return {};
    },
  };
}
