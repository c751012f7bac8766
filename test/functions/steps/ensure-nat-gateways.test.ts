import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type Address,
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteNatGatewayCommand,
  DeleteRouteCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  type NatGateway,
  type NatGatewayState,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import {
  type EnsureNatGatewaysInput,
  ensureNatGateways,
} from '../../../functions/steps/ensure-nat-gateways.ts';
import { callIndex, sentAmong } from '../../support/aws-mocks.ts';
import { networkRef } from '../../support/step-inputs.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });
const ddb = new DynamoDBClient({ region: 'us-east-1' });

const names = environmentNames('shop', 'pr-42');
const tags = modeshiftTags('shop', 'pr-42', 'production', 'd-2');

const network = networkRef();

function input(count: number): EnsureNatGatewaysInput {
  return { count, network, names, tags };
}

function natTags(zone: string, base: Tag[] = tags): Tag[] {
  return [...base, { Key: 'Name', Value: `shop--pr-42-nat-${zone}` }, { Key: 'modeshift:nat', Value: zone }];
}

function gateway(
  zone: 'a' | 'b',
  state: NatGatewayState,
  id = `nat-${zone}`,
  base: Tag[] = tags,
): NatGateway {
  return {
    NatGatewayId: id,
    VpcId: 'vpc-1',
    SubnetId: `subnet-public-${zone}`,
    State: state,
    NatGatewayAddresses: [{ AllocationId: `eipalloc-${zone}`, AssociationId: `eipassoc-${zone}` }],
    Tags: natTags(zone, base),
  };
}

function address(zone: 'a' | 'b', associated = true): Address {
  return {
    AllocationId: `eipalloc-${zone}`,
    ...(associated ? { AssociationId: `eipassoc-${zone}` } : {}),
    Domain: 'vpc',
    Tags: natTags(zone),
  };
}

/** The account: the VPC's gateways, the environment's addresses and the private route tables' default routes. */
function account(options: {
  gateways?: NatGateway[];
  addresses?: Address[];
  routes?: { a?: string; b?: string };
}): void {
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: options.gateways ?? [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: options.addresses ?? [] });
  const table = (zone: 'a' | 'b') => {
    const target = options.routes?.[zone];
    return {
      RouteTableId: `rtb-private-${zone}`,
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' as const },
        ...(target === undefined
          ? []
          : [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: target, State: 'active' as const }]),
      ],
    };
  };
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('a'), table('b')] });
  ec2.on(AllocateAddressCommand).callsFake((request) => ({
    AllocationId: `eipalloc-new-${request.TagSpecifications?.[0]?.Tags?.find((tag: Tag) => tag.Key === 'modeshift:nat')?.Value}`,
  }));
  ec2.on(CreateNatGatewayCommand).callsFake((request) => {
    const zone = request.TagSpecifications?.[0]?.Tags?.find((tag: Tag) => tag.Key === 'modeshift:nat')?.Value;
    return {
      NatGateway: {
        NatGatewayId: `nat-new-${zone}`,
        VpcId: 'vpc-1',
        SubnetId: request.SubnetId,
        State: 'pending',
        NatGatewayAddresses: [{ AllocationId: request.AllocationId }],
        Tags: request.TagSpecifications?.[0]?.Tags,
      },
    };
  });
}

beforeEach(() => {
  ec2.reset();
});

afterAll(() => {
  ec2.restore();
});

describe('EnsureNatGateways', () => {
  describe('creating', () => {
    it('creates a gateway in each public subnet, each with its own tagged Elastic IP, for per-az', async () => {
      account({});

      await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandTimes(AllocateAddressCommand, 2);
      expect(ec2).toHaveReceivedCommandWith(AllocateAddressCommand, {
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: natTags('b') }],
      });
      expect(ec2).toHaveReceivedCommandTimes(CreateNatGatewayCommand, 2);
      for (const zone of ['a', 'b']) {
        expect(ec2).toHaveReceivedCommandWith(CreateNatGatewayCommand, {
          SubnetId: `subnet-public-${zone}`,
          AllocationId: `eipalloc-new-${zone}`,
          TagSpecifications: [{ ResourceType: 'natgateway', Tags: natTags(zone) }],
        });
      }
    });

    it('reports not ready while the new gateways are pending, and leaves the routes alone', async () => {
      account({});

      const nat = await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(nat).toEqual({
        ready: false,
        count: 2,
        natGatewayIds: ['nat-new-a', 'nat-new-b'],
      });
      expect(ec2).not.toHaveReceivedCommand(CreateRouteCommand);
      expect(ec2).not.toHaveReceivedCommand(ReplaceRouteCommand);
    });

    it('creates only the gateway of zone a for single', async () => {
      account({});

      await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateNatGatewayCommand, {
        SubnetId: 'subnet-public-a',
      });
    });

    it('reuses an unassociated address tagged for the zone instead of allocating one', async () => {
      account({ addresses: [address('a', false)] });

      await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).not.toHaveReceivedCommand(AllocateAddressCommand);
      expect(ec2).toHaveReceivedCommandWith(CreateNatGatewayCommand, { AllocationId: 'eipalloc-a' });
    });

    it('does not create a second gateway while the first is pending', async () => {
      account({ gateways: [gateway('a', 'pending')], addresses: [address('a')] });

      const nat = await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(nat.ready).toBe(false);
      expect(ec2).not.toHaveReceivedCommand(CreateNatGatewayCommand);
      expect(ec2).not.toHaveReceivedCommand(CreateRouteCommand);
    });

    it('replaces a failed gateway with a new one', async () => {
      account({ gateways: [gateway('a', 'failed', 'nat-failed')], addresses: [address('a', false)] });

      const nat = await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateNatGatewayCommand, {
        SubnetId: 'subnet-public-a',
      });
      expect(nat.natGatewayIds).toEqual(['nat-new-a']);
    });

    it('gives up naming the failure when a zone failed repeatedly', async () => {
      account({
        gateways: [
          gateway('a', 'failed', 'nat-failed-1'),
          { ...gateway('a', 'failed', 'nat-failed-2'), FailureCode: 'InsufficientFreeAddressesInSubnet' },
        ],
      });

      await expect(ensureNatGateways(input(1), { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.NatGatewayFailed',
        message: expect.stringContaining('InsufficientFreeAddressesInSubnet'),
      });
      expect(ec2).not.toHaveReceivedCommand(CreateNatGatewayCommand);
    });
  });

  describe('routing', () => {
    it('routes each private subnet through its own zone gateway once both are available', async () => {
      account({
        gateways: [gateway('a', 'available'), gateway('b', 'available')],
        addresses: [address('a'), address('b')],
      });

      const nat = await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, {
        RouteTableId: 'rtb-private-a',
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: 'nat-a',
      });
      expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, {
        RouteTableId: 'rtb-private-b',
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: 'nat-b',
      });
      expect(nat).toEqual({
        ready: true,
        count: 2,
        natGatewayIds: ['nat-a', 'nat-b'],
      });
    });

    it('routes both private subnets through zone a for single', async () => {
      account({ gateways: [gateway('a', 'available')], addresses: [address('a')] });

      await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, {
        RouteTableId: 'rtb-private-a',
        NatGatewayId: 'nat-a',
      });
      expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, {
        RouteTableId: 'rtb-private-b',
        NatGatewayId: 'nat-a',
      });
    });

    it('changes nothing when the gateways and routes are as wanted', async () => {
      account({
        gateways: [gateway('a', 'available'), gateway('b', 'available')],
        addresses: [address('a'), address('b')],
        routes: { a: 'nat-a', b: 'nat-b' },
      });

      const nat = await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(nat.ready).toBe(true);
      expect(
        sentAmong(ec2, [
          AllocateAddressCommand,
          CreateNatGatewayCommand,
          CreateRouteCommand,
          ReplaceRouteCommand,
          DeleteRouteCommand,
          DeleteNatGatewayCommand,
          ReleaseAddressCommand,
          CreateTagsCommand,
        ]),
      ).toEqual([]);
    });

    it('re-tags the gateways it keeps with the new mode and deployment', async () => {
      const before = modeshiftTags('shop', 'pr-42', 'staging', 'd-1');
      account({
        gateways: [gateway('a', 'available', 'nat-a', before)],
        addresses: [address('a')],
        routes: { a: 'nat-a', b: 'nat-a' },
      });

      await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateTagsCommand, {
        Resources: ['nat-a'],
        Tags: tags,
      });
    });
  });

  describe('removing', () => {
    it('moves the route of private-b to gateway a, then deletes gateway b, going from per-az to single', async () => {
      account({
        gateways: [gateway('a', 'available'), gateway('b', 'available')],
        addresses: [address('a'), address('b')],
        routes: { a: 'nat-a', b: 'nat-b' },
      });

      const nat = await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ReplaceRouteCommand, {
        RouteTableId: 'rtb-private-b',
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: 'nat-a',
      });
      expect(ec2).toHaveReceivedCommandExactlyOnceWith(DeleteNatGatewayCommand, { NatGatewayId: 'nat-b' });
      expect(callIndex(ec2, ReplaceRouteCommand)).toBeLessThan(callIndex(ec2, DeleteNatGatewayCommand));
      expect(nat).toEqual({ ready: false, count: 1, natGatewayIds: ['nat-a'] });
    });

    it('keeps the address of a gateway that is still deleting and reports not ready', async () => {
      account({
        gateways: [gateway('a', 'available'), gateway('b', 'deleting')],
        addresses: [address('a'), address('b')],
        routes: { a: 'nat-a', b: 'nat-a' },
      });

      const nat = await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(nat.ready).toBe(false);
      expect(ec2).not.toHaveReceivedCommand(ReleaseAddressCommand);
      expect(ec2).not.toHaveReceivedCommand(DeleteNatGatewayCommand);
    });

    it('releases the address of a deleted gateway and is then ready', async () => {
      account({
        gateways: [gateway('a', 'available'), gateway('b', 'deleted')],
        addresses: [address('a'), address('b', false)],
        routes: { a: 'nat-a', b: 'nat-a' },
      });

      const nat = await ensureNatGateways(input(1), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandExactlyOnceWith(ReleaseAddressCommand, { AllocationId: 'eipalloc-b' });
      expect(nat.ready).toBe(true);
    });

    it('removes the default routes and deletes every gateway for none', async () => {
      account({
        gateways: [gateway('a', 'available')],
        addresses: [address('a')],
        routes: { a: 'nat-a', b: 'nat-a' },
      });

      const nat = await ensureNatGateways(input(0), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DeleteRouteCommand, {
        RouteTableId: 'rtb-private-a',
        DestinationCidrBlock: '0.0.0.0/0',
      });
      expect(ec2).toHaveReceivedCommandWith(DeleteRouteCommand, {
        RouteTableId: 'rtb-private-b',
        DestinationCidrBlock: '0.0.0.0/0',
      });
      expect(ec2).toHaveReceivedCommandExactlyOnceWith(DeleteNatGatewayCommand, { NatGatewayId: 'nat-a' });
      expect(nat).toEqual({ ready: false, count: 0, natGatewayIds: [] });
    });

    it('leaves alone a gateway of the VPC that modeshift did not tag', async () => {
      const foreign: NatGateway = {
        NatGatewayId: 'nat-foreign',
        VpcId: 'vpc-1',
        State: 'available',
        Tags: [],
      };
      account({ gateways: [foreign] });

      const nat = await ensureNatGateways(input(0), { ec2: client, ddb });

      expect(ec2).not.toHaveReceivedCommand(DeleteNatGatewayCommand);
      expect(nat.ready).toBe(true);
    });
  });

  describe('lookups', () => {
    it('describes gateways only in the environment VPC', async () => {
      account({});

      await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeNatGatewaysCommand, {
        Filter: [{ Name: 'vpc-id', Values: ['vpc-1'] }],
      });
    });

    it('describes addresses only by both the project and the environment tag', async () => {
      account({});

      await ensureNatGateways(input(2), { ec2: client, ddb });

      expect(ec2).toHaveReceivedCommandWith(DescribeAddressesCommand, {
        Filters: [
          { Name: 'tag:modeshift:project', Values: ['shop'] },
          { Name: 'tag:modeshift:environment', Values: ['pr-42'] },
        ],
      });
    });
  });

  describe('input', () => {
    it('rejects a count other than 0, 1 or 2', async () => {
      account({});

      await expect(ensureNatGateways(input(3), { ec2: client, ddb })).rejects.toMatchObject({
        name: 'Modeshift.InvalidNatGatewayCount',
        message: expect.stringContaining('count: 3'),
      });
    });
  });
});
