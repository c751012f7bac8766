/**
 * The in-memory services whose calls the benchmark only needs answered:
 * EventBridge events, Scheduler schedules, the load balancer's attributes and
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
  const arn = (name?: string) => `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${name}`;
  return {
    GetSchedule: (input: { Name?: string }) => {
      const target = schedules.get(input.Name ?? '');
      if (target === undefined) throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      return { Name: input.Name, Arn: arn(input.Name), Target: target };
    },
    CreateSchedule: (input: { Name?: string; Target?: { Input?: string } }) => {
      if (schedules.has(input.Name ?? '')) throw awsError('scheduler', 'ConflictException', 'exists');
      schedules.set(input.Name ?? '', input.Target ?? {});
      return { ScheduleArn: arn(input.Name) };
    },
    UpdateSchedule: (input: { Name?: string; Target?: { Input?: string } }) => {
      if (!schedules.has(input.Name ?? '')) throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      schedules.set(input.Name ?? '', input.Target ?? {});
      return { ScheduleArn: arn(input.Name) };
    },
    DeleteSchedule: (input: { Name?: string }) => {
      if (!schedules.delete(input.Name ?? ''))
        throw awsError('scheduler', 'ResourceNotFoundException', 'none');
      return {};
    },
  };
}

export function inMemoryLoadBalancing(): InMemoryService {
  return { ModifyLoadBalancerAttributes: () => ({ Attributes: [] }) };
}
