import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkOwnVpc, type OwnVpc } from '../../../../functions/aws/ec2/own-vpc.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });
const OWNER = { project: 'shop', environment: 'pr-1' };
const VPC: OwnVpc = {
  id: 'vpc-0team0001',
  publicSubnets: ['subnet-0pub0000a', 'subnet-0pub0000b'],
  privateSubnets: ['subnet-0prv0000a', 'subnet-0prv0000b'],
};

/** The team's VPC with DNS on, and subnets as given (id → [vpc, zone]). */
function account(
  subnets: Record<string, [string, string]>,
  vpc: { tags?: { Key: string; Value: string }[] } = {},
) {
  ec2
    .on(DescribeVpcsCommand)
    .resolves({ Vpcs: [{ VpcId: VPC.id, CidrBlock: '172.20.0.0/16', Tags: vpc.tags ?? [] }] });
  ec2
    .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
    .resolves({ EnableDnsSupport: { Value: true } });
  ec2
    .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
    .resolves({ EnableDnsHostnames: { Value: true } });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: Object.entries(subnets).map(([SubnetId, [VpcId, AvailabilityZone]]) => ({
      SubnetId,
      VpcId,
      AvailabilityZone,
    })),
  });
}

const good = (): Record<string, [string, string]> => ({
  'subnet-0pub0000a': [VPC.id, 'us-east-1a'],
  'subnet-0pub0000b': [VPC.id, 'us-east-1b'],
  'subnet-0prv0000a': [VPC.id, 'us-east-1a'],
  'subnet-0prv0000b': [VPC.id, 'us-east-1b'],
});

beforeEach(() => {
  ec2.reset();
});

describe("a team's own VPC", () => {
  it('is taken with its subnets as listed and the zones of the public ones', async () => {
    account(good());

    expect(await checkOwnVpc(client, VPC, OWNER)).toEqual({
      ok: true,
      vpc: {
        vpcId: VPC.id,
        publicSubnetIds: VPC.publicSubnets,
        privateSubnetIds: VPC.privateSubnets,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
      },
    });
  });

  it('names a missing subnet, one in another VPC, and subnets all in one zone', async () => {
    account({
      ...good(),
      'subnet-0pub0000b': [VPC.id, 'us-east-1a'],
      'subnet-0prv0000a': ['vpc-0other001', 'us-east-1a'],
    });
    const withoutOne = good();
    delete withoutOne['subnet-0prv0000b'];

    expect(await checkOwnVpc(client, VPC, OWNER)).toEqual({
      ok: false,
      problems: [
        {
          path: 'vpc.privateSubnets[0]',
          message: 'subnet-0prv0000a is in vpc-0other001, not in vpc-0team0001',
        },
        {
          path: 'vpc.publicSubnets',
          message: 'are all in us-east-1a: the load balancer needs subnets in two availability zones',
        },
        {
          path: 'vpc.privateSubnets',
          message:
            'are all in us-east-1b: spreading tasks and databases needs subnets in two availability zones',
        },
      ],
    });
    ec2.reset();
    account(withoutOne);
    const missing = await checkOwnVpc(client, VPC, OWNER);
    expect(missing.ok ? [] : missing.problems).toContainEqual({
      path: 'vpc.privateSubnets[1]',
      message: 'there is no subnet subnet-0prv0000b in the region',
    });
  });

  it('refuses a VPC that is not there, one with DNS hostnames off, and one modeshift made for another environment', async () => {
    ec2.on(DescribeVpcsCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidVpcID.NotFound',
        $fault: 'client',
        $metadata: {},
        message: 'none',
      }),
    );
    expect(await checkOwnVpc(client, VPC, OWNER)).toEqual({
      ok: false,
      problems: [{ path: 'vpc.id', message: 'there is no VPC vpc-0team0001 in the region' }],
    });

    ec2.reset();
    account(good(), {
      tags: [
        { Key: 'modeshift:project', Value: 'blog' },
        { Key: 'modeshift:environment', Value: 'main' },
      ],
    });
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ EnableDnsHostnames: { Value: false } });
    const refused = await checkOwnVpc(client, VPC, OWNER);
    expect(refused.ok ? [] : refused.problems).toEqual([
      {
        path: 'vpc.id',
        message:
          'vpc-0team0001 is the VPC modeshift created for blog/main, and its down deletes it: name a VPC of your own',
      },
      {
        path: 'vpc.id',
        message:
          'vpc-0team0001 has enableDnsHostnames off: service discovery and the database endpoints need both on (modeshift does not change your VPC)',
      },
    ]);
  });

  it('where tasks run in the private subnets, names each that has no default route in a VPC with no ECR endpoint', async () => {
    account(good());
    const defaultRoute = {
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: 'nat-1',
      State: 'active' as const,
    };
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        // The main table has a way out; subnet-0prv0000b is associated with one that has none.
        { RouteTableId: 'rtb-main', Associations: [{ Main: true }], Routes: [defaultRoute] },
        { RouteTableId: 'rtb-b', Associations: [{ SubnetId: 'subnet-0prv0000b' }], Routes: [] },
      ],
    });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });

    const checked = await checkOwnVpc(client, VPC, OWNER, true);
    expect(checked.ok ? [] : checked.problems.map((problem) => problem.path)).toEqual([
      'vpc.privateSubnets[1]',
    ]);
    expect((await checkOwnVpc(client, VPC, OWNER, false)).ok, 'public tasks need no way out').toBe(true);

    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [{ ServiceName: 'com.amazonaws.us-east-1.ecr.dkr', State: 'Available' }],
    });
    expect((await checkOwnVpc(client, VPC, OWNER, true)).ok, 'an ECR endpoint is a way out').toBe(true);
  });
});
