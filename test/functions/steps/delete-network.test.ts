import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type Address,
  DeleteDhcpOptionsCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeDhcpOptionsCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  EC2ServiceException,
  type NatGateway,
  type NatGatewayState,
  ReleaseAddressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type DeleteNetworkInput, deleteNetwork } from '../../../functions/steps/delete-network.ts';
import { callIndex, sentAmong } from '../../support/aws-mocks.ts';
import { teardownInput } from '../../support/step-inputs.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });
const ddb = new DynamoDBClient({ region: 'us-east-1' });

const input = teardownInput('shop', 'pr-42') satisfies DeleteNetworkInput;
const { environmentTags } = input;
const environmentFilters = [
  { Name: 'tag:modeshift:project', Values: ['shop'] },
  { Name: 'tag:modeshift:environment', Values: ['pr-42'] },
];
const inVpc = [{ Name: 'vpc-id', Values: ['vpc-1'] }];

function awsError(name: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: `${name} (test)` });
}

function gateway(zone: 'a' | 'b', state: NatGatewayState): NatGateway {
  return { NatGatewayId: `nat-${zone}`, VpcId: 'vpc-1', State: state };
}

const addresses: Address[] = [
  { AllocationId: 'eipalloc-a', Domain: 'vpc', Tags: environmentTags },
  { AllocationId: 'eipalloc-b', Domain: 'vpc', Tags: environmentTags },
];

/** The environment's network as EnsureNetwork and EnsureNatGateways leave it (gateways in `natState`). */
function environment(natState: NatGatewayState = 'deleted'): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: environmentTags }] });
  ec2
    .on(DescribeNatGatewaysCommand)
    .resolves({ NatGateways: [gateway('a', natState), gateway('b', natState)] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
  ec2.on(DescribeInternetGatewaysCommand).resolves({
    InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-1', State: 'attached' }] }],
  });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: ['public-a', 'public-b', 'private-a', 'private-b'].map((role) => ({
      SubnetId: `subnet-${role}`,
      VpcId: 'vpc-1',
    })),
  });
  ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: 'rtb-main',
        VpcId: 'vpc-1',
        Associations: [{ Main: true, RouteTableAssociationId: 'rtbassoc-main' }],
      },
      {
        RouteTableId: 'rtb-public',
        VpcId: 'vpc-1',
        Associations: [
          { Main: false, SubnetId: 'subnet-public-a', RouteTableAssociationId: 'rtbassoc-public-a' },
          { Main: false, SubnetId: 'subnet-public-b', RouteTableAssociationId: 'rtbassoc-public-b' },
        ],
      },
      { RouteTableId: 'rtb-private-a', VpcId: 'vpc-1', Associations: [] },
    ],
  });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      { GroupId: 'sg-default', GroupName: 'default', VpcId: 'vpc-1' },
      {
        GroupId: 'sg-alb',
        GroupName: 'shop-pr-42-alb',
        VpcId: 'vpc-1',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
      {
        GroupId: 'sg-services',
        GroupName: 'shop-pr-42-services',
        VpcId: 'vpc-1',
        IpPermissions: [
          {
            IpProtocol: '-1',
            UserIdGroupPairs: [
              { GroupId: 'sg-alb', UserId: '123456789012' },
              { GroupId: 'sg-services', UserId: '123456789012' },
            ],
          },
        ],
      },
      {
        GroupId: 'sg-db',
        GroupName: 'shop-pr-42-db',
        VpcId: 'vpc-1',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-services' }] },
        ],
      },
    ],
  });
  ec2
    .on(DescribeDhcpOptionsCommand)
    .resolves({ DhcpOptions: [{ DhcpOptionsId: 'dopt-1', Tags: environmentTags }] });
}

/** An account where the environment's VPC is already gone. */
function noVpc(
  options: { addresses?: Address[]; dhcpOptions?: string[]; groups?: SecurityGroup[] } = {},
): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: options.groups ?? [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: options.addresses ?? [] });
  ec2.on(DescribeDhcpOptionsCommand).resolves({
    DhcpOptions: (options.dhcpOptions ?? []).map((id) => ({ DhcpOptionsId: id })),
  });
}

const DELETES = [
  DeleteNatGatewayCommand,
  ReleaseAddressCommand,
  DetachInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteVpcCommand,
  DeleteDhcpOptionsCommand,
] as const;

beforeEach(() => {
  ec2.reset();
});

afterAll(() => {
  ec2.restore();
});

describe('DeleteNetwork', () => {
  describe('without a VPC tagged for the environment', () => {
    it('is done and deletes nothing', async () => {
      noVpc();

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress).toEqual({ done: true });
      expect(sentAmong(ec2, DELETES)).toEqual([]);
    });

    it('releases addresses and deletes DHCP options an earlier pass left behind', async () => {
      noVpc({ addresses, dhcpOptions: ['dopt-1'] });

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(ReleaseAddressCommand, { AllocationId: 'eipalloc-a' });
      expect(ec2).toHaveReceivedCommandWith(DeleteDhcpOptionsCommand, { DhcpOptionsId: 'dopt-1' });
      expect(progress.done).toBe(true);
    });
  });

  describe("in a team's own VPC", () => {
    it('deletes the security groups tagged for the environment there, and nothing of the VPC', async () => {
      noVpc({
        groups: [
          { GroupId: 'sg-team-default', GroupName: 'default', VpcId: 'vpc-team' },
          { GroupId: 'sg-alb', GroupName: 'shop--pr-42-alb', VpcId: 'vpc-team' },
          {
            GroupId: 'sg-services',
            GroupName: 'shop--pr-42-services',
            VpcId: 'vpc-team',
            IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-alb' }] }],
          },
        ],
      });

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { Filters: environmentFilters });
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-alb' }] }],
      });
      expect(ec2.commandCalls(DeleteSecurityGroupCommand).map((call) => call.args[0].input.GroupId)).toEqual([
        'sg-alb',
        'sg-services',
      ]);
      expect(sentAmong(ec2, [DeleteSubnetCommand, DeleteVpcCommand, DeleteRouteTableCommand])).toEqual([]);
      expect(progress).toEqual({ done: true });
    });
  });

  describe('NAT gateways', () => {
    it('deletes the live gateways first and waits for them before anything else', async () => {
      environment('available');

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DeleteNatGatewayCommand, { NatGatewayId: 'nat-a' });
      expect(ec2).toHaveReceivedCommandWith(DeleteNatGatewayCommand, { NatGatewayId: 'nat-b' });
      expect(progress).toEqual({ done: false });
      expect(ec2).not.toHaveReceivedCommand(ReleaseAddressCommand);
      expect(ec2).not.toHaveReceivedCommand(DeleteSubnetCommand);
    });

    it('with scope nat-gateways, is done once the gateways are gone and leaves the rest of the network', async () => {
      environment('available');

      const progress = await deleteNetwork({ ...input, scope: 'nat-gateways' }, { ec2: client, ddb });

      expect(progress).toEqual({ done: false });
      expect(ec2).toHaveReceivedCommandWith(DeleteNatGatewayCommand, { NatGatewayId: 'nat-a' });
      expect(ec2).not.toHaveReceivedCommand(DeleteSubnetCommand);
    });

    it('with scope nat-gateways, is done when they are and deletes nothing else', async () => {
      environment('deleted');

      const progress = await deleteNetwork({ ...input, scope: 'nat-gateways' }, { ec2: client, ddb });

      expect(progress).toEqual({ done: true });
      expect(sentAmong(ec2, DELETES)).toEqual([]);
    });

    it('waits without deleting again while the gateways are deleting', async () => {
      environment('deleting');

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress.done).toBe(false);
      expect(ec2).not.toHaveReceivedCommand(DeleteNatGatewayCommand);
      expect(ec2).not.toHaveReceivedCommand(ReleaseAddressCommand);
    });

    it('releases the tagged Elastic IPs once the gateways are deleted', async () => {
      environment('deleted');

      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(ReleaseAddressCommand, { AllocationId: 'eipalloc-a' });
      expect(ec2).toHaveReceivedCommandWith(ReleaseAddressCommand, { AllocationId: 'eipalloc-b' });
    });

    it('waits when AWS still holds an address', async () => {
      environment('deleted');
      ec2
        .on(ReleaseAddressCommand, { AllocationId: 'eipalloc-b' })
        .rejects(awsError('InvalidIPAddress.InUse'));

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress.done).toBe(false);
    });
  });

  describe('once the gateways are gone', () => {
    beforeEach(() => environment('deleted'));

    it('detaches the internet gateway, then deletes it', async () => {
      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DetachInternetGatewayCommand, {
        InternetGatewayId: 'igw-1',
        VpcId: 'vpc-1',
      });
      expect(ec2).toHaveReceivedCommandWith(DeleteInternetGatewayCommand, { InternetGatewayId: 'igw-1' });
      expect(callIndex(ec2, DetachInternetGatewayCommand)).toBeLessThan(
        callIndex(ec2, DeleteInternetGatewayCommand),
      );
    });

    it('deletes every subnet of the VPC', async () => {
      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(DeleteSubnetCommand, 4);
      expect(ec2).toHaveReceivedCommandWith(DeleteSubnetCommand, { SubnetId: 'subnet-private-b' });
    });

    it('disassociates and deletes the route tables but the main one', async () => {
      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DisassociateRouteTableCommand, {
        AssociationId: 'rtbassoc-public-a',
      });
      expect(ec2).toHaveReceivedCommandWith(DeleteRouteTableCommand, { RouteTableId: 'rtb-public' });
      expect(ec2).toHaveReceivedCommandWith(DeleteRouteTableCommand, { RouteTableId: 'rtb-private-a' });
      expect(ec2).not.toHaveReceivedCommandWith(DeleteRouteTableCommand, { RouteTableId: 'rtb-main' });
      expect(ec2).not.toHaveReceivedCommandWith(DisassociateRouteTableCommand, {
        AssociationId: 'rtbassoc-main',
      });
    });

    it('revokes rules that reference other groups before deleting the groups', async () => {
      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [
          { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-alb' }, { GroupId: 'sg-services' }] },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: 'sg-db',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-services' }] },
        ],
      });
      expect(ec2).not.toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: 'sg-alb' });
      expect(callIndex(ec2, RevokeSecurityGroupIngressCommand)).toBeLessThan(
        callIndex(ec2, DeleteSecurityGroupCommand),
      );
    });

    it('revokes egress rules that reference other groups too, keeping the others', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            GroupId: 'sg-services',
            GroupName: 'shop-pr-42-services',
            VpcId: 'vpc-1',
            IpPermissionsEgress: [
              { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
              { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-db' }] },
            ],
          },
          { GroupId: 'sg-db', GroupName: 'shop-pr-42-db', VpcId: 'vpc-1' },
        ],
      });

      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupEgressCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, {
        GroupId: 'sg-services',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-db' }] },
        ],
      });
      expect(callIndex(ec2, RevokeSecurityGroupEgressCommand)).toBeLessThan(
        callIndex(ec2, DeleteSecurityGroupCommand),
      );
    });

    it('deletes the security groups but the default one', async () => {
      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(DeleteSecurityGroupCommand, 3);
      expect(ec2).not.toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-default' });
    });

    it('deletes the VPC, then the DHCP options tagged for the environment, and is done', async () => {
      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DeleteVpcCommand, { VpcId: 'vpc-1' });
      expect(ec2).toHaveReceivedCommandWith(DeleteDhcpOptionsCommand, { DhcpOptionsId: 'dopt-1' });
      expect(callIndex(ec2, DeleteVpcCommand)).toBeLessThan(callIndex(ec2, DeleteDhcpOptionsCommand));
      expect(progress).toEqual({ done: true });
    });

    it('reports not done, without failing, when a subnet is refused with DependencyViolation', async () => {
      ec2.on(DeleteSubnetCommand, { SubnetId: 'subnet-private-a' }).rejects(awsError('DependencyViolation'));

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress).toEqual({ done: false });
      expect(ec2).toHaveReceivedCommandWith(DeleteSubnetCommand, { SubnetId: 'subnet-private-b' });
      expect(ec2).not.toHaveReceivedCommand(DeleteVpcCommand);
      expect(ec2).not.toHaveReceivedCommand(DeleteDhcpOptionsCommand);
    });

    it('reports not done when lingering public IPs keep the internet gateway attached', async () => {
      ec2.on(DetachInternetGatewayCommand).rejects(awsError('DependencyViolation'));

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress.done).toBe(false);
      expect(ec2).not.toHaveReceivedCommand(DeleteInternetGatewayCommand);
    });

    it('reports not done when the VPC itself is refused with DependencyViolation', async () => {
      ec2.on(DeleteVpcCommand).rejects(awsError('DependencyViolation'));

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress.done).toBe(false);
      expect(ec2).not.toHaveReceivedCommand(DeleteDhcpOptionsCommand);
    });

    it('counts a resource another pass already deleted as deleted', async () => {
      ec2.on(DeleteSubnetCommand).rejects(awsError('InvalidSubnetID.NotFound'));

      const progress = await deleteNetwork(input, { ec2: client, ddb });

      expect(progress.done).toBe(true);
    });

    it('lets any other AWS error through', async () => {
      ec2.on(DeleteVpcCommand).rejects(awsError('UnauthorizedOperation'));

      await expect(deleteNetwork(input, { ec2: client, ddb })).rejects.toMatchObject({
        name: 'UnauthorizedOperation',
      });
    });
  });

  describe('lookups', () => {
    it('describes VPCs only with both the project and the environment tag', async () => {
      environment('deleted');

      await deleteNetwork(input, { ec2: client, ddb });

      const calls = ec2.commandCalls(DescribeVpcsCommand);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) expect(call.args[0].input.Filters).toEqual(environmentFilters);
    });

    it('describes the contents only inside the environment VPC', async () => {
      environment('deleted');

      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeNatGatewaysCommand, { Filter: inVpc });
      for (const call of [
        ...ec2.commandCalls(DescribeSubnetsCommand),
        ...ec2.commandCalls(DescribeRouteTablesCommand),
      ]) {
        expect(call.args[0].input.Filters).toEqual(inVpc);
      }
      // Security groups inside the VPC, and then those tagged for the environment elsewhere (a team's VPC).
      expect(
        ec2.commandCalls(DescribeSecurityGroupsCommand).map((call) => call.args[0].input.Filters),
      ).toEqual([inVpc, environmentFilters]);
    });

    it('finds addresses, detached internet gateways and DHCP options only by both tags', async () => {
      environment('deleted');

      await deleteNetwork(input, { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeAddressesCommand, { Filters: environmentFilters });
      expect(ec2).toHaveReceivedCommandWith(DescribeDhcpOptionsCommand, { Filters: environmentFilters });
      for (const call of ec2.commandCalls(DescribeInternetGatewaysCommand)) {
        expect([environmentFilters, [{ Name: 'attachment.vpc-id', Values: ['vpc-1'] }]]).toContainEqual(
          call.args[0].input.Filters,
        );
      }
    });
  });
});
