/**
 * The scheduled jobs' EventBridge Scheduler group: one per environment,
 * named after it (core/names.ts `scheduleGroup`) and tagged with its
 * deployment's tags. Schedules carry no tags, so the group's tags say whose
 * they are, and deleting the group deletes every schedule in it: down
 * removes the jobs with one call.
 */
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  paginateListSchedules,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Tag } from '../../../core/execution-input.ts';
import { assertOwned, type EnvironmentIdentity, environmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** The group's ARN when it exists, after checking that it is this environment's; undefined when it does not. */
export async function ownedScheduleGroup(
  scheduler: SchedulerClient,
  group: string,
  owner: EnvironmentIdentity,
): Promise<string | undefined> {
  let arn: string | undefined;
  try {
    arn = (await scheduler.send(new GetScheduleGroupCommand({ Name: group }))).Arn;
  } catch (error) {
    if (hasAwsErrorName(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
  if (arn === undefined) throw new Error(`EventBridge Scheduler returned no ARN for the group "${group}"`);
  const { Tags = [] } = await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
  assertOwned(`schedule group ${group}`, Tags, owner);
  return arn;
}

/** Creates the environment's schedule group when it is missing; returns its ARN. */
export async function ensureScheduleGroup(
  scheduler: SchedulerClient,
  group: string,
  tags: readonly Tag[],
): Promise<string> {
  const owner = environmentIdentity(tags);
  const existing = await ownedScheduleGroup(scheduler, group, owner);
  if (existing !== undefined) return existing;
  try {
    const created = await scheduler.send(new CreateScheduleGroupCommand({ Name: group, Tags: [...tags] }));
    if (created.ScheduleGroupArn !== undefined) return created.ScheduleGroupArn;
  } catch (error) {
    if (!hasAwsErrorName(error, 'ConflictException')) throw error;
  }
  const arn = await ownedScheduleGroup(scheduler, group, owner);
  if (arn === undefined) throw new Error(`the schedule group "${group}" was created and is not there`);
  return arn;
}

/** The names of the schedules in the group. */
export async function groupSchedules(scheduler: SchedulerClient, group: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListSchedules({ client: scheduler }, { GroupName: group })) {
    for (const schedule of page.Schedules ?? []) if (schedule.Name !== undefined) names.push(schedule.Name);
  }
  return names;
}

/**
 * Deletes the environment's schedule group and with it every job's schedule; returns the
 * schedules it held. A group already gone is fine, and one that is not this environment's is
 * left alone (the check throws).
 */
export async function deleteScheduleGroup(
  scheduler: SchedulerClient,
  group: string,
  owner: EnvironmentIdentity,
): Promise<string[]> {
  if ((await ownedScheduleGroup(scheduler, group, owner)) === undefined) return [];
  const schedules = await groupSchedules(scheduler, group);
  try {
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: group }));
  } catch (error) {
    if (!hasAwsErrorName(error, 'ResourceNotFoundException')) throw error;
  }
  return schedules;
}
