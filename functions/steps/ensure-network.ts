/**
 * EnsureNetwork: the environment's VPC and everything in it that does not
 * depend on the mode — two public and two private subnets in two zones, the
 * internet gateway and routes, the three security groups and the DHCP options
 * that make compose service names resolve. Found by tags, created where
 * missing, brought back to the wanted settings where they drifted. A new VPC
 * gets the range the request names or a free /16 (core/vpc-cidr.ts), never
 * one that overlaps another environment's VPC. In a team's own VPC (`vpc`)
 * only the security groups are created.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
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
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type DhcpOptions,
  EC2Client,
  type Tag as Ec2Tag,
  type Filter,
  type InternetGateway,
  type IpPermission,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeDhcpOptions,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  type ResourceType,
  RevokeSecurityGroupIngressCommand,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { CACHE_PORT } from '../../core/cache-engines.ts';
import type { TargetGroupSpec } from '../../core/execution-input.ts';
import { type SharedNetworkSpec, sharedNetworkMode, sharedNetworkSpec } from '../../core/shared-network.ts';
import { parseCidr, type SubnetRole, subnetCidrs } from '../../core/vpc-cidr.ts';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import { environmentTagFilters, ROUTE_TABLE_TAG, SUBNET_TAG } from '../aws/ec2/network-tags.ts';
import { checkOwnVpc, networkMoveProblem, type OwnVpc, sharedPlacement } from '../aws/ec2/own-vpc.ts';
import { createVpcInFreeRange, rangeChangeRefused } from '../aws/ec2/vpc-ranges.ts';
import { assertOwned, type EnvironmentIdentity, lacksTags, tagValue } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, NetworkRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of EnsureNetwork (state-machines/deploy.asl.json, state EnsureNetwork). */
export interface EnsureNetworkInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  /** The four modeshift tags, put on everything the step creates. */
  readonly tags: readonly Tag[];
  /**
   * The public services' target groups: the load balancer reaches the
   * services on their ports (and health-check ports) only.
   */
  readonly targetGroups: ReadonlyArray<Pick<TargetGroupSpec, 'port' | 'healthCheckPort'>>;
  /** Whether the environment has managed caches: they get a security group of their own. @default false */
  readonly hasCaches?: boolean;
  /**
   * A team's own VPC to deploy into (`vpc`): only the security groups are created in it. @default null:
   * the environment's own VPC, found by its tags or created
   */
  readonly vpc?: OwnVpc | null;
  /** Where the mode runs tasks: in a team's VPC, private subnets then need a way out. @default public */
  readonly taskNetwork?: { readonly subnets: 'public' | 'private' };
  /**
   * The range a new VPC gets (`vpcCidr`); null picks a free /16 of 10.0.0.0/8 (core/vpc-cidr.ts).
   * An existing VPC keeps its range: naming another stops the step. @default null
   */
  readonly vpcCidr?: string | null;
  /**
   * The project's shared network of the mode (`network: shared`); null: a network of the
   * environment's own. An environment that already has a VPC of its own keeps it. @default null
   */
  readonly sharedNetwork?: SharedNetworkSpec | null;
  /** The environments table, which holds the shared network's lease; required with sharedNetwork. */
  readonly lockTable?: string;
}

/** The environment's network, as the later steps use it. */
export type EnsureNetworkOutput = NetworkRef;

const ANYWHERE = '0.0.0.0/0';

interface SubnetPlan {
  readonly role: SubnetRole;
  /** 0 for zone a, 1 for zone b. */
  readonly zone: 0 | 1;
  readonly cidr: string;
  readonly public: boolean;
}

/** The four subnets of a VPC with range `vpcCidr`. */
function subnetPlans(vpcCidr: string): SubnetPlan[] {
  const cidrs = subnetCidrs(parseCidr(vpcCidr));
  return [
    { role: 'public-a', zone: 0, cidr: cidrs['public-a'], public: true },
    { role: 'public-b', zone: 1, cidr: cidrs['public-b'], public: true },
    { role: 'private-a', zone: 0, cidr: cidrs['private-a'], public: false },
    { role: 'private-b', zone: 1, cidr: cidrs['private-b'], public: false },
  ];
}

type RouteTableRole = 'public' | 'private-a' | 'private-b';

/** Which route table each subnet is associated with. */
const SUBNET_ROUTE_TABLE: Readonly<Record<SubnetRole, RouteTableRole>> = {
  'public-a': 'public',
  'public-b': 'public',
  'private-a': 'private-a',
  'private-b': 'private-b',
};

/** Resources found rather than created whose modeshift tags are out of date (a new deployment or mode). */
type StaleTags = string[];

/**
 * Finds or creates the environment's network and returns references to its
 * parts. Re-running creates nothing new; missing pieces are added, and
 * settings that drifted (DNS attributes, public IPs on launch, routes,
 * associations, ingress rules, DHCP options) are put back.
 */
export const ensureNetwork = defineStep({
  name: 'EnsureNetwork',
  clients: { ec2: EC2Client, ddb: DynamoDBClient },
  sends: [
    UpdateItemCommand,
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
    DescribeVpcEndpointsCommand,
    DescribeVpcsCommand,
    ModifySubnetAttributeCommand,
    ModifyVpcAttributeCommand,
    ReplaceRouteCommand,
    ReplaceRouteTableAssociationCommand,
    RevokeSecurityGroupIngressCommand,
  ],
  async run(input: EnsureNetworkInput, { ec2, ddb }): Promise<EnsureNetworkOutput> {
    const stale: StaleTags = [];
    const shared = input.vpc ? null : (input.sharedNetwork ?? null);
    // Nothing moves between VPCs: an environment changes network through a down.
    if (shared !== null && !(await hasOwnVpc(ec2, input))) {
      const placed = await sharedPlacement(ec2, ownerOf(input), shared.environment);
      if (placed.problem !== undefined) throw new StepError('Modeshift.NetworkChangeRefused', placed.problem);
      // A mode change keeps the environment in the shared network it runs in (another mode's).
      const kept = placed.keep === undefined ? undefined : sharedNetworkMode(placed.keep);
      const network =
        kept === undefined ? shared : sharedNetworkSpec(input.project, kept, shared.loadBalancer);
      return inSharedNetwork(ec2, ddb, input, network);
    }
    const move = await networkMoveProblem(ec2, ownerOf(input), input.vpc?.id);
    if (move !== undefined) throw new StepError('Modeshift.NetworkChangeRefused', move);
    if (input.vpc) return inOwnVpc(ec2, input, input.vpc, stale);

    const { vpc, network } = await ensureVpcAndRoutes(ec2, input, stale);
    const securityGroups = await ensureSecurityGroups(ec2, network.vpcId, input, stale);
    await ensureDhcpOptions(ec2, vpc, input, stale);
    await retag(ec2, stale, input.tags);
    return { ...network, securityGroups, shared: null };
  },
});

/** A VPC's subnets, gateway and routes: what NetworkRef holds besides the security groups. */
type VpcAndRoutes = Omit<NetworkRef, 'securityGroups' | 'serviceConnect' | 'shared'>;

/** The VPC found by `input`'s tags or created, its subnets, internet gateway and routes. */
async function ensureVpcAndRoutes(
  ec2: EC2Client,
  input: EnsureNetworkInput,
  stale: StaleTags,
): Promise<{ vpc: Vpc; network: VpcAndRoutes }> {
  const vpc = await ensureVpc(ec2, input, stale);
  const vpcId = vpc.VpcId as string;
  await ensureDnsAttributes(ec2, vpcId);
  const subnets = await ensureSubnets(ec2, vpc, input, stale);
  const internetGatewayId = await ensureInternetGateway(ec2, vpcId, input, stale);
  const routeTables = await ensureRouteTables(ec2, vpcId, input, stale);
  await ensurePublicRoute(ec2, routeTables.public, internetGatewayId);
  await ensureAssociations(ec2, vpcId, subnets, routeTables);
  return {
    vpc,
    network: {
      vpcId,
      publicSubnetIds: [subnetId(subnets['public-a']), subnetId(subnets['public-b'])],
      privateSubnetIds: [subnetId(subnets['private-a']), subnetId(subnets['private-b'])],
      availabilityZones: [
        subnets['public-a'].AvailabilityZone as string,
        subnets['public-b'].AvailabilityZone as string,
      ],
      internetGatewayId,
      publicRouteTableId: routeTableId(routeTables.public),
      privateRouteTableIds: [routeTableId(routeTables['private-a']), routeTableId(routeTables['private-b'])],
    },
  };
}

async function retag(ec2: EC2Client, stale: StaleTags, tags: readonly Tag[]): Promise<void> {
  if (stale.length > 0) await ec2.send(new CreateTagsCommand({ Resources: stale, Tags: [...tags] }));
}

async function hasOwnVpc(ec2: EC2Client, input: EnsureNetworkInput): Promise<boolean> {
  const { Vpcs = [] } = await ec2.send(
    new DescribeVpcsCommand({ Filters: environmentTagFilters(input.project, input.environment) }),
  );
  return Vpcs.length > 0;
}

/**
 * The project's shared network of the mode (`network: shared`): its VPC,
 * subnets, gateway and routes, found by the shared network's tags or
 * created by the first environment that needs them, and, where the
 * environment sits behind the shared load balancer, that load balancer's
 * security group. The environment gets its own security groups in it, which
 * make it a member: a down removes the shared pieces only when no other
 * environment's groups remain. All of it under the shared network's lease,
 * so two deploys never create it twice and a down never removes it under a
 * deploy that is joining.
 */
async function inSharedNetwork(
  ec2: EC2Client,
  ddb: DynamoDBClient,
  input: EnsureNetworkInput,
  shared: SharedNetworkSpec,
): Promise<EnsureNetworkOutput> {
  const lockTable = input.lockTable;
  if (lockTable === undefined || lockTable === '') {
    throw new StepError('Modeshift.InvalidStepInput', 'EnsureNetwork: sharedNetwork needs lockTable');
  }
  const sharedInput: EnsureNetworkInput = {
    ...input,
    environment: shared.environment,
    names: { ...input.names, vpc: shared.names.vpc, prefix: shared.names.prefix },
    tags: shared.tags,
  };
  const lease = {
    table: lockTable,
    key: shared.names.recordKey,
    holder: `${input.project}/${input.environment}`,
  };
  return withNetworkLease(ddb, lease, async () => {
    const sharedStale: StaleTags = [];
    const { network } = await ensureVpcAndRoutes(ec2, sharedInput, sharedStale);
    const loadBalancerGroup = shared.loadBalancer
      ? await ensureSharedLoadBalancerGroup(ec2, network.vpcId, sharedInput, shared, sharedStale)
      : undefined;
    await retag(ec2, sharedStale, shared.tags);
    const stale: StaleTags = [];
    const securityGroups = await ensureSecurityGroups(ec2, network.vpcId, input, stale, loadBalancerGroup);
    await retag(ec2, stale, input.tags);
    return { ...network, securityGroups, serviceConnect: true, shared: { ...shared, lockTable } };
  });
}

/**
 * A team's own VPC (`vpc`): checked again, then only the environment's
 * security groups are put in it. Its DNS settings, DHCP options, gateways
 * and routes are the team's and stay as they are.
 */
async function inOwnVpc(
  ec2: EC2Client,
  input: EnsureNetworkInput,
  vpc: OwnVpc,
  stale: StaleTags,
): Promise<EnsureNetworkOutput> {
  const checked = await checkOwnVpc(ec2, vpc, ownerOf(input), input.taskNetwork?.subnets === 'private');
  if (!checked.ok) {
    throw new StepError(
      'Modeshift.InvalidVpc',
      checked.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '),
    );
  }
  const securityGroups = await ensureSecurityGroups(ec2, vpc.id, input, stale);
  await retag(ec2, stale, input.tags);
  return { ...checked.vpc, privateRouteTableIds: [], securityGroups, serviceConnect: true, shared: null };
}

function subnetId(subnet: Subnet): string {
  return subnet.SubnetId as string;
}

function routeTableId(table: RouteTable): string {
  return table.RouteTableId as string;
}

function tagSpecification(
  resourceType: ResourceType,
  tags: readonly Tag[],
  extra: Readonly<Record<string, string>>,
): { ResourceType: ResourceType; Tags: Ec2Tag[] } {
  return {
    ResourceType: resourceType,
    Tags: [...tags, ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value }))],
  };
}

function noteStaleTags(
  stale: StaleTags,
  id: string | undefined,
  tags: Ec2Tag[] | undefined,
  wanted: readonly Tag[],
): void {
  if (id !== undefined && lacksTags(tags, wanted)) stale.push(id);
}

async function ensureVpc(ec2: EC2Client, input: EnsureNetworkInput, stale: StaleTags): Promise<Vpc> {
  const vpcs: Vpc[] = [];
  for await (const page of paginateDescribeVpcs(
    { client: ec2 },
    { Filters: environmentTagFilters(input.project, input.environment) },
  )) {
    vpcs.push(...(page.Vpcs ?? []));
  }
  if (vpcs.length > 1) {
    throw new StepError(
      'Modeshift.AmbiguousNetwork',
      `VPCs ${vpcs.map((vpc) => vpc.VpcId).join(', ')} are all tagged for ${input.project}/${input.environment}; ` +
        'delete all but one',
    );
  }
  const [existing] = vpcs;
  if (existing !== undefined) {
    if (input.vpcCidr && existing.CidrBlock !== input.vpcCidr) {
      throw new StepError(
        'Modeshift.VpcCidrConflict',
        rangeChangeRefused(
          ownerOf(input),
          existing.VpcId as string,
          [existing.CidrBlock ?? ''],
          input.vpcCidr,
        ),
      );
    }
    noteStaleTags(stale, existing.VpcId, existing.Tags, input.tags);
    return existing;
  }
  return createVpcInFreeRange(ec2, {
    owner: ownerOf(input),
    vpcCidr: input.vpcCidr ?? null,
    tagSpecification: tagSpecification('vpc', input.tags, { Name: input.names.vpc }),
  });
}

function ownerOf(input: EnsureNetworkInput): EnvironmentIdentity {
  return { project: input.project, environment: input.environment };
}

/** DNS support first: AWS refuses DNS hostnames without it. */
async function ensureDnsAttributes(ec2: EC2Client, vpcId: string): Promise<void> {
  const support = await ec2.send(
    new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' }),
  );
  if (support.EnableDnsSupport?.Value !== true) {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
  }
  const hostnames = await ec2.send(
    new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }),
  );
  if (hostnames.EnableDnsHostnames?.Value !== true) {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  }
}

/** The region's available zones, sorted by name. */
async function availableZones(ec2: EC2Client): Promise<string[]> {
  const response = await ec2.send(
    new DescribeAvailabilityZonesCommand({
      Filters: [
        { Name: 'state', Values: ['available'] },
        { Name: 'zone-type', Values: ['availability-zone'] },
      ],
    }),
  );
  return (response.AvailabilityZones ?? [])
    .filter(
      (zone) => zone.State === 'available' && (zone.ZoneType ?? 'availability-zone') === 'availability-zone',
    )
    .flatMap((zone) => (zone.ZoneName === undefined ? [] : [zone.ZoneName]))
    .sort();
}

async function ensureSubnets(
  ec2: EC2Client,
  vpc: Vpc,
  input: EnsureNetworkInput,
  stale: StaleTags,
): Promise<Record<SubnetRole, Subnet>> {
  const vpcId = vpc.VpcId as string;
  const inVpc: Subnet[] = [];
  for await (const page of paginateDescribeSubnets(
    { client: ec2 },
    { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    inVpc.push(...(page.Subnets ?? []));
  }
  // The subnets follow the VPC's own range: one made before ranges could be chosen is 10.0.0.0/16.
  const plans = subnetPlans(vpc.CidrBlock as string);
  const found = new Map<SubnetRole, Subnet>();
  for (const plan of plans) {
    const byTag = inVpc.find((subnet) => tagValue(subnet.Tags, SUBNET_TAG) === plan.role);
    // A subnet that lost its role tag still holds the CIDR: take it back rather than fail on a conflict.
    const byCidr = inVpc.find(
      (subnet) => subnet.CidrBlock === plan.cidr && tagValue(subnet.Tags, SUBNET_TAG) === undefined,
    );
    if (byTag !== undefined) {
      found.set(plan.role, byTag);
      noteStaleTags(stale, byTag.SubnetId, byTag.Tags, input.tags);
    } else if (byCidr !== undefined) {
      await ec2.send(
        new CreateTagsCommand({
          Resources: [byCidr.SubnetId as string],
          Tags: tagSpecification('subnet', input.tags, subnetRoleTags(input.names, plan.role)).Tags,
        }),
      );
      found.set(plan.role, byCidr);
    }
  }

  const zones = await subnetZones(ec2, found);
  const subnets = {} as Record<SubnetRole, Subnet>;
  for (const plan of plans) {
    const subnet =
      found.get(plan.role) ??
      (await createSubnet(ec2, vpcId, plan, zones[plan.zone], input.names, input.tags));
    if ((subnet.MapPublicIpOnLaunch === true) !== plan.public) {
      await ec2.send(
        new ModifySubnetAttributeCommand({
          SubnetId: subnet.SubnetId as string,
          MapPublicIpOnLaunch: { Value: plan.public },
        }),
      );
    }
    subnets[plan.role] = subnet;
  }
  return subnets;
}

function subnetRoleTags(names: EnvironmentNames, role: SubnetRole): Record<string, string> {
  return { Name: `${names.prefix}-${role}`, [SUBNET_TAG]: role };
}

/**
 * Zone a and zone b: those of the subnets that exist, else the first two
 * available zones of the region by name.
 */
async function subnetZones(
  ec2: EC2Client,
  found: ReadonlyMap<SubnetRole, Subnet>,
): Promise<[string, string]> {
  let zoneA = found.get('public-a')?.AvailabilityZone ?? found.get('private-a')?.AvailabilityZone;
  let zoneB = found.get('public-b')?.AvailabilityZone ?? found.get('private-b')?.AvailabilityZone;
  if (zoneA === undefined || zoneB === undefined) {
    const zones = await availableZones(ec2);
    zoneA ??= zones.find((zone) => zone !== zoneB);
    zoneB ??= zones.find((zone) => zone !== zoneA);
    if (zoneA === undefined || zoneB === undefined) {
      throw new StepError(
        'Modeshift.TooFewAvailabilityZones',
        `the region has ${zones.length} available availability zone(s) (${zones.join(', ') || 'none'}); ` +
          'an environment needs two',
      );
    }
  }
  return [zoneA, zoneB];
}

async function createSubnet(
  ec2: EC2Client,
  vpcId: string,
  plan: SubnetPlan,
  availabilityZone: string,
  names: EnvironmentNames,
  tags: readonly Tag[],
): Promise<Subnet> {
  const created = await ec2.send(
    new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: plan.cidr,
      AvailabilityZone: availabilityZone,
      TagSpecifications: [tagSpecification('subnet', tags, subnetRoleTags(names, plan.role))],
    }),
  );
  if (created.Subnet?.SubnetId === undefined) {
    throw new Error(`CreateSubnet ${plan.cidr} in ${vpcId} returned no subnet id`);
  }
  return created.Subnet;
}

async function describeInternetGateways(ec2: EC2Client, filters: Filter[]): Promise<InternetGateway[]> {
  const gateways: InternetGateway[] = [];
  for await (const page of paginateDescribeInternetGateways({ client: ec2 }, { Filters: filters })) {
    gateways.push(...(page.InternetGateways ?? []));
  }
  return gateways;
}

async function ensureInternetGateway(
  ec2: EC2Client,
  vpcId: string,
  input: EnsureNetworkInput,
  stale: StaleTags,
): Promise<string> {
  const [attached] = await describeInternetGateways(ec2, [{ Name: 'attachment.vpc-id', Values: [vpcId] }]);
  if (attached?.InternetGatewayId !== undefined) {
    noteStaleTags(stale, attached.InternetGatewayId, attached.Tags, input.tags);
    return attached.InternetGatewayId;
  }
  // One created by an earlier run that stopped before attaching it.
  const detached = (
    await describeInternetGateways(ec2, environmentTagFilters(input.project, input.environment))
  ).find((gateway) => (gateway.Attachments ?? []).every((attachment) => attachment.State === 'detached'));
  let gatewayId = detached?.InternetGatewayId;
  if (gatewayId === undefined) {
    const created = await ec2.send(
      new CreateInternetGatewayCommand({
        TagSpecifications: [tagSpecification('internet-gateway', input.tags, { Name: input.names.prefix })],
      }),
    );
    gatewayId = created.InternetGateway?.InternetGatewayId;
    if (gatewayId === undefined) throw new Error(`CreateInternetGateway for ${vpcId} returned no id`);
  } else {
    noteStaleTags(stale, gatewayId, detached?.Tags, input.tags);
  }
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId }));
  return gatewayId;
}

async function describeRouteTables(ec2: EC2Client, vpcId: string): Promise<RouteTable[]> {
  const tables: RouteTable[] = [];
  for await (const page of paginateDescribeRouteTables(
    { client: ec2 },
    { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    tables.push(...(page.RouteTables ?? []));
  }
  return tables;
}

async function ensureRouteTables(
  ec2: EC2Client,
  vpcId: string,
  input: EnsureNetworkInput,
  stale: StaleTags,
): Promise<Record<RouteTableRole, RouteTable>> {
  const existing = await describeRouteTables(ec2, vpcId);
  const tables = {} as Record<RouteTableRole, RouteTable>;
  for (const role of ['public', 'private-a', 'private-b'] as const) {
    const found = existing.find((table) => tagValue(table.Tags, ROUTE_TABLE_TAG) === role);
    if (found !== undefined) {
      noteStaleTags(stale, found.RouteTableId, found.Tags, input.tags);
      tables[role] = found;
      continue;
    }
    const created = await ec2.send(
      new CreateRouteTableCommand({
        VpcId: vpcId,
        TagSpecifications: [
          tagSpecification('route-table', input.tags, {
            Name: `${input.names.prefix}-${role}`,
            [ROUTE_TABLE_TAG]: role,
          }),
        ],
      }),
    );
    if (created.RouteTable?.RouteTableId === undefined) {
      throw new Error(`CreateRouteTable ${role} in ${vpcId} returned no id`);
    }
    tables[role] = created.RouteTable;
  }
  return tables;
}

async function ensurePublicRoute(
  ec2: EC2Client,
  table: RouteTable,
  internetGatewayId: string,
): Promise<void> {
  const route = (table.Routes ?? []).find((candidate) => candidate.DestinationCidrBlock === ANYWHERE);
  const target = {
    RouteTableId: routeTableId(table),
    DestinationCidrBlock: ANYWHERE,
    GatewayId: internetGatewayId,
  };
  if (route === undefined) {
    await ec2.send(new CreateRouteCommand(target));
  } else if (route.GatewayId !== internetGatewayId || route.State === 'blackhole') {
    await ec2.send(new ReplaceRouteCommand(target));
  }
}

/**
 * Associates each subnet with its route table. A subnet associated with
 * another table is moved (AWS refuses a second association).
 */
async function ensureAssociations(
  ec2: EC2Client,
  vpcId: string,
  subnets: Record<SubnetRole, Subnet>,
  tables: Record<RouteTableRole, RouteTable>,
): Promise<void> {
  // Read again: tables created just now are not in the first description.
  const current = new Map<string, { routeTableId: string; associationId: string }>();
  for (const table of await describeRouteTables(ec2, vpcId)) {
    for (const association of table.Associations ?? []) {
      const state = association.AssociationState?.State ?? 'associated';
      if (
        association.SubnetId !== undefined &&
        association.RouteTableAssociationId !== undefined &&
        (state === 'associated' || state === 'associating')
      ) {
        current.set(association.SubnetId, {
          routeTableId: routeTableId(table),
          associationId: association.RouteTableAssociationId,
        });
      }
    }
  }
  for (const role of Object.keys(SUBNET_ROUTE_TABLE) as SubnetRole[]) {
    const subnet = subnetId(subnets[role]);
    const table = routeTableId(tables[SUBNET_ROUTE_TABLE[role]]);
    const association = current.get(subnet);
    if (association?.routeTableId === table) continue;
    if (association !== undefined) {
      await ec2.send(
        new ReplaceRouteTableAssociationCommand({
          AssociationId: association.associationId,
          RouteTableId: table,
        }),
      );
    } else {
      await ec2.send(new AssociateRouteTableCommand({ SubnetId: subnet, RouteTableId: table }));
    }
  }
}

type GroupRole = 'loadBalancer' | 'services' | 'database' | 'cache';

interface WantedGroup {
  readonly role: GroupRole;
  readonly name: string;
  readonly description: string;
}

/** The groups of `input`'s owner in the VPC, found by name (their tags checked) or created. */
async function findOrCreateGroups(
  ec2: EC2Client,
  vpcId: string,
  input: EnsureNetworkInput,
  wanted: readonly WantedGroup[],
  stale: StaleTags,
): Promise<Partial<Record<GroupRole, SecurityGroup>>> {
  const existing: SecurityGroup[] = [];
  for await (const page of paginateDescribeSecurityGroups(
    { client: ec2 },
    {
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: wanted.map((group) => group.name) },
      ],
    },
  )) {
    existing.push(...(page.SecurityGroups ?? []));
  }

  const groups: Partial<Record<GroupRole, SecurityGroup>> = {};
  for (const group of wanted) {
    const found = existing.find((candidate) => candidate.GroupName === group.name);
    if (found !== undefined) {
      assertOwned(`security group ${group.name} in ${vpcId}`, found.Tags, input);
      noteStaleTags(stale, found.GroupId, found.Tags, input.tags);
      groups[group.role] = found;
      continue;
    }
    const created = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: group.name,
        Description: group.description,
        VpcId: vpcId,
        TagSpecifications: [tagSpecification('security-group', input.tags, { Name: group.name })],
      }),
    );
    if (created.GroupId === undefined) throw new Error(`CreateSecurityGroup ${group.name} returned no id`);
    groups[group.role] = { GroupId: created.GroupId, GroupName: group.name, IpPermissions: [] };
  }
  return groups;
}

/** The shared load balancer's security group: the shared network's, 80 and 443 from anywhere. */
async function ensureSharedLoadBalancerGroup(
  ec2: EC2Client,
  vpcId: string,
  sharedInput: EnsureNetworkInput,
  shared: SharedNetworkSpec,
  stale: StaleTags,
): Promise<SecurityGroup> {
  const wanted = {
    role: 'loadBalancer' as const,
    name: shared.names.albSecurityGroup,
    description: `${shared.names.prefix} shared load balancer`,
  };
  const { loadBalancer } = await findOrCreateGroups(ec2, vpcId, sharedInput, [wanted], stale);
  return loadBalancer as SecurityGroup;
}

/**
 * The environment's security groups and their rules. `loadBalancerGroup`:
 * the shared load balancer's group, which the services then let in in place
 * of a load balancer group of the environment's own.
 */
async function ensureSecurityGroups(
  ec2: EC2Client,
  vpcId: string,
  input: EnsureNetworkInput,
  stale: StaleTags,
  loadBalancerGroup?: SecurityGroup,
): Promise<NetworkRef['securityGroups']> {
  const { names } = input;
  const ownLoadBalancer: WantedGroup = {
    role: 'loadBalancer',
    name: names.albSecurityGroup,
    description: `${names.prefix} load balancer`,
  };
  const wanted: readonly WantedGroup[] = [
    ...(loadBalancerGroup === undefined ? [ownLoadBalancer] : []),
    { role: 'services', name: names.serviceSecurityGroup, description: `${names.prefix} services` },
    { role: 'database', name: names.databaseSecurityGroup, description: `${names.prefix} databases` },
    ...(input.hasCaches
      ? [{ role: 'cache' as const, name: names.cacheSecurityGroup, description: `${names.prefix} caches` }]
      : []),
  ];
  const found = await findOrCreateGroups(ec2, vpcId, input, wanted, stale);
  const groups = { ...found, loadBalancer: loadBalancerGroup ?? found.loadBalancer } as Record<
    Exclude<GroupRole, 'cache'>,
    SecurityGroup
  > & { cache?: SecurityGroup };
  const ids = {
    loadBalancer: groups.loadBalancer.GroupId as string,
    services: groups.services.GroupId as string,
    database: groups.database.GroupId as string,
  };
  await ensureIngress(ec2, groups.loadBalancer, [
    fromAnywhere(80, 'HTTP from anywhere'),
    fromAnywhere(443, 'HTTPS from anywhere'),
  ]);
  const ports = loadBalancerPorts(input.targetGroups);
  await ensureIngress(ec2, groups.services, [
    ...ports.map((port) => fromGroup('tcp', ids.loadBalancer, `port ${port} from the load balancer`, port)),
    fromGroup('-1', ids.services, 'from the other services'),
  ]);
  await revokeOtherLoadBalancerIngress(ec2, groups.services, ids.loadBalancer, ports);
  await ensureIngress(ec2, groups.database, [
    fromGroup('tcp', ids.services, 'Postgres from the services', 5432),
  ]);
  if (groups.cache === undefined) return ids;
  await ensureIngress(ec2, groups.cache, [
    fromGroup('tcp', ids.services, 'Redis from the services', CACHE_PORT),
  ]);
  return { ...ids, cache: groups.cache.GroupId as string };
}

function fromAnywhere(port: number, description: string): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: ANYWHERE, Description: description }],
  };
}

function fromGroup(
  protocol: 'tcp' | '-1',
  groupId: string,
  description: string,
  port?: number,
): IpPermission {
  return {
    IpProtocol: protocol,
    ...(port !== undefined ? { FromPort: port, ToPort: port } : {}),
    UserIdGroupPairs: [{ GroupId: groupId, Description: description }],
  };
}

/** The ports the load balancer sends traffic and health checks to, sorted, once each. */
export function loadBalancerPorts(
  targetGroups: ReadonlyArray<Pick<TargetGroupSpec, 'port' | 'healthCheckPort'>>,
): number[] {
  const ports = targetGroups.flatMap((group) => {
    const check = Number(group.healthCheckPort);
    return Number.isInteger(check) && check > 0 ? [group.port, check] : [group.port];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * Revokes what the load balancer's group may reach beyond `ports`: an older
 * all-ports rule, or the ports of services that were removed or changed.
 */
async function revokeOtherLoadBalancerIngress(
  ec2: EC2Client,
  group: SecurityGroup,
  loadBalancer: string,
  ports: readonly number[],
): Promise<void> {
  for (const have of group.IpPermissions ?? []) {
    if (!(have.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === loadBalancer)) continue;
    const wanted =
      have.IpProtocol === 'tcp' && have.FromPort === have.ToPort && ports.includes(have.FromPort ?? -1);
    if (wanted) continue;
    try {
      await ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: group.GroupId as string,
          IpPermissions: [
            {
              IpProtocol: have.IpProtocol,
              ...(have.IpProtocol === '-1' ? {} : { FromPort: have.FromPort, ToPort: have.ToPort }),
              UserIdGroupPairs: [{ GroupId: loadBalancer }],
            },
          ],
        }),
      );
    } catch (error) {
      if (!hasAwsErrorName(error, 'InvalidPermission.NotFound')) throw error;
    }
  }
}

/** Whether `have` already grants what `want` grants (same protocol, ports and source). */
function grants(have: IpPermission, want: IpPermission): boolean {
  if (have.IpProtocol !== want.IpProtocol) return false;
  if (want.IpProtocol !== '-1' && (have.FromPort !== want.FromPort || have.ToPort !== want.ToPort))
    return false;
  const cidr = want.IpRanges?.[0]?.CidrIp;
  if (cidr !== undefined) return (have.IpRanges ?? []).some((range) => range.CidrIp === cidr);
  const source = want.UserIdGroupPairs?.[0]?.GroupId;
  return (have.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === source);
}

/** Adds the rules the group lacks, one call each so one duplicate does not hold back the others. */
async function ensureIngress(
  ec2: EC2Client,
  group: SecurityGroup,
  rules: readonly IpPermission[],
): Promise<void> {
  for (const rule of rules) {
    if ((group.IpPermissions ?? []).some((have) => grants(have, rule))) continue;
    try {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: group.GroupId as string, IpPermissions: [rule] }),
      );
    } catch (error) {
      if (!hasAwsErrorName(error, 'InvalidPermission.Duplicate')) throw error;
    }
  }
}

function dhcpValues(options: DhcpOptions, key: string): string[] {
  const configuration = (options.DhcpConfigurations ?? []).find((candidate) => candidate.Key === key);
  return (configuration?.Values ?? []).flatMap((value) => (value.Value === undefined ? [] : [value.Value]));
}

/**
 * The DHCP options that make the private namespace the VPC's search domain,
 * so `db` resolves as `db.<privateZone>`.
 */
async function ensureDhcpOptions(
  ec2: EC2Client,
  vpc: Vpc,
  input: EnsureNetworkInput,
  stale: StaleTags,
): Promise<void> {
  const domain = input.names.privateZone;
  const tagged: DhcpOptions[] = [];
  for await (const page of paginateDescribeDhcpOptions(
    { client: ec2 },
    { Filters: environmentTagFilters(input.project, input.environment) },
  )) {
    tagged.push(...(page.DhcpOptions ?? []));
  }
  const matching = tagged.find(
    (options) =>
      dhcpValues(options, 'domain-name').join(' ') === domain &&
      dhcpValues(options, 'domain-name-servers').join(' ') === 'AmazonProvidedDNS',
  );
  let optionsId = matching?.DhcpOptionsId;
  if (optionsId === undefined) {
    const created = await ec2.send(
      new CreateDhcpOptionsCommand({
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [domain] },
          { Key: 'domain-name-servers', Values: ['AmazonProvidedDNS'] },
        ],
        TagSpecifications: [tagSpecification('dhcp-options', input.tags, { Name: input.names.prefix })],
      }),
    );
    optionsId = created.DhcpOptions?.DhcpOptionsId;
    if (optionsId === undefined) throw new Error(`CreateDhcpOptions for ${domain} returned no id`);
    // moto ignores TagSpecifications here; without the tags the set would not be found again.
    noteStaleTags(stale, optionsId, created.DhcpOptions?.Tags, input.tags);
  } else {
    noteStaleTags(stale, optionsId, matching?.Tags, input.tags);
  }
  if (vpc.DhcpOptionsId !== optionsId) {
    await ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: optionsId, VpcId: vpc.VpcId as string }));
  }
}

export const handler = lambdaHandler(ensureNetwork);
