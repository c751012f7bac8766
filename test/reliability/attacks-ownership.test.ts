/**
 * Attacks on another environment's resources through names (on the local AWS,
 * one server for the file): an environment whose project and environment join
 * to the same text as another's (`shop-wk/x` and `shop/wk-x`), and a resource
 * of an environment's name that someone else owns. Each attack is counted for
 * the reliability summary after the victim is read back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetProjectsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBSubnetGroupsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames, serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget, type RunReport } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { EXAMPLE, useLocalAws } from '../e2e-emulator/local-aws.ts';
import { countAttack } from './stats.ts';

const aws = useLocalAws();

/** One web service from an image and one built service: enough for services, builds and a target group. */
const SMALL = `name: small
services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
`;

function deploy(
  target: Target,
  file: string,
  project: string,
  environment: string,
  ttl?: string,
): Promise<RunReport> {
  const composed = loadComposeFile(file, {
    project,
    environment,
    mode: 'development',
    deploymentId: `attack-${project}-${environment}`,
    variables: {},
    ...(ttl ? { ttl } : {}),
  });
  return deployOnTarget(target, { ...composed, resolved: resolvePolicy(composed.request.mode) });
}

/** What a victim's deploy made, read back from AWS: the resources another environment could take over by name. */
async function readVictim(target: Target, project: string, environment: string) {
  const names = environmentNames(project, environment);
  const ecs = target.clients('ecs') as ECSClient;
  const services = ['web', 'api', 'worker'];
  const { services: ecsServices = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services, include: ['TAGS'] }),
  );
  const taskDefinitions = await Promise.all(
    services.map(async (service) => {
      const { taskDefinition } = await ecs.send(
        new DescribeTaskDefinitionCommand({
          taskDefinition: serviceNames(project, environment, service).taskFamily,
        }),
      );
      return `${taskDefinition?.taskDefinitionArn} ${taskDefinition?.status}`;
    }),
  );
  const { projects = [] } = await (target.clients('codebuild') as CodeBuildClient).send(
    new BatchGetProjectsCommand({
      names: ['web', 'api'].map((service) => serviceNames(project, environment, service).codeBuildProject),
    }),
  );
  const schedule = await (target.clients('scheduler') as SchedulerClient).send(
    new GetScheduleCommand({ Name: names.expirySchedule }),
  );
  const { DBSubnetGroups = [] } = await (target.clients('rds') as RDSClient).send(
    new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: names.dbSubnetGroup }),
  );
  const { SecurityGroups = [] } = await (target.clients('ec2') as EC2Client).send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        {
          Name: 'group-name',
          Values: [names.albSecurityGroup, names.serviceSecurityGroup, names.databaseSecurityGroup],
        },
      ],
    }),
  );
  const { TargetGroups = [] } = await (
    target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client
  ).send(new DescribeTargetGroupsCommand({ Names: [serviceNames(project, environment, 'web').targetGroup] }));
  return {
    services: ecsServices
      .map((service) => ({
        name: service.serviceName,
        status: service.status,
        taskDefinition: service.taskDefinition,
        tags: service.tags,
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    taskDefinitions,
    projects: projects.map((p) => ({ name: p.name, source: p.source?.location, tags: p.tags })),
    schedule: { input: schedule.Target?.Input, expression: schedule.ScheduleExpression },
    subnetGroups: DBSubnetGroups.map((group) => `${group.DBSubnetGroupName} ${group.VpcId}`),
    securityGroups: SecurityGroups.map((group) => `${group.GroupName} ${group.GroupId}`).sort(),
    targetGroups: TargetGroups.map((group) => group.TargetGroupArn),
  };
}

describe('attacks — an environment whose names once collided with another’s', () => {
  it.each([
    { victim: ['shop', 'wk-x'], attacker: ['shop-wk', 'x'] },
    { victim: ['shop', 'sec-x'], attacker: ['shop-sec', 'x'] },
  ] as const)(
    'a deploy and down of $attacker.0/$attacker.1 leave $victim.0/$victim.1 unchanged',
    async ({ victim, attacker }) => {
      // Prepare: the victim, with builds, a database and an expiry.
      const target = aws.target();
      const victimRun = await deploy(target, EXAMPLE, victim[0], victim[1], '24h');
      expect(victimRun.status, `${victimRun.failedState} ${victimRun.error} ${victimRun.cause}`).toBe(
        'SUCCEEDED',
      );
      const before = await readVictim(target, victim[0], victim[1]);

      // Act: the attacker deploys and tears down.
      expect((await deploy(target, EXAMPLE, attacker[0], attacker[1])).status).toBe('SUCCEEDED');
      expect((await downOnTarget(target, { project: attacker[0], environment: attacker[1] })).status).toBe(
        'SUCCEEDED',
      );

      // Assert
      const after = await readVictim(target, victim[0], victim[1]);
      countAttack(JSON.stringify(after) !== JSON.stringify(before));
      expect(after).toEqual(before);
      expect(after.services.map((service) => service.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
      expect(after.taskDefinitions.every((line) => line.endsWith(' ACTIVE'))).toBe(true);
      expect(after.projects).toHaveLength(2);
      expect(after.subnetGroups).toHaveLength(1);
      // Services and database: behind its project's shared load balancer it has no load balancer group of its own.
      expect(after.securityGroups).toHaveLength(2);
      expect(after.targetGroups).toHaveLength(1);
    },
  );
});

describe('attacks — a resource of the environment’s name that someone else owns', () => {
  it('stops the deploy with Modeshift.NotOwned and leaves the foreign cluster as it was', async () => {
    // Prepare: a cluster named as shop/own's would be, tagged for someone else.
    const target = aws.target();
    const ecs = target.clients('ecs') as ECSClient;
    const name = environmentNames('shop', 'own').cluster;
    const foreignTags = [
      { key: 'modeshift:project', value: 'someone' },
      { key: 'modeshift:environment', value: 'else' },
    ];
    await ecs.send(new CreateClusterCommand({ clusterName: name, tags: foreignTags }));
    const file = join(mkdtempSync(join(tmpdir(), 'modeshift-attack-')), 'compose.yaml');
    writeFileSync(file, SMALL);

    // Act
    const report = await deploy(target, file, 'shop', 'own');

    // Assert
    const { clusters = [] } = await ecs.send(
      new DescribeClustersCommand({ clusters: [name], include: ['TAGS'] }),
    );
    const changed =
      clusters[0]?.status !== 'ACTIVE' || JSON.stringify(clusters[0]?.tags) !== JSON.stringify(foreignTags);
    countAttack(changed);
    expect(report, `${report.failedState} ${report.cause}`).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.NotOwned',
    });
    expect(report.cause).toContain(`ECS cluster ${name} belongs to someone/else, not shop/own`);
    expect(clusters[0]?.tags).toEqual(foreignTags);
    expect(clusters[0]?.defaultCapacityProviderStrategy ?? []).toEqual([]);
  });
});
