/**
 * Step inputs that the Lambda step tests under test/functions/steps share: the
 * project and environment tags every resource of an environment carries, the
 * input the teardown steps take (project, environment, names and those tags),
 * and the network references EnsureNetwork hands to the steps after it. Each
 * test still names its project and environment and overrides what it checks.
 */
import type { Tag } from '../../core/execution-input.ts';
import { environmentNames } from '../../core/names.ts';
import type { EnvironmentStepInput, NetworkRef } from '../../functions/resource-refs.ts';

/** The project and environment tags every resource of the environment carries, whatever its mode. */
export function environmentTags(project: string, environment: string): Tag[] {
  return [
    { Key: 'modeshift:project', Value: project },
    { Key: 'modeshift:environment', Value: environment },
  ];
}

/** The input of a teardown step (DeleteNetwork, PurgeAndDeleteZones, …) for `environment` of `project`; its tags a plain array, for the mocks' answers. */
export function teardownInput(
  project: string,
  environment: string,
): EnvironmentStepInput & { environmentTags: Tag[] } {
  return {
    project,
    environment,
    names: environmentNames(project, environment),
    environmentTags: environmentTags(project, environment),
  };
}

/**
 * The network as EnsureNetwork names it: vpc-1, subnet-public-a/b, subnet-private-a/b in
 * us-east-1a/b, igw-1, rtb-public, rtb-private-a/b and the security groups sg-alb,
 * sg-services and sg-db; `overrides` replaces whole fields.
 */
export function networkRef(overrides: Partial<NetworkRef> = {}): NetworkRef {
  return {
    vpcId: 'vpc-1',
    publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
    privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    internetGatewayId: 'igw-1',
    publicRouteTableId: 'rtb-public',
    privateRouteTableIds: ['rtb-private-a', 'rtb-private-b'],
    securityGroups: { loadBalancer: 'sg-alb', services: 'sg-services', database: 'sg-db' },
    shared: null,
    ...overrides,
  };
}
