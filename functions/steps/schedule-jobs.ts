/**
 * ScheduleJobs: each scheduled job (`x-modeshift.schedule`) becomes an
 * EventBridge Scheduler schedule, named after the job in the environment's
 * schedule group, that runs one task of the job's task definition (the new
 * image, the service's settings and wiring) on the environment's cluster.
 * The schedules of jobs the compose file no longer has are deleted, and the
 * group with them once there are none. Runs after the rollout, so a job's
 * first run after a deploy finds the services and the schema it expects.
 *
 * A job runs on Fargate on demand in every mode, as a run-once task does:
 * Spot could stop it halfway, and nothing retries it before its next run.
 * Scheduler starts it with the install's job scheduler role, which may run
 * modeshift's task definitions on modeshift's clusters and pass their roles
 * to ECS, and nothing else (core/iam/service-policies.ts).
 */

import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  type Target,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ServiceSpec } from '../../core/execution-input.ts';
import {
  registerServiceTaskDefinition,
  SERVICE_TASK_DEFINITION_COMMANDS,
  type ServiceTaskContext,
} from '../aws/ecs/service-task-definition.ts';
import { environmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { deleteScheduleGroup, ensureScheduleGroup, groupSchedules } from '../aws/scheduler/job-schedules.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { NetworkRef } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface ScheduleJobsInput extends ServiceTaskContext {
  /** The scheduled jobs, each with its `schedule`. */
  readonly jobs: readonly ServiceSpec[];
  /** `DISABLED` when a development deploy pauses the jobs (`--pause-schedules`). */
  readonly state: 'ENABLED' | 'DISABLED';
  /** The role Scheduler runs the tasks as (the install's job scheduler role). */
  readonly schedulerRoleArn: string;
  readonly taskNetwork: {
    readonly subnets: 'public' | 'private';
    readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  };
  readonly network: NetworkRef;
}

export interface ScheduledJob {
  readonly service: string;
  readonly schedule: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly taskDefinition: string;
}

export interface ScheduleJobsOutput {
  readonly scheduled: readonly ScheduledJob[];
  /** Schedules deleted because their job is no longer in the compose file. */
  readonly removed: readonly string[];
}

export const scheduleJobs = defineStep({
  name: 'ScheduleJobs',
  clients: { scheduler: SchedulerClient, ecs: ECSClient, iam: IAMClient },
  sends: [
    GetScheduleGroupCommand,
    CreateScheduleGroupCommand,
    DeleteScheduleGroupCommand,
    ListTagsForResourceCommand,
    ListSchedulesCommand,
    GetScheduleCommand,
    CreateScheduleCommand,
    UpdateScheduleCommand,
    DeleteScheduleCommand,
    ...SERVICE_TASK_DEFINITION_COMMANDS,
  ],
  async run(input: ScheduleJobsInput, clients): Promise<ScheduleJobsOutput> {
    const { scheduler } = clients;
    const group = input.names.scheduleGroup;
    if (input.jobs.length === 0) {
      // No job left: the group goes, and every schedule in it.
      const removed = await deleteScheduleGroup(scheduler, group, environmentIdentity(input.tags));
      return { scheduled: [], removed };
    }
    await ensureScheduleGroup(scheduler, group, input.tags);
    const scheduled: ScheduledJob[] = [];
    for (const job of input.jobs) {
      const taskDefinition = await registerServiceTaskDefinition(job, input, clients);
      const schedule = job.schedule ?? '';
      const definition = {
        Name: job.name,
        GroupName: group,
        ScheduleExpression: schedule,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' as const },
        State: input.state,
        Description: `Runs ${job.name} of modeshift ${input.project}/${input.environment} on ${schedule}`,
        Target: jobTarget(input, taskDefinition),
      };
      if (await scheduleExists(scheduler, group, job.name))
        await scheduler.send(new UpdateScheduleCommand(definition));
      else {
        try {
          await scheduler.send(new CreateScheduleCommand(definition));
        } catch (error) {
          // Created by an earlier call of this step that did not finish: bring it to the definition.
          if (!hasAwsErrorName(error, 'ConflictException')) throw error;
          await scheduler.send(new UpdateScheduleCommand(definition));
        }
      }
      scheduled.push({ service: job.name, schedule, state: input.state, taskDefinition });
    }
    const wanted = new Set(input.jobs.map((job) => job.name));
    const removed = (await groupSchedules(scheduler, group)).filter((name) => !wanted.has(name));
    for (const name of removed) {
      try {
        await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
      } catch (error) {
        if (!hasAwsErrorName(error, 'ResourceNotFoundException')) throw error;
      }
    }
    return { scheduled, removed };
  },
});

/** What a job's schedule starts: one task of its task definition, on the cluster, in the services' network. */
function jobTarget(input: ScheduleJobsInput, taskDefinition: string): Target {
  return {
    Arn: `arn:aws:ecs:${input.region}:${input.accountId}:cluster/${input.names.cluster}`,
    RoleArn: input.schedulerRoleArn,
    // A missed run is not retried: the next one comes on the schedule, and a job that runs twice
    // at once (a retry overlapping a slow run) is worse for most jobs than one that runs late.
    RetryPolicy: { MaximumRetryAttempts: 0 },
    EcsParameters: {
      TaskDefinitionArn: taskDefinition,
      TaskCount: 1,
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        awsvpcConfiguration: {
          Subnets: [
            ...(input.taskNetwork.subnets === 'public'
              ? input.network.publicSubnetIds
              : input.network.privateSubnetIds),
          ],
          SecurityGroups: [input.network.securityGroups.services],
          AssignPublicIp: input.taskNetwork.assignPublicIp,
        },
      },
      EnableECSManagedTags: true,
      PropagateTags: 'TASK_DEFINITION',
    },
  };
}

async function scheduleExists(scheduler: SchedulerClient, group: string, name: string): Promise<boolean> {
  try {
    await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}

export const handler = lambdaHandler(scheduleJobs);
