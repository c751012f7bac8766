import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AssociateDhcpOptionsCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateDhcpOptionsCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeDhcpOptionsCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  type IpPermission,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  RevokeSecurityGroupIngressCommand,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { formatCidr, freeBlock, subnetCidrs } from '../../../core/vpc-cidr.ts';
import type { NetworkRef } from '../../../functions/resource-refs.ts';
import { type EnsureNetworkInput, ensureNetwork } from '../../../functions/steps/ensure-network.ts';
import { sentAmong } from '../../support/aws-mocks.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });
const ddb = new DynamoDBClient({ region: 'us-east-1' });

const names = environmentNames('shop', 'pr-42');
const tags = modeshiftTags('shop', 'pr-42', 'development', 'd-2');
const input: EnsureNetworkInput = {
  project: 'shop',
  environment: 'pr-42',
  names,
  tags,
  targetGroups: [{ port: 3000 }, { port: 8080, healthCheckPort: '8081' }],
  // The fixtures name the range their subnets sit in; a request without one is tested on its own.
  vpcCidr: '10.0.0.0/16',
};

const environmentFilters = [
  { Name: 'tag:modeshift:project', Values: ['shop'] },
  { Name: 'tag:modeshift:environment', Values: ['pr-42'] },
];

/** The refs of the network the fixtures below describe (and an empty account ends up with). */
const expectedRef: NetworkRef = {
  vpcId: 'vpc-1',
  publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
  privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
  availabilityZones: ['us-east-1b', 'us-east-1c'],
  internetGatewayId: 'igw-1',
  publicRouteTableId: 'rtb-public',
  privateRouteTableIds: ['rtb-private-a', 'rtb-private-b'],
  securityGroups: { loadBalancer: 'sg-alb', services: 'sg-services', database: 'sg-db' },
  shared: null,
};

function tagOf(tagList: Tag[] | undefined, key: string): string | undefined {
  return tagList?.find((tag) => tag.Key === key)?.Value;
}

/** Describes that find nothing and creates that answer with predictable ids. */
function emptyAccount(): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeVpcAttributeCommand).resolves({});
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeDhcpOptionsCommand).resolves({ DhcpOptions: [] });
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      { ZoneName: 'us-east-1d', State: 'available', ZoneType: 'availability-zone' },
      { ZoneName: 'us-east-1a', State: 'impaired', ZoneType: 'availability-zone' },
      { ZoneName: 'us-east-1c', State: 'available', ZoneType: 'availability-zone' },
      { ZoneName: 'us-east-1b', State: 'available', ZoneType: 'availability-zone' },
    ],
  });
  ec2.on(CreateVpcCommand).callsFake((request) => ({
    Vpc: { VpcId: 'vpc-1', CidrBlock: request.CidrBlock, DhcpOptionsId: 'dopt-default' },
  }));
  ec2.on(CreateSubnetCommand).callsFake((request) => {
    const role = tagOf(request.TagSpecifications?.[0]?.Tags, 'modeshift:subnet');
    return {
      Subnet: {
        SubnetId: `subnet-${role}`,
        CidrBlock: request.CidrBlock,
        AvailabilityZone: request.AvailabilityZone,
        MapPublicIpOnLaunch: false,
      },
    };
  });
  ec2.on(CreateInternetGatewayCommand).resolves({ InternetGateway: { InternetGatewayId: 'igw-1' } });
  ec2.on(CreateRouteTableCommand).callsFake((request) => {
    const role = tagOf(request.TagSpecifications?.[0]?.Tags, 'modeshift:route-table');
    return { RouteTable: { RouteTableId: `rtb-${role}`, VpcId: 'vpc-1', Routes: [], Associations: [] } };
  });
  const groupIds: Record<string, string> = {
    [names.albSecurityGroup]: 'sg-alb',
    [names.serviceSecurityGroup]: 'sg-services',
    [names.databaseSecurityGroup]: 'sg-db',
  };
  ec2.on(CreateSecurityGroupCommand).callsFake((request) => ({ GroupId: groupIds[request.GroupName] }));
  ec2.on(CreateDhcpOptionsCommand).resolves({ DhcpOptions: { DhcpOptionsId: 'dopt-1', Tags: tags } });
}

interface ExistingOptions {
  /** The services group's ingress rules. @default the load balancer on 3000, 8080 and 8081, and the services */
  readonly servicesIngress?: IpPermission[];
  readonly tags?: Tag[];
  readonly dnsHostnames?: boolean;
  readonly publicIpOnLaunchA?: boolean;
  readonly publicDefaultRoute?: { GatewayId: string; State: 'active' | 'blackhole' };
  readonly withoutSubnet?: string;
  readonly privateAssociatedWith?: string;
}

/** Describes that return the whole network, tagged for the environment, as EnsureNetwork leaves it. */
function existingEnvironment(options: ExistingOptions = {}): void {
  const resourceTags = options.tags ?? tags;
  const servicesIngress = options.servicesIngress;
  const subnetTags = (role: string): Tag[] => [
    ...resourceTags,
    { Key: 'Name', Value: `shop--pr-42-${role}` },
    { Key: 'modeshift:subnet', Value: role },
  ];
  const subnets: Subnet[] = [
    {
      SubnetId: 'subnet-public-a',
      CidrBlock: '10.0.0.0/20',
      AvailabilityZone: 'us-east-1b',
      MapPublicIpOnLaunch: options.publicIpOnLaunchA ?? true,
      Tags: subnetTags('public-a'),
    },
    {
      SubnetId: 'subnet-public-b',
      CidrBlock: '10.0.16.0/20',
      AvailabilityZone: 'us-east-1c',
      MapPublicIpOnLaunch: true,
      Tags: subnetTags('public-b'),
    },
    {
      SubnetId: 'subnet-private-a',
      CidrBlock: '10.0.128.0/20',
      AvailabilityZone: 'us-east-1b',
      MapPublicIpOnLaunch: false,
      Tags: subnetTags('private-a'),
    },
    {
      SubnetId: 'subnet-private-b',
      CidrBlock: '10.0.144.0/20',
      AvailabilityZone: 'us-east-1c',
      MapPublicIpOnLaunch: false,
      Tags: subnetTags('private-b'),
    },
  ].filter((subnet) => subnet.SubnetId !== options.withoutSubnet);
  const association = (subnetId: string, routeTableId: string) => ({
    SubnetId: subnetId,
    RouteTableId: routeTableId,
    RouteTableAssociationId: `rtbassoc-${subnetId}`,
    Main: false,
    AssociationState: { State: 'associated' as const },
  });
  const presentSubnet = (subnetId: string) => subnets.some((subnet) => subnet.SubnetId === subnetId);
  const privateATable = options.privateAssociatedWith ?? 'rtb-private-a';
  const routeTables: RouteTable[] = [
    {
      RouteTableId: 'rtb-main',
      VpcId: 'vpc-1',
      Associations: [{ Main: true, RouteTableAssociationId: 'rtbassoc-main' }],
    },
    {
      RouteTableId: 'rtb-public',
      VpcId: 'vpc-1',
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        {
          DestinationCidrBlock: '0.0.0.0/0',
          ...(options.publicDefaultRoute ?? { GatewayId: 'igw-1', State: 'active' }),
        },
      ],
      Associations: [
        association('subnet-public-a', 'rtb-public'),
        association('subnet-public-b', 'rtb-public'),
        ...(privateATable === 'rtb-public' ? [association('subnet-private-a', 'rtb-public')] : []),
      ],
      Tags: [...resourceTags, { Key: 'modeshift:route-table', Value: 'public' }],
    },
    {
      RouteTableId: 'rtb-private-a',
      VpcId: 'vpc-1',
      Routes: [],
      Associations:
        privateATable === 'rtb-private-a' ? [association('subnet-private-a', 'rtb-private-a')] : [],
      Tags: [...resourceTags, { Key: 'modeshift:route-table', Value: 'private-a' }],
    },
    {
      RouteTableId: 'rtb-private-b',
      VpcId: 'vpc-1',
      Routes: [],
      Associations: presentSubnet('subnet-private-b')
        ? [association('subnet-private-b', 'rtb-private-b')]
        : [],
      Tags: [...resourceTags, { Key: 'modeshift:route-table', Value: 'private-b' }],
    },
  ];
  const securityGroups: SecurityGroup[] = [
    {
      GroupId: 'sg-alb',
      GroupName: names.albSecurityGroup,
      VpcId: 'vpc-1',
      Tags: resourceTags,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ],
    },
    {
      GroupId: 'sg-services',
      GroupName: names.serviceSecurityGroup,
      VpcId: 'vpc-1',
      Tags: resourceTags,
      IpPermissions: servicesIngress ?? [
        ...[3000, 8080, 8081].map((port) => ({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          UserIdGroupPairs: [{ GroupId: 'sg-alb' }],
        })),
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-services' }] },
      ],
    },
    {
      GroupId: 'sg-db',
      GroupName: names.databaseSecurityGroup,
      VpcId: 'vpc-1',
      Tags: resourceTags,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-services' }] },
      ],
    },
  ];

  ec2.on(DescribeVpcsCommand).resolves({
    Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', DhcpOptionsId: 'dopt-1', Tags: resourceTags }],
  });
  ec2
    .on(DescribeVpcAttributeCommand)
    .callsFake((request) =>
      request.Attribute === 'enableDnsSupport'
        ? { EnableDnsSupport: { Value: true } }
        : { EnableDnsHostnames: { Value: options.dnsHostnames ?? true } },
    );
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
  ec2.on(DescribeInternetGatewaysCommand).resolves({
    InternetGateways: [
      {
        InternetGatewayId: 'igw-1',
        Attachments: [{ VpcId: 'vpc-1', State: 'attached' }],
        Tags: resourceTags,
      },
    ],
  });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: routeTables });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: securityGroups });
  ec2.on(DescribeDhcpOptionsCommand).resolves({
    DhcpOptions: [
      {
        DhcpOptionsId: 'dopt-1',
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [{ Value: 'pr-42.shop.internal' }] },
          { Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] },
        ],
        Tags: resourceTags,
      },
    ],
  });
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      { ZoneName: 'us-east-1a', State: 'available', ZoneType: 'availability-zone' },
      { ZoneName: 'us-east-1b', State: 'available', ZoneType: 'availability-zone' },
    ],
  });
  ec2.on(CreateSubnetCommand).callsFake((request) => ({
    Subnet: {
      SubnetId: `subnet-${tagOf(request.TagSpecifications?.[0]?.Tags, 'modeshift:subnet')}`,
      CidrBlock: request.CidrBlock,
      AvailabilityZone: request.AvailabilityZone,
      MapPublicIpOnLaunch: false,
    },
  }));
}

function duplicateRule(): EC2ServiceException {
  return new EC2ServiceException({
    name: 'InvalidPermission.Duplicate',
    $fault: 'client',
    $metadata: {},
    message: 'the specified rule already exists',
  });
}

const CREATES = [
  CreateVpcCommand,
  CreateSubnetCommand,
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateDhcpOptionsCommand,
  AttachInternetGatewayCommand,
  AssociateRouteTableCommand,
  AssociateDhcpOptionsCommand,
  AuthorizeSecurityGroupIngressCommand,
] as const;

beforeEach(() => {
  ec2.reset();
});

afterAll(() => {
  ec2.restore();
});

describe('EnsureNetwork', () => {
  describe('on an account without the environment', () => {
    beforeEach(emptyAccount);

    it('creates the VPC with the range the request names (10.0.0.0/16), named and tagged for the environment', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(CreateVpcCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, {
        CidrBlock: '10.0.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [...tags, { Key: 'Name', Value: 'shop--pr-42' }] }],
      });
    });

    it('without a range, gives the VPC a free /16 of 10.0.0.0/8 and its subnets the sixteenths 0, 1, 8 and 9', async () => {
      const seed = freeBlock('shop/pr-42', []);
      if (seed === undefined) throw new Error('no free block in an empty account');
      // Another environment already holds the block the search starts from: the next one is taken.
      ec2.on(DescribeVpcsCommand, { Filters: undefined }).resolves({
        Vpcs: [
          {
            VpcId: 'vpc-other',
            CidrBlock: formatCidr(seed),
            Tags: [
              { Key: 'modeshift:project', Value: 'blog' },
              { Key: 'modeshift:environment', Value: 'main' },
            ],
          },
        ],
      });

      await ensureNetwork({ ...input, vpcCidr: null }, { ec2: client, ddb });

      const wanted = freeBlock('shop/pr-42', [seed]);
      if (wanted === undefined) throw new Error('no second free block');
      const cidr = formatCidr(wanted);
      expect(cidr).not.toBe(formatCidr(seed));
      expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, { CidrBlock: cidr });
      const subnets = subnetCidrs(wanted);
      expect(ec2.commandCalls(CreateSubnetCommand).map((call) => call.args[0].input.CidrBlock)).toEqual([
        subnets['public-a'],
        subnets['public-b'],
        subnets['private-a'],
        subnets['private-b'],
      ]);
    });

    it('refuses a named range another environment’s VPC overlaps, creating nothing', async () => {
      ec2.on(DescribeVpcsCommand, { Filters: undefined }).resolves({
        Vpcs: [
          {
            VpcId: 'vpc-blog',
            CidrBlock: '10.0.128.0/17',
            Tags: [
              { Key: 'modeshift:project', Value: 'blog' },
              { Key: 'modeshift:environment', Value: 'main' },
            ],
          },
        ],
      });

      await expect(ensureNetwork(input, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.VpcCidrConflict',
        message: expect.stringContaining('10.0.0.0/16 overlaps 10.0.128.0/17 of VPC vpc-blog (blog/main)'),
      });
      expect(sentAmong(ec2, [CreateVpcCommand, CreateSubnetCommand])).toEqual([]);
    });

    it('gives way when another environment made an overlapping VPC at the same moment: deletes its own, picks again', async () => {
      const rival = {
        VpcId: 'vpc-0',
        Tags: [
          { Key: 'modeshift:project', Value: 'blog' },
          { Key: 'modeshift:environment', Value: 'main' },
        ],
      };
      let created = 0;
      // The rival's VPC appears right after the first pick, in the very block picked.
      let picked: string | undefined;
      ec2.on(DescribeVpcsCommand, { Filters: undefined }).callsFake(() => ({
        Vpcs: created === 0 || picked === undefined ? [] : [{ ...rival, CidrBlock: picked }],
      }));
      ec2.on(CreateVpcCommand).callsFake((request) => {
        created += 1;
        picked ??= request.CidrBlock;
        return { Vpc: { VpcId: `vpc-${created}`, CidrBlock: request.CidrBlock } };
      });

      const ref = await ensureNetwork({ ...input, vpcCidr: null }, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DeleteVpcCommand, { VpcId: 'vpc-1' });
      const ranges = ec2.commandCalls(CreateVpcCommand).map((call) => call.args[0].input.CidrBlock);
      expect(ranges).toHaveLength(2);
      expect(ranges[1]).not.toBe(ranges[0]);
      expect(ref.vpcId).toBe('vpc-2');
    });

    it('enables DNS support and DNS hostnames on the new VPC', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(ModifyVpcAttributeCommand, {
        VpcId: 'vpc-1',
        EnableDnsSupport: { Value: true },
      });
      expect(ec2).toHaveReceivedCommandWith(ModifyVpcAttributeCommand, {
        VpcId: 'vpc-1',
        EnableDnsHostnames: { Value: true },
      });
    });

    it('creates four subnets in the first two available zones by name, each tagged with its role', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(CreateSubnetCommand, 4);
      for (const [role, cidr, zone] of [
        ['public-a', '10.0.0.0/20', 'us-east-1b'],
        ['public-b', '10.0.16.0/20', 'us-east-1c'],
        ['private-a', '10.0.128.0/20', 'us-east-1b'],
        ['private-b', '10.0.144.0/20', 'us-east-1c'],
      ] as const) {
        expect(ec2).toHaveReceivedCommandWith(CreateSubnetCommand, {
          VpcId: 'vpc-1',
          CidrBlock: cidr,
          AvailabilityZone: zone,
          TagSpecifications: [
            {
              ResourceType: 'subnet',
              Tags: [
                ...tags,
                { Key: 'Name', Value: `shop--pr-42-${role}` },
                { Key: 'modeshift:subnet', Value: role },
              ],
            },
          ],
        });
      }
    });

    it('gives public IPs on launch in the public subnets only', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(ModifySubnetAttributeCommand, 2);
      expect(ec2).toHaveReceivedCommandWith(ModifySubnetAttributeCommand, {
        SubnetId: 'subnet-public-a',
        MapPublicIpOnLaunch: { Value: true },
      });
      expect(ec2).toHaveReceivedCommandWith(ModifySubnetAttributeCommand, {
        SubnetId: 'subnet-public-b',
        MapPublicIpOnLaunch: { Value: true },
      });
    });

    it('creates an internet gateway and attaches it to the VPC', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateInternetGatewayCommand, {
        TagSpecifications: [
          { ResourceType: 'internet-gateway', Tags: [...tags, { Key: 'Name', Value: 'shop--pr-42' }] },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(AttachInternetGatewayCommand, {
        InternetGatewayId: 'igw-1',
        VpcId: 'vpc-1',
      });
    });

    it('routes the public route table to the internet gateway and associates both public subnets with it', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, {
        RouteTableId: 'rtb-public',
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: 'igw-1',
      });
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, {
        SubnetId: 'subnet-public-a',
        RouteTableId: 'rtb-public',
      });
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, {
        SubnetId: 'subnet-public-b',
        RouteTableId: 'rtb-public',
      });
    });

    it('gives each private subnet its own route table without a default route', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateRouteTableCommand, {
        VpcId: 'vpc-1',
        TagSpecifications: [
          {
            ResourceType: 'route-table',
            Tags: [
              ...tags,
              { Key: 'Name', Value: 'shop--pr-42-private-b' },
              { Key: 'modeshift:route-table', Value: 'private-b' },
            ],
          },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, {
        SubnetId: 'subnet-private-a',
        RouteTableId: 'rtb-private-a',
      });
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, {
        SubnetId: 'subnet-private-b',
        RouteTableId: 'rtb-private-b',
      });
      expect(ec2).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
    });

    it('creates the load balancer, services and database security groups', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      for (const name of ['shop--pr-42-alb', 'shop--pr-42-services', 'shop--pr-42-db']) {
        expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
          GroupName: name,
          VpcId: 'vpc-1',
          TagSpecifications: [
            { ResourceType: 'security-group', Tags: [...tags, { Key: 'Name', Value: name }] },
          ],
        });
      }
    });

    it('opens 80 and 443 to anywhere on the load balancer group', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      for (const port of [80, 443]) {
        expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
          GroupId: 'sg-alb',
          IpPermissions: [
            expect.objectContaining({
              IpProtocol: 'tcp',
              FromPort: port,
              ToPort: port,
              IpRanges: [expect.objectContaining({ CidrIp: '0.0.0.0/0' })],
            }),
          ],
        });
      }
    });

    it('lets the load balancer reach the services on their target and health-check ports only, the services each other, and the database on 5432', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      for (const port of [3000, 8080, 8081]) {
        expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
          GroupId: 'sg-services',
          IpPermissions: [
            expect.objectContaining({
              IpProtocol: 'tcp',
              FromPort: port,
              ToPort: port,
              UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-alb' })],
            }),
          ],
        });
      }
      expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: '-1',
            UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-services' })],
          }),
        ],
      });
      expect(ec2).not.toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: '-1',
            UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-alb' })],
          }),
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: 'sg-db',
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-services' })],
          }),
        ],
      });
      expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 7);
    });

    it('makes the private zone the VPC search domain through DHCP options', async () => {
      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateDhcpOptionsCommand, {
        DhcpConfigurations: [
          { Key: 'domain-name', Values: ['pr-42.shop.internal'] },
          { Key: 'domain-name-servers', Values: ['AmazonProvidedDNS'] },
        ],
        TagSpecifications: [
          { ResourceType: 'dhcp-options', Tags: [...tags, { Key: 'Name', Value: 'shop--pr-42' }] },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(AssociateDhcpOptionsCommand, {
        DhcpOptionsId: 'dopt-1',
        VpcId: 'vpc-1',
      });
    });

    it('returns references to every part of the network', async () => {
      const network = await ensureNetwork(input, { ec2: client, ddb });

      expect(network).toEqual(expectedRef);
    });

    it('goes on when AWS reports an ingress rule as a duplicate', async () => {
      ec2
        .on(AuthorizeSecurityGroupIngressCommand, { GroupId: 'sg-alb' })
        .rejectsOnce(duplicateRule())
        .resolves({ Return: true });

      const network = await ensureNetwork(input, { ec2: client, ddb });

      expect(network.securityGroups.loadBalancer).toBe('sg-alb');
      expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 7);
    });

    it('fails naming the zones when the region has fewer than two available', async () => {
      ec2.on(DescribeAvailabilityZonesCommand).resolves({
        AvailabilityZones: [
          { ZoneName: 'us-east-1a', State: 'available', ZoneType: 'availability-zone' },
          { ZoneName: 'us-east-1b', State: 'impaired', ZoneType: 'availability-zone' },
        ],
      });

      await expect(ensureNetwork(input, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.TooFewAvailabilityZones',
        message: expect.stringContaining('us-east-1a'),
      });
    });
  });

  describe("in a team's own VPC", () => {
    const vpc = {
      id: 'vpc-0team0001',
      publicSubnets: ['subnet-0pub0000a', 'subnet-0pub0000b'],
      privateSubnets: ['subnet-0prv0000a', 'subnet-0prv0000b'],
    };
    function teamVpc(zoneOfSecondPublic = 'us-east-1c') {
      emptyAccount();
      ec2.on(DescribeVpcsCommand, { VpcIds: [vpc.id] }).resolves({ Vpcs: [{ VpcId: vpc.id, Tags: [] }] });
      ec2.on(DescribeVpcAttributeCommand).resolves({
        EnableDnsSupport: { Value: true },
        EnableDnsHostnames: { Value: true },
      });
      ec2.on(DescribeSubnetsCommand).resolves({
        Subnets: [
          { SubnetId: 'subnet-0pub0000a', VpcId: vpc.id, AvailabilityZone: 'us-east-1b' },
          { SubnetId: 'subnet-0pub0000b', VpcId: vpc.id, AvailabilityZone: zoneOfSecondPublic },
          { SubnetId: 'subnet-0prv0000a', VpcId: vpc.id, AvailabilityZone: 'us-east-1b' },
          { SubnetId: 'subnet-0prv0000b', VpcId: vpc.id, AvailabilityZone: 'us-east-1c' },
        ],
      });
    }

    it('creates only the security groups in it, routes nothing, and names Service Connect for the services', async () => {
      teamVpc();

      const ref = await ensureNetwork({ ...input, vpc }, { ec2: client, ddb });

      expect(ref).toEqual({
        vpcId: vpc.id,
        publicSubnetIds: vpc.publicSubnets,
        privateSubnetIds: vpc.privateSubnets,
        availabilityZones: ['us-east-1b', 'us-east-1c'],
        privateRouteTableIds: [],
        securityGroups: { loadBalancer: 'sg-alb', services: 'sg-services', database: 'sg-db' },
        serviceConnect: true,
        shared: null,
      });
      expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { VpcId: vpc.id });
      const groupsOnly = ['CreateSecurityGroupCommand', 'AuthorizeSecurityGroupIngressCommand'];
      expect(sentAmong(ec2, CREATES).filter((name) => !groupsOnly.includes(name))).toEqual([]);
      expect(ec2).not.toHaveReceivedCommand(ModifyVpcAttributeCommand);
      expect(ec2).not.toHaveReceivedCommand(AssociateDhcpOptionsCommand);
    });

    it('refuses to move an environment between its own VPC and a team’s, creating nothing', async () => {
      existingEnvironment();

      await expect(ensureNetwork({ ...input, vpc }, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.NetworkChangeRefused',
        message:
          'shop/pr-42 runs in a VPC of its own (vpc-1): take it down before deploying it into vpc-0team0001',
      });
      expect(sentAmong(ec2, CREATES)).toEqual([]);

      ec2.reset();
      teamVpc();
      ec2.on(DescribeSecurityGroupsCommand, { Filters: environmentFilters }).resolves({
        SecurityGroups: [{ GroupId: 'sg-alb', GroupName: names.albSecurityGroup, VpcId: 'vpc-0elsewhere' }],
      });
      await expect(ensureNetwork({ ...input, vpcCidr: null }, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.NetworkChangeRefused',
        message:
          'shop/pr-42 runs in your VPC vpc-0elsewhere: name it again (vpc), or take the environment down before it gets a VPC of its own',
      });
      expect(sentAmong(ec2, CREATES)).toEqual([]);
    });

    it('stops with Modeshift.InvalidVpc, creating nothing, when the VPC is not as the request names it', async () => {
      teamVpc('us-east-1b');

      await expect(ensureNetwork({ ...input, vpc }, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.InvalidVpc',
        message:
          'vpc.publicSubnets: are all in us-east-1b: the load balancer needs subnets in two availability zones',
      });
      expect(sentAmong(ec2, CREATES)).toEqual([]);
    });
  });

  describe('on an account with the environment', () => {
    it('creates nothing when every part is found by its tags', async () => {
      existingEnvironment();

      await ensureNetwork(input, { ec2: client, ddb });

      expect(sentAmong(ec2, CREATES)).toEqual([]);
      expect(ec2).not.toHaveReceivedCommand(ModifyVpcAttributeCommand);
      expect(ec2).not.toHaveReceivedCommand(ModifySubnetAttributeCommand);
      expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    });

    it('keeps the range of the VPC it finds, and refuses a request naming another', async () => {
      existingEnvironment();

      await ensureNetwork({ ...input, vpcCidr: null }, { ec2: client, ddb });
      expect(sentAmong(ec2, CREATES)).toEqual([]);

      await expect(
        ensureNetwork({ ...input, vpcCidr: '10.5.0.0/16' }, { ec2: client, ddb }),
      ).rejects.toMatchObject({
        name: 'Modeshift.VpcCidrConflict',
        message: expect.stringContaining(
          "shop/pr-42 already has VPC vpc-1 with 10.0.0.0/16, and a VPC's range cannot change",
        ),
      });
    });

    it("revokes the load balancer's all-ports rule and the ports of a service that changed, and adds the new ports", async () => {
      existingEnvironment({
        servicesIngress: [
          { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-alb' }, { GroupId: 'sg-services' }] },
          { IpProtocol: 'tcp', FromPort: 3000, ToPort: 3000, UserIdGroupPairs: [{ GroupId: 'sg-alb' }] },
          { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9000, UserIdGroupPairs: [{ GroupId: 'sg-alb' }] },
        ],
      });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-alb' }] }],
      });
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9000, UserIdGroupPairs: [{ GroupId: 'sg-alb' }] },
        ],
      });
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 2);
      for (const port of [8080, 8081]) {
        expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
          GroupId: 'sg-services',
          IpPermissions: [expect.objectContaining({ IpProtocol: 'tcp', FromPort: port, ToPort: port })],
        });
      }
      expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 2);
    });

    it('revokes nothing when the rules are already the wanted ones', async () => {
      existingEnvironment();

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
    });

    it('returns the same references as when it created them', async () => {
      existingEnvironment();

      const network = await ensureNetwork(input, { ec2: client, ddb });

      expect(network).toEqual(expectedRef);
    });

    it('adds only a subnet that went missing, in the zone of its pair, and associates it', async () => {
      existingEnvironment({ withoutSubnet: 'subnet-private-b' });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(CreateSubnetCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(CreateSubnetCommand, {
        CidrBlock: '10.0.144.0/20',
        AvailabilityZone: 'us-east-1c',
      });
      expect(ec2).toHaveReceivedCommandExactlyOnceWith(AssociateRouteTableCommand, {
        SubnetId: 'subnet-private-b',
        RouteTableId: 'rtb-private-b',
      });
      expect(ec2).not.toHaveReceivedCommand(CreateVpcCommand);
      expect(ec2).not.toHaveReceivedCommand(CreateRouteTableCommand);
    });

    it('turns DNS hostnames back on when they were switched off', async () => {
      existingEnvironment({ dnsHostnames: false });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ModifyVpcAttributeCommand, {
        VpcId: 'vpc-1',
        EnableDnsHostnames: { Value: true },
      });
    });

    it('turns public IPs on launch back on in a public subnet', async () => {
      existingEnvironment({ publicIpOnLaunchA: false });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ModifySubnetAttributeCommand, {
        SubnetId: 'subnet-public-a',
        MapPublicIpOnLaunch: { Value: true },
      });
    });

    it('replaces a public default route that points elsewhere', async () => {
      existingEnvironment({ publicDefaultRoute: { GatewayId: 'igw-old', State: 'blackhole' } });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ReplaceRouteCommand, {
        RouteTableId: 'rtb-public',
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: 'igw-1',
      });
      expect(ec2).not.toHaveReceivedCommand(CreateRouteCommand);
    });

    it('moves a private subnet associated with the wrong route table', async () => {
      existingEnvironment({ privateAssociatedWith: 'rtb-public' });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ReplaceRouteTableAssociationCommand, {
        AssociationId: 'rtbassoc-subnet-private-a',
        RouteTableId: 'rtb-private-a',
      });
      expect(ec2).not.toHaveReceivedCommand(AssociateRouteTableCommand);
    });

    it('re-tags what it found with the new mode and deployment after a mode change', async () => {
      existingEnvironment({ tags: modeshiftTags('shop', 'pr-42', 'production', 'd-1') });

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateTagsCommand, {
        Resources: expect.arrayContaining([
          'vpc-1',
          'subnet-public-a',
          'subnet-private-b',
          'igw-1',
          'rtb-public',
          'rtb-private-a',
          'sg-alb',
          'sg-db',
          'dopt-1',
        ]),
        Tags: tags,
      });
    });

    it('refuses when two VPCs are tagged for the environment', async () => {
      existingEnvironment();
      ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }, { VpcId: 'vpc-2' }] });

      await expect(ensureNetwork(input, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.AmbiguousNetwork',
        message: expect.stringContaining('vpc-1, vpc-2'),
      });
    });
  });

  describe('lookups', () => {
    it('finds the VPC only by both the project and the environment tag, and takes no other VPC for it', async () => {
      emptyAccount();
      // The account's other VPCs are listed (unfiltered) for their ranges only.
      ec2.on(DescribeVpcsCommand, { Filters: undefined }).resolves({
        Vpcs: [{ VpcId: 'vpc-team', CidrBlock: '172.20.0.0/16', Tags: [] }],
      });

      await ensureNetwork(input, { ec2: client, ddb });

      const filters = ec2.commandCalls(DescribeVpcsCommand).map((call) => call.args[0].input.Filters);
      expect(filters).toContainEqual(environmentFilters);
      expect(filters).toContainEqual(undefined);
      for (const used of filters) expect([environmentFilters, undefined]).toContainEqual(used);
      expect(ec2).toHaveReceivedCommandTimes(CreateVpcCommand, 1);
    });

    it('describes subnets, route tables and security groups only inside the environment VPC', async () => {
      existingEnvironment();

      await ensureNetwork(input, { ec2: client, ddb });

      const inVpc = { Name: 'vpc-id', Values: ['vpc-1'] };
      // The one other security-group lookup is by both tags: where the environment runs now, whatever the VPC.
      const [whereItRuns, ...inside] = ec2.commandCalls(DescribeSecurityGroupsCommand);
      expect(whereItRuns?.args[0].input.Filters).toEqual(environmentFilters);
      for (const call of [
        ...ec2.commandCalls(DescribeSubnetsCommand),
        ...ec2.commandCalls(DescribeRouteTablesCommand),
        ...inside,
      ]) {
        expect(call.args[0].input.Filters).toContainEqual(inVpc);
      }
    });

    it('finds DHCP options only by both the project and the environment tag', async () => {
      existingEnvironment();

      await ensureNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeDhcpOptionsCommand, { Filters: environmentFilters });
      expect(ec2).toHaveReceivedCommandTimes(DescribeDhcpOptionsCommand, 1);
    });
  });
});
