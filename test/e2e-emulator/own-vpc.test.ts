// A team's own VPC on the local AWS, read back: a deploy into it creates no
// VPC, subnet, gateway or route, only the environment's security groups; its
// services find each other through Service Connect; down deletes those groups
// and leaves the VPC and its subnets; a VPC or subnet that is not as named is
// refused before anything changes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { runCli } from '../support/cli.ts';
import { auditComposeFile, callsOf, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'teamvpc';

function composeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-own-vpc-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: ${PROJECT}
services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
    environment:
      API_URL: http://api:8080
  api:
    image: nginx:1.27
    expose: ["8080"]
`,
  );
  return file;
}

const ec2 = (target: Target) => target.clients('ec2') as EC2Client;

/**
 * A VPC of the team's with DNS on, and a public and a private subnet in each of two zones; with
 * `wayOut`, an ECR endpoint for the private subnets (as a team without NAT gateways has).
 */
async function teamVpc(target: Target, { wayOut = true } = {}) {
  const client = ec2(target);
  const { Vpc } = await client.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16' }));
  const VpcId = Vpc?.VpcId as string;
  await client.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true } }));
  await client.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsSupport: { Value: true } }));
  const subnet = async (cidr: string, zone: string) =>
    (
      await client.send(
        new CreateSubnetCommand({
          VpcId,
          CidrBlock: cidr,
          AvailabilityZone: `${target.names.region}${zone}`,
        }),
      )
    ).Subnet?.SubnetId as string;
  const vpc = {
    id: VpcId,
    publicSubnets: [await subnet('172.20.0.0/24', 'a'), await subnet('172.20.1.0/24', 'b')],
    privateSubnets: [await subnet('172.20.10.0/24', 'a'), await subnet('172.20.11.0/24', 'b')],
  };
  if (wayOut)
    await client.send(
      new CreateVpcEndpointCommand({
        VpcId,
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.${target.names.region}.ecr.dkr`,
        SubnetIds: vpc.privateSubnets,
      }),
    );
  return vpc;
}

const tagged = (environment: string) => [
  { Name: 'tag:modeshift:project', Values: [PROJECT] },
  { Name: 'tag:modeshift:environment', Values: [environment] },
];

describe("a team's own VPC on the local AWS", () => {
  it('gets only the security groups, Service Connect names, and keeps the VPC through down', async () => {
    const target = aws.target();
    const vpc = await teamVpc(target);
    const file = composeFile();
    const composed = loadComposeFile(file, {
      environment: 'main',
      mode: 'staging',
      deploymentId: 'own-vpc-1',
      variables: {},
      vpc,
    });
    const report = await deployOnTarget(target, { ...composed, resolved: resolvePolicy('staging') });
    expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');

    const client = ec2(target);
    const { Vpcs = [] } = await client.send(new DescribeVpcsCommand({ Filters: tagged('main') }));
    expect(Vpcs, 'no VPC of its own').toEqual([]);
    for (const [what, found] of [
      ['subnets', (await client.send(new DescribeSubnetsCommand({ Filters: tagged('main') }))).Subnets],
      [
        'internet gateways',
        (await client.send(new DescribeInternetGatewaysCommand({ Filters: tagged('main') })))
          .InternetGateways,
      ],
      [
        'route tables',
        (await client.send(new DescribeRouteTablesCommand({ Filters: tagged('main') }))).RouteTables,
      ],
      [
        'NAT gateways',
        (
          await client.send(
            new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpc.id] }] }),
          )
        ).NatGateways,
      ],
    ] as const)
      expect(found ?? [], `no ${what} of its own, though staging has a NAT gateway elsewhere`).toEqual([]);
    const names = environmentNames(PROJECT, 'main');
    const { SecurityGroups = [] } = await client.send(
      new DescribeSecurityGroupsCommand({ Filters: tagged('main') }),
    );
    expect(SecurityGroups.map((group) => [group.GroupName, group.VpcId]).sort()).toEqual(
      [names.albSecurityGroup, names.serviceSecurityGroup, names.databaseSecurityGroup]
        .map((name) => [name, vpc.id])
        .sort(),
    );
    const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
    const { LoadBalancers = [] } = await elbv2.send(
      new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }),
    );
    expect(LoadBalancers[0]?.VpcId).toBe(vpc.id);

    // moto keeps no Service Connect configuration: the call ECS was sent says it.
    const created = callsOf(target, 'ecs', 'CreateServiceCommand') as Array<{
      serviceName: string;
      serviceConnectConfiguration?: unknown;
      networkConfiguration?: { awsvpcConfiguration?: { subnets?: string[] } };
    }>;
    expect(created.find((call) => call.serviceName === 'api')).toMatchObject({
      serviceConnectConfiguration: {
        enabled: true,
        namespace: names.privateZone,
        services: [{ discoveryName: 'api_8080', clientAliases: [{ port: 8080, dnsName: 'api' }] }],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: vpc.privateSubnets } },
    });
    expect(created.find((call) => call.serviceName === 'web')?.serviceConnectConfiguration).toMatchObject({
      enabled: true,
      services: [{ clientAliases: [{ port: 80, dnsName: 'web' }] }],
    });
    const ps = await runCli([
      'ps',
      '--env',
      'main',
      '--project',
      PROJECT,
      '--json',
      '--endpoint',
      aws.endpoint(),
    ]);
    expect(JSON.parse(ps.stdout).network).toEqual({ vpcId: vpc.id, cidrs: ['172.20.0.0/16'], owner: 'team' });
    // The compose file names no VPC: the record says which team VPC the environment was deployed into.
    const audit = await auditComposeFile(target, { file, project: PROJECT, environment: 'main' });
    expect(audit.findings).toEqual([]);

    const down = await downOnTarget(target, { project: PROJECT, environment: 'main' });
    expect(down.status, `${down.failedState}: ${down.error}`).toBe('SUCCEEDED');
    const left = await client.send(new DescribeSecurityGroupsCommand({ Filters: tagged('main') }));
    expect(left.SecurityGroups ?? []).toEqual([]);
    const { Vpcs: kept = [] } = await client.send(new DescribeVpcsCommand({ VpcIds: [vpc.id] }));
    expect(kept.map((found) => found.VpcId)).toEqual([vpc.id]);
    const { Subnets = [] } = await client.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.id] }] }),
    );
    expect(Subnets.map((subnet) => subnet.SubnetId).sort()).toEqual(
      [...vpc.publicSubnets, ...vpc.privateSubnets].sort(),
    );
  });

  it('refuses a subnet of another VPC, naming it, before anything changes', async () => {
    const target = aws.target();
    const vpc = await teamVpc(target);
    const other = await teamVpc(target);
    const result = await runCli([
      'deploy',
      '-f',
      composeFile(),
      '--env',
      'pr-9',
      '--mode',
      'development',
      '--quiet',
      '--endpoint',
      aws.endpoint(),
      '--vpc',
      vpc.id,
      '--public-subnet',
      vpc.publicSubnets[0] as string,
      '--public-subnet',
      vpc.publicSubnets[1] as string,
      '--private-subnet',
      other.privateSubnets[0] as string,
      '--private-subnet',
      vpc.privateSubnets[1] as string,
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: vpc.privateSubnets[0]: ${other.privateSubnets[0]} is in ${other.id}, not in ${vpc.id}`,
    );
    const { SecurityGroups = [] } = await ec2(target).send(
      new DescribeSecurityGroupsCommand({ Filters: tagged('pr-9') }),
    );
    expect(SecurityGroups, 'nothing was created').toEqual([]);
  });

  it('refuses private subnets with no way out where the mode runs tasks in them, and takes them in development', async () => {
    const target = aws.target();
    const vpc = await teamVpc(target, { wayOut: false });
    const file = composeFile();
    const deploy = (mode: string) =>
      runCli([
        'deploy',
        '-f',
        file,
        '--env',
        'pr-5',
        '--mode',
        mode,
        '--quiet',
        '--endpoint',
        aws.endpoint(),
        '--vpc',
        vpc.id,
        ...vpc.publicSubnets.flatMap((id) => ['--public-subnet', id]),
        ...vpc.privateSubnets.flatMap((id) => ['--private-subnet', id]),
      ]);

    const staging = await deploy('staging');
    expect(staging.code).toBe(2);
    expect(staging.stderr).toContain(
      `error: vpc.privateSubnets[0]: ${vpc.privateSubnets[0]} has no default route (0.0.0.0/0) and ${vpc.id} no ECR endpoint: the mode runs tasks in the private subnets`,
    );
    // Development runs its tasks in the public subnets, with public IPs.
    const development = await deploy('development');
    expect(development.code, development.stderr).toBe(0);
  });

  it("refuses to move an environment from a VPC of its own into the team's, before anything changes", async () => {
    const target = aws.target();
    const vpc = await teamVpc(target);
    const file = composeFile();
    const deploy = (...extra: string[]) =>
      runCli([
        'deploy',
        '-f',
        file,
        '--env',
        'pr-3',
        '--mode',
        'development',
        '--quiet',
        '--endpoint',
        aws.endpoint(),
        ...extra,
      ]);
    expect((await deploy('--set', 'network=dedicated')).code).toBe(0);
    const { Vpcs = [] } = await ec2(target).send(new DescribeVpcsCommand({ Filters: tagged('pr-3') }));

    const moved = await deploy(
      '--vpc',
      vpc.id,
      ...vpc.publicSubnets.flatMap((id) => ['--public-subnet', id]),
      ...vpc.privateSubnets.flatMap((id) => ['--private-subnet', id]),
    );

    expect(moved.code).toBe(2);
    expect(moved.stderr).toContain(
      `error: vpc.id: ${PROJECT}/pr-3 runs in a VPC of its own (${Vpcs[0]?.VpcId}): take it down before deploying it into ${vpc.id}`,
    );
    const { SecurityGroups = [] } = await ec2(target).send(
      new DescribeSecurityGroupsCommand({
        Filters: [...tagged('pr-3'), { Name: 'vpc-id', Values: [vpc.id] }],
      }),
    );
    expect(SecurityGroups, 'nothing was created in the team VPC').toEqual([]);
  });
});
