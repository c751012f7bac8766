/**
 * CheckExpirySchedule: whether the environment's expiry schedule exists, and
 * that it is the environment's, before the workflows update or delete it by
 * name. EventBridge Scheduler schedules carry no tags: a schedule is the
 * environment's when its target input — the Down Requested detail it sends —
 * names this project and environment. Any other schedule of that name stops
 * the step with `Modeshift.NotOwned`.
 */
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ENVIRONMENT_TAG, notOwned, PROJECT_TAG } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** Input of CheckExpirySchedule (deploy.asl.json and down.asl.json, state CheckExpirySchedule). */
export interface CheckExpiryScheduleInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
}

export interface CheckExpiryScheduleOutput {
  /** Whether the environment's expiry schedule exists (and is its own). */
  readonly exists: boolean;
}

/** The project and environment a schedule's Down Requested input names, as tags for the ownership message. */
function requestedOwner(input: string | undefined): Array<{ Key: string; Value: string }> {
  try {
    const detail = JSON.parse(input ?? '') as { project?: unknown; environment?: unknown };
    return [
      ...(typeof detail.project === 'string' ? [{ Key: PROJECT_TAG, Value: detail.project }] : []),
      ...(typeof detail.environment === 'string'
        ? [{ Key: ENVIRONMENT_TAG, Value: detail.environment }]
        : []),
    ];
  } catch {
    return [];
  }
}

export const checkExpirySchedule = defineStep({
  name: 'CheckExpirySchedule',
  clients: { scheduler: SchedulerClient },
  sends: [GetScheduleCommand],
  async run(input: CheckExpiryScheduleInput, { scheduler }): Promise<CheckExpiryScheduleOutput> {
    const name = input.names.expirySchedule;
    let target: { Input?: string | undefined } | undefined;
    try {
      target = (await scheduler.send(new GetScheduleCommand({ Name: name }))).Target;
    } catch (error) {
      if (hasAwsErrorName(error, 'ResourceNotFoundException')) return { exists: false };
      throw error;
    }
    const owner = requestedOwner(target?.Input);
    const project = owner.find((tag) => tag.Key === PROJECT_TAG)?.Value;
    const environment = owner.find((tag) => tag.Key === ENVIRONMENT_TAG)?.Value;
    if (project !== input.project || environment !== input.environment) {
      throw notOwned(`expiry schedule ${name}`, owner, input);
    }
    return { exists: true };
  },
});

export const handler = lambdaHandler(checkExpirySchedule);
