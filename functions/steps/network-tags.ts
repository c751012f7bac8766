/**
 * The tags by which modeshift finds an environment's network again: the
 * project and environment tags every resource carries, and the role tags that
 * tell the environment's subnets, route tables and NAT gateways apart.
 */
import type { Filter } from '@aws-sdk/client-ec2';
import type { Tag } from '../../core/execution-input.ts';
import { StepError } from './step-error.ts';

export const PROJECT_TAG = 'modeshift:project';
export const ENVIRONMENT_TAG = 'modeshift:environment';
/** Which of the environment's subnets a subnet is: `public-a`, `public-b`, `private-a` or `private-b`. */
export const SUBNET_TAG = 'modeshift:subnet';
/** Which of the environment's route tables a route table is: `public`, `private-a` or `private-b`. */
export const ROUTE_TABLE_TAG = 'modeshift:route-table';
/** The zone a NAT gateway and its Elastic IP serve: `a` or `b`. */
export const NAT_TAG = 'modeshift:nat';

/** EC2 Describe* filters that match only the resources of one environment of one project. */
export function environmentTagFilters(project: string, environment: string): Filter[] {
  return [
    { Name: `tag:${PROJECT_TAG}`, Values: [project] },
    { Name: `tag:${ENVIRONMENT_TAG}`, Values: [environment] },
  ];
}

/** The value of one tag in an AWS tag list, if it is there. */
export function tagValue(
  tags: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined,
  key: string,
): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/** Whether a resource's tags lack one of `wanted` or carry another value for it. */
export function lacksTags(
  tags: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined,
  wanted: readonly Tag[],
): boolean {
  return wanted.some((tag) => tagValue(tags, tag.Key) !== tag.Value);
}

/** Project and environment named by a step's `tags`. */
export function environmentOfTags(tags: readonly Tag[]): { project: string; environment: string } {
  const project = tagValue(tags, PROJECT_TAG);
  const environment = tagValue(tags, ENVIRONMENT_TAG);
  if (project === undefined || environment === undefined) {
    throw new StepError(
      'Modeshift.MissingEnvironmentTags',
      `tags: expected ${PROJECT_TAG} and ${ENVIRONMENT_TAG}, got ${tags.map((tag) => tag.Key).join(', ') || 'none'}`,
    );
  }
  return { project, environment };
}
