/**
 * EnsureNatGateways: as many NAT gateways as the mode wants — none, one in
 * zone a shared by both private subnets, or one per zone — each with its own
 * Elastic IP, and the private route tables' default routes through them.
 * Gateways beyond the count are deleted once no route uses them, and their
 * addresses released once they are gone.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
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
  paginateDescribeNatGateways,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import { environmentTagFilters, NAT_TAG } from '../aws/ec2/network-tags.ts';
import { environmentIdentity, lacksTags, tagValue } from '../aws/environment-tags.ts';
import { hasAwsErrorName, isNotFound } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, NatRef, NetworkRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of EnsureNatGateways (state-machines/deploy.asl.json, state EnsureNatGateways). */
export interface EnsureNatGatewaysInput {
  /** 0: none (tasks use the public subnets), 1: one in public subnet a, 2: one in each public subnet. */
  readonly count: number;
  readonly network: NetworkRef;
  readonly names: EnvironmentNames;
  /** The four modeshift tags, put on the gateways and their addresses. */
  readonly tags: readonly Tag[];
}

/** The gateways the count wants, and whether they and the routes through them are in place. */
export type EnsureNatGatewaysOutput = NatRef;

const ANYWHERE = '0.0.0.0/0';
/** Failed gateways stay visible for about an hour; this many in a zone means retrying will not help. */
const FAILURES_BEFORE_GIVING_UP = 2;

type Zone = 'a' | 'b';
const ZONES: readonly Zone[] = ['a', 'b'];

/** States in which a gateway exists (counts towards `count`). */
const LIVE_STATES = new Set(['pending', 'available']);

/**
 * Creates the missing gateways, routes the private subnets through them once
 * they are available, deletes the extra ones and releases their addresses.
 * `ready` is true only when all of that is done.
 */
export const ensureNatGateways = defineStep({
  name: 'EnsureNatGateways',
  clients: { ec2: EC2Client, ddb: DynamoDBClient },
  sends: [
    UpdateItemCommand,
    AllocateAddressCommand,
    CreateNatGatewayCommand,
    CreateRouteCommand,
    CreateTagsCommand,
    DeleteNatGatewayCommand,
    DeleteRouteCommand,
    DescribeAddressesCommand,
    DescribeNatGatewaysCommand,
    DescribeRouteTablesCommand,
    ReleaseAddressCommand,
    ReplaceRouteCommand,
  ],
  async run(input: EnsureNatGatewaysInput, { ec2, ddb }): Promise<EnsureNatGatewaysOutput> {
    const shared = input.network.shared;
    if (shared === undefined || shared === null) return converge(ec2, input, false);
    // A shared network's gateways are the shared network's: tagged for it, changed under its lease.
    const sharedInput = {
      ...input,
      names: { ...input.names, prefix: shared.names.prefix },
      tags: shared.tags,
    };
    const owner = environmentIdentity(input.tags);
    const lease = {
      table: shared.lockTable,
      key: shared.names.recordKey,
      holder: `${owner.project}/${owner.environment}`,
    };
    return withNetworkLease(ddb, lease, () => converge(ec2, sharedInput, true));
  },
  settled: (output) => output.ready,
});

/**
 * Brings the VPC's gateways to `input.count`. `keepMore`: in a shared network
 * no gateway another environment may route through is removed, so the count
 * only grows (the most any of its environments asked for); the last down
 * removes them with the VPC.
 */
async function converge(
  ec2: EC2Client,
  input: EnsureNatGatewaysInput,
  keepMore: boolean,
): Promise<EnsureNatGatewaysOutput> {
  const { network } = input;
  const { project, environment } = environmentIdentity(input.tags);

  const gateways = await describeGateways(ec2, network.vpcId);
  const live = gateways.filter((gateway) => LIVE_STATES.has(gateway.State ?? ''));
  const liveZones = ZONES.filter((zone) => live.some((gateway) => tagValue(gateway.Tags, NAT_TAG) === zone));
  const count = keepMore ? Math.max(input.count, liveZones.length) : input.count;
  const wanted = wantedZones(count);
  const kept = new Map<Zone, NatGateway>();
  for (const zone of wanted) {
    const inZone = live.filter((gateway) => tagValue(gateway.Tags, NAT_TAG) === zone);
    const chosen = inZone.find((gateway) => gateway.State === 'available') ?? inZone[0];
    if (chosen !== undefined) kept.set(zone, chosen);
  }
  const keptIds = new Set([...kept.values()].map((gateway) => gateway.NatGatewayId));
  const extras = live.filter((gateway) => !keptIds.has(gateway.NatGatewayId));

  const retag = [...kept.values()].flatMap((gateway) =>
    lacksTags(gateway.Tags, input.tags) && gateway.NatGatewayId !== undefined ? [gateway.NatGatewayId] : [],
  );
  if (retag.length > 0) await ec2.send(new CreateTagsCommand({ Resources: retag, Tags: [...input.tags] }));

  const addresses = await describeAddresses(ec2, project, environment);
  const inUse = new Set(
    gateways
      .filter((gateway) => gateway.State !== 'deleted' && gateway.State !== 'failed')
      .flatMap((gateway) => (gateway.NatGatewayAddresses ?? []).map((address) => address.AllocationId)),
  );

  for (const zone of wanted) {
    if (kept.has(zone)) continue;
    refuseAfterRepeatedFailures(gateways, zone, input.names);
    const reusable = addresses.find(
      (address) =>
        tagValue(address.Tags, NAT_TAG) === zone &&
        address.AssociationId === undefined &&
        !inUse.has(address.AllocationId),
    );
    const allocationId = reusable?.AllocationId ?? (await allocateAddress(ec2, zone, input));
    inUse.add(allocationId);
    kept.set(zone, await createGateway(ec2, zone, allocationId, input));
  }

  const allAvailable = wanted.every((zone) => kept.get(zone)?.State === 'available');
  if (allAvailable) {
    await ensureRoutes(ec2, network, count, kept);
    for (const extra of extras) await deleteGateway(ec2, extra.NatGatewayId as string);
  }

  const addressesLeft = await releaseUnusedAddresses(ec2, addresses, inUse);
  const stillDeleting = gateways.some((gateway) => gateway.State === 'deleting');
  const ready = allAvailable && extras.length === 0 && !stillDeleting && addressesLeft === 0;

  return {
    ready,
    count,
    natGatewayIds: wanted.map((zone) => kept.get(zone)?.NatGatewayId as string),
  };
}

function wantedZones(count: number): readonly Zone[] {
  if (count === 0 || count === 1 || count === 2) return ZONES.slice(0, count);
  throw new StepError(
    'Modeshift.InvalidNatGatewayCount',
    `count: ${count} is not a NAT gateway count (expected 0, 1 or 2)`,
  );
}

/** The modeshift gateways of the VPC (tag `modeshift:nat`), whatever their state. */
async function describeGateways(ec2: EC2Client, vpcId: string): Promise<NatGateway[]> {
  const gateways: NatGateway[] = [];
  for await (const page of paginateDescribeNatGateways(
    { client: ec2 },
    { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    gateways.push(...(page.NatGateways ?? []));
  }
  // The zone tag is checked here rather than filtered on: moto ignores tag filters on NAT gateways.
  return gateways.filter(
    (gateway) => gateway.VpcId === vpcId && ZONES.includes(tagValue(gateway.Tags, NAT_TAG) as Zone),
  );
}

/** The environment's NAT addresses (tags project, environment and `modeshift:nat`). */
async function describeAddresses(ec2: EC2Client, project: string, environment: string): Promise<Address[]> {
  const response = await ec2.send(
    new DescribeAddressesCommand({ Filters: environmentTagFilters(project, environment) }),
  );
  return (response.Addresses ?? []).filter(
    (address) => address.AllocationId !== undefined && tagValue(address.Tags, NAT_TAG) !== undefined,
  );
}

function refuseAfterRepeatedFailures(
  gateways: readonly NatGateway[],
  zone: Zone,
  names: EnvironmentNames,
): void {
  const failed = gateways.filter(
    (gateway) => gateway.State === 'failed' && tagValue(gateway.Tags, NAT_TAG) === zone,
  );
  const last = failed.at(-1);
  if (failed.length >= FAILURES_BEFORE_GIVING_UP && last !== undefined) {
    throw new StepError(
      'Modeshift.NatGatewayFailed',
      `NAT gateway ${names.prefix}-nat-${zone} failed ${failed.length} times; last (${last.NatGatewayId}): ` +
        `${last.FailureCode ?? 'no code'}: ${last.FailureMessage ?? 'no message'}`,
    );
  }
}

function natTags(zone: Zone, input: EnsureNatGatewaysInput): Array<{ Key: string; Value: string }> {
  return [
    ...input.tags,
    { Key: 'Name', Value: `${input.names.prefix}-nat-${zone}` },
    { Key: NAT_TAG, Value: zone },
  ];
}

async function allocateAddress(ec2: EC2Client, zone: Zone, input: EnsureNatGatewaysInput): Promise<string> {
  const allocated = await ec2.send(
    new AllocateAddressCommand({
      Domain: 'vpc',
      TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: natTags(zone, input) }],
    }),
  );
  if (allocated.AllocationId === undefined) {
    throw new Error(`AllocateAddress for ${input.names.prefix}-nat-${zone} returned no allocation id`);
  }
  return allocated.AllocationId;
}

async function createGateway(
  ec2: EC2Client,
  zone: Zone,
  allocationId: string,
  input: EnsureNatGatewaysInput,
): Promise<NatGateway> {
  const created = await ec2.send(
    new CreateNatGatewayCommand({
      SubnetId: input.network.publicSubnetIds[ZONES.indexOf(zone)],
      AllocationId: allocationId,
      ConnectivityType: 'public',
      // Same address, same request: a retried call does not make a second gateway.
      ClientToken: `modeshift-nat-${zone}-${allocationId}`,
      TagSpecifications: [{ ResourceType: 'natgateway', Tags: natTags(zone, input) }],
    }),
  );
  if (created.NatGateway?.NatGatewayId === undefined) {
    throw new Error(`CreateNatGateway ${input.names.prefix}-nat-${zone} returned no gateway id`);
  }
  return created.NatGateway;
}

/**
 * Points each private route table's default route at its gateway: per zone
 * for two, both at zone a's for one; no default route for none.
 */
async function ensureRoutes(
  ec2: EC2Client,
  network: NetworkRef,
  count: number,
  gateways: ReadonlyMap<Zone, NatGateway>,
): Promise<void> {
  // A team's own VPC has none of modeshift's route tables: nothing is routed there.
  if (network.privateRouteTableIds.length === 0) return;
  const described = await ec2.send(
    new DescribeRouteTablesCommand({ RouteTableIds: [...network.privateRouteTableIds] }),
  );
  for (const [index, routeTableId] of network.privateRouteTableIds.entries()) {
    const zone = ZONES[index] as Zone;
    const target = count === 0 ? undefined : gateways.get(count === 2 ? zone : 'a')?.NatGatewayId;
    const table = (described.RouteTables ?? []).find((candidate) => candidate.RouteTableId === routeTableId);
    const route = (table?.Routes ?? []).find((candidate) => candidate.DestinationCidrBlock === ANYWHERE);
    if (target === undefined) {
      if (route !== undefined) {
        await ec2.send(
          new DeleteRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: ANYWHERE }),
        );
      }
      continue;
    }
    const wanted = { RouteTableId: routeTableId, DestinationCidrBlock: ANYWHERE, NatGatewayId: target };
    if (route === undefined) {
      await ec2.send(new CreateRouteCommand(wanted));
    } else if (route.NatGatewayId !== target || route.State === 'blackhole') {
      await ec2.send(new ReplaceRouteCommand(wanted));
    }
  }
}

async function deleteGateway(ec2: EC2Client, natGatewayId: string): Promise<void> {
  try {
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: natGatewayId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Releases the environment's NAT addresses no live or deleting gateway holds.
 * Their association is not looked at: moto never clears a deleted gateway's.
 * Returns how many AWS still refuses to release.
 */
async function releaseUnusedAddresses(
  ec2: EC2Client,
  addresses: readonly Address[],
  inUse: ReadonlySet<string | undefined>,
): Promise<number> {
  let left = 0;
  for (const address of addresses) {
    if (inUse.has(address.AllocationId)) continue;
    try {
      await ec2.send(new ReleaseAddressCommand({ AllocationId: address.AllocationId as string }));
    } catch (error) {
      if (hasAwsErrorName(error, 'InvalidIPAddress.InUse')) left += 1;
      else if (!isNotFound(error)) throw error;
    }
  }
  return left;
}

export const handler = lambdaHandler(ensureNatGateways);
