/**
 * The tags by which modeshift finds an environment's network again: the
 * project and environment tags every resource carries (environment-tags.ts),
 * and the role tags that tell the environment's subnets, route tables and NAT
 * gateways apart.
 */
import type { Filter } from '@aws-sdk/client-ec2';
import { ENVIRONMENT_TAG, PROJECT_TAG } from '../environment-tags.ts';

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
