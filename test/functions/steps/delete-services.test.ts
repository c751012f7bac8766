import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  ClusterNotFoundException,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  type Service,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { type DeleteServicesInput, deleteServices } from '../../../functions/steps/delete-services.ts';

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'us-east-1' });
const iam = mockClient(IAMClient);
const iamClient = new IAMClient({ region: 'us-east-1' });
const scheduler = mockClient(SchedulerClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const clients = {
  ecs: client,
  iam: iamClient,
  scheduler: new SchedulerClient({ region: 'us-east-1' }),
  applicationautoscaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
};

const input: DeleteServicesInput = {
  project: 'shop',
  environment: 'pr-42',
  names: environmentNames('shop', 'pr-42'),
  environmentTags: modeshiftTags('shop', 'pr-42', 'development', '').slice(0, 2),
};

function arn(name: string): string {
  return `arn:aws:ecs:us-east-1:123456789012:service/shop--pr-42/${name}`;
}

function service(name: string, status: string, environment = 'pr-42'): Service {
  return {
    serviceName: name,
    serviceArn: arn(name),
    status,
    tags: modeshiftTags('shop', environment, 'development', 'deploy-1').map((tag) => ({
      key: tag.Key,
      value: tag.Value,
    })),
  };
}

beforeEach(() => {
  ecs.reset();
  ecs.on(DescribeClustersCommand).resolves({ clusters: [] });
  iam.reset();
  iam.on(ListRolesCommand).resolves({ Roles: [] });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  ecs.on(ListTaskDefinitionFamiliesCommand).resolves({ families: [] });
  ecs.on(UpdateServiceCommand).resolves({});
  ecs.on(DeleteServiceCommand).resolves({});
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  autoscaling.reset();
  autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  scheduler.reset();
  scheduler.on(GetScheduleGroupCommand).rejects(
    new ResourceNotFoundException({
      Message: 'Schedule group not found',
      message: 'Schedule group not found',
      $metadata: {},
    }),
  );
});

describe('DeleteServices', () => {
  it("deregisters the autoscaling of the cluster's services before scaling them to zero, and no other cluster's", async () => {
    const target = (ResourceId: string) => ({
      ServiceNamespace: 'ecs' as const,
      ResourceId,
      ScalableDimension: 'ecs:service:DesiredCount' as const,
      MinCapacity: 1,
      MaxCapacity: 4,
      RoleARN: 'arn:aws:iam::123456789012:role/x',
      CreationTime: new Date(),
    });
    autoscaling.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        target('service/shop--pr-42/web'),
        target('service/shop--pr-420/web'),
        target('service/other/web'),
      ],
    });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('web')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web', 'ACTIVE')] });

    await deleteServices(input, clients);

    expect(autoscaling).toHaveReceivedCommandTimes(DeregisterScalableTargetCommand, 1);
    expect(autoscaling).toHaveReceivedCommandWith(DeregisterScalableTargetCommand, {
      ResourceId: 'service/shop--pr-42/web',
    });
    const [deregistered] = autoscaling.commandCalls(DeregisterScalableTargetCommand);
    const [scaled] = ecs.commandCalls(UpdateServiceCommand);
    expect(scaled && deregistered?.calledBefore(scaled)).toBe(true);
  });

  it('is done at once when the cluster does not exist', async () => {
    ecs
      .on(ListServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: true });
    expect(ecs).toHaveReceivedCommandWith(ListServicesCommand, { cluster: 'shop--pr-42' });
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });

  it('scales ACTIVE services to zero, deletes them with force and waits 15 seconds for them to drain', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('api', 'ACTIVE')] });

    const result = await deleteServices(input, clients);

    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'shop--pr-42',
      services: [arn('api')],
      include: ['TAGS'],
    });
    expect(ecs).toHaveReceivedNthCommandWith(UpdateServiceCommand, 1, {
      cluster: 'shop--pr-42',
      service: 'api',
      desiredCount: 0,
    });
    expect(ecs).toHaveReceivedCommandWith(DeleteServiceCommand, {
      cluster: 'shop--pr-42',
      service: 'api',
      force: true,
    });
    expect(result).toEqual({ done: false });
  });

  it("deletes the environment's job schedule group first, and leaves another environment's group of the same name", async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    const group = environmentNames('shop', 'pr-42').scheduleGroup;
    const groupArn = `arn:aws:scheduler:us-east-1:123456789012:schedule-group/${group}`;
    scheduler.on(GetScheduleGroupCommand).resolves({ Arn: groupArn, Name: group });
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'nightly' }] });
    scheduler
      .on(ListTagsForResourceCommand)
      .resolves({ Tags: modeshiftTags('shop', 'pr-42', 'development', 'd1') });

    await deleteServices(input, clients);

    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleGroupCommand, { Name: group });

    scheduler.resetHistory();
    scheduler
      .on(ListTagsForResourceCommand)
      .resolves({ Tags: modeshiftTags('shop', 'pr-43', 'development', 'd1') });
    await expect(deleteServices(input, clients)).rejects.toThrow(/schedule group shop--pr-42/);
    expect(scheduler).not.toHaveReceivedCommand(DeleteScheduleGroupCommand);
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });

  it('stops a job still running once the services are gone, so the cluster can be deleted', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('api', 'INACTIVE')] });
    const task = 'arn:aws:ecs:us-east-1:123456789012:task/shop--pr-42/0123abcd';
    ecs.on(ListTasksCommand).resolves({ taskArns: [task] });
    ecs.on(StopTaskCommand).resolves({});

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: true });
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'shop--pr-42',
      desiredStatus: 'RUNNING',
    });
    expect(ecs).toHaveReceivedCommandWith(StopTaskCommand, { cluster: 'shop--pr-42', task });
  });

  it('stops no task while a service is still draining', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('api', 'DRAINING')] });

    await deleteServices(input, clients);

    expect(ecs).not.toHaveReceivedCommand(StopTaskCommand);
  });

  it('never touches a service tagged for another environment', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api'), arn('intruder')] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', 'ACTIVE'), service('intruder', 'ACTIVE', 'pr-43')],
    });

    await deleteServices(input, clients);

    expect(ecs).toHaveReceivedCommandTimes(DeleteServiceCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(DeleteServiceCommand, { service: 'api' });
    expect(ecs).not.toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'intruder' });
  });

  it('is done when the only ACTIVE service left belongs to another environment', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api'), arn('intruder')] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [service('api', 'INACTIVE'), service('intruder', 'ACTIVE', 'pr-43')],
    });

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: true });
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });

  it('waits without deleting again while a service is DRAINING', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('api', 'DRAINING')] });

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: false });
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });

  it('reads every page of services and describes them 10 at a time', async () => {
    const names = Array.from({ length: 11 }, (_, index) => `svc-${index}`);
    ecs
      .on(ListServicesCommand)
      .resolvesOnce({ serviceArns: names.slice(0, 6).map(arn), nextToken: 'page-2' })
      .resolvesOnce({ serviceArns: names.slice(6).map(arn) });
    ecs.on(DescribeServicesCommand).callsFake((request: { services: string[] }) => ({
      services: request.services.map((serviceArn) => service(serviceArn.split('/').at(-1) ?? '', 'INACTIVE')),
    }));

    const result = await deleteServices(input, clients);

    expect(result.done).toBe(true);
    expect(ecs).toHaveReceivedNthCommandWith(ListServicesCommand, 2, { nextToken: 'page-2' });
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 2);
  });

  it('deregisters the environment’s task definitions once its services are gone, not a longer environment’s', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    ecs
      .on(ListTaskDefinitionFamiliesCommand)
      .resolves({ families: ['shop--pr-42--web', 'shop--pr-42-x--web'] });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'shop--pr-42--web' }).resolves({
      tags: modeshiftTags('shop', 'pr-42', 'development', 'd1').map((tag) => ({
        key: tag.Key,
        value: tag.Value,
      })),
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'shop--pr-42-x--web' }).resolves({
      tags: modeshiftTags('shop', 'pr-42-x', 'development', 'd1').map((tag) => ({
        key: tag.Key,
        value: tag.Value,
      })),
    });
    ecs.on(ListTaskDefinitionsCommand).resolves({
      taskDefinitionArns: [
        'arn:aws:ecs:us-east-1:123456789012:task-definition/shop--pr-42--web:1',
        'arn:aws:ecs:us-east-1:123456789012:task-definition/shop--pr-42--web:2',
      ],
    });

    const result = await deleteServices(input, clients);

    expect(result.done).toBe(true);
    expect(ecs).toHaveReceivedCommandTimes(DeregisterTaskDefinitionCommand, 2);
    expect(ecs).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, {
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop--pr-42--web:2',
    });
    expect(ecs).not.toHaveReceivedCommandWith(ListTaskDefinitionsCommand, {
      familyPrefix: 'shop--pr-42-x--web',
    });
  });

  it('refuses a cluster of the environment’s name that is another’s before touching any service', async () => {
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        {
          clusterName: 'shop--pr-42',
          status: 'ACTIVE',
          tags: [
            { key: 'modeshift:project', value: 'shop-pr' },
            { key: 'modeshift:environment', value: '42' },
          ],
        },
      ],
    });

    await expect(deleteServices(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('ECS cluster shop--pr-42 belongs to shop-pr/42'),
    });
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });
});

describe('DeleteServices: execution roles', () => {
  const tagged = (environment: string) =>
    modeshiftTags('shop', environment, 'development', 'deploy-1').map((tag) => ({ ...tag }));

  it("deletes the environment's execution roles and their policies once its services are gone, and no role of another environment", async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    iam.on(ListRolesCommand).resolves({
      Roles: [
        { RoleName: 'shop--pr-42--api', Path: '/modeshift/shop/pr-42/' } as never,
        { RoleName: 'shop--pr-42--impostor', Path: '/modeshift/shop/pr-42/' } as never,
      ],
    });
    iam
      .on(GetRoleCommand, { RoleName: 'shop--pr-42--api' })
      .resolves({ Role: { RoleName: 'shop--pr-42--api', Tags: tagged('pr-42') } as never })
      .on(GetRoleCommand, { RoleName: 'shop--pr-42--impostor' })
      .resolves({ Role: { RoleName: 'shop--pr-42--impostor', Tags: tagged('other') } as never });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['modeshift-task-execution'] });

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: true });
    expect(iam).toHaveReceivedCommandWith(ListRolesCommand, { PathPrefix: '/modeshift/shop/pr-42/' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, {
      RoleName: 'shop--pr-42--api',
      PolicyName: 'modeshift-task-execution',
    });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'shop--pr-42--api' });
    expect(iam).not.toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'shop--pr-42--impostor' });
  });

  it('keeps the roles while services are still draining', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('api')] });
    ecs.on(DescribeServicesCommand).resolves({ services: [service('api', 'DRAINING')] });

    const result = await deleteServices(input, clients);

    expect(result).toEqual({ done: false });
    expect(iam).not.toHaveReceivedCommand(ListRolesCommand);
  });
});
