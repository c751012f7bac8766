/**
 * A team's own VPC that an environment is deployed into (the request's
 * `vpc`), checked against the account: the VPC exists and is not a VPC
 * modeshift made for another environment (whose down would delete it), every
 * subnet exists and is in it, its DNS support and hostnames are on, and the
 * subnets of each kind span two
 * availability zones (the load balancer needs two; the tasks and databases
 * are spread over two). `deploy` checks it before anything changes, and
 * EnsureNetwork again before it puts anything in the VPC.
 */
import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { formatPath, type Problem } from '../../../core/errors.ts';
import type { TeamVpc } from '../../../core/request.ts';
import { isSharedNetworkEnvironment, SHARED_NETWORK_PREFIX } from '../../../core/shared-network.ts';
import { ENVIRONMENT_TAG, type EnvironmentIdentity, PROJECT_TAG, tagValue } from '../environment-tags.ts';
import { isNotFound } from '../errors.ts';

/** The request's `vpc`. */
export type OwnVpc = TeamVpc;

/** The VPC as the environment uses it: its subnets in the request's order, and the zones of the public ones. */
export interface CheckedVpc {
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  /** The first two zones of the public subnets. */
  readonly availabilityZones: readonly [string, string];
}

export type OwnVpcCheck =
  | { readonly ok: true; readonly vpc: CheckedVpc }
  | { readonly ok: false; readonly problems: readonly Problem[] };

async function describeVpc(ec2: EC2Client, id: string) {
  try {
    return (await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The private subnets that have no way out: no default route (0.0.0.0/0) in their route table
 * (their own, else the VPC's main one), in a VPC with no ECR endpoint either. Tasks there could not
 * pull their images.
 */
async function subnetsWithoutWayOut(ec2: EC2Client, vpc: OwnVpc): Promise<string[]> {
  const [{ RouteTables = [] }, { VpcEndpoints = [] }] = await Promise.all([
    ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.id] }] })),
    ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpc.id] },
          { Name: 'vpc-endpoint-state', Values: ['available', 'pending'] },
        ],
      }),
    ),
  ]);
  if (VpcEndpoints.some((endpoint) => endpoint.ServiceName?.endsWith('.ecr.dkr'))) return [];
  const main = RouteTables.find((table) => table.Associations?.some((association) => association.Main));
  const tableOf = (subnet: string) =>
    RouteTables.find((table) => table.Associations?.some((association) => association.SubnetId === subnet)) ??
    main;
  return vpc.privateSubnets.filter(
    (subnet) =>
      !(tableOf(subnet)?.Routes ?? []).some(
        (route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.State !== 'blackhole',
      ),
  );
}

/**
 * Checks the request's VPC and subnets in the account; `owner` is the environment deployed into it.
 * With `privateTasks` (the mode runs tasks in the private subnets), each private subnet needs a
 * way out: a default route, or the VPC an ECR endpoint.
 */
export async function checkOwnVpc(
  ec2: EC2Client,
  vpc: OwnVpc,
  owner: EnvironmentIdentity,
  privateTasks = false,
): Promise<OwnVpcCheck> {
  const problems: Problem[] = [];
  const found = await describeVpc(ec2, vpc.id);
  if (found === undefined)
    return { ok: false, problems: [{ path: 'vpc.id', message: `there is no VPC ${vpc.id} in the region` }] };
  const project = tagValue(found.Tags, PROJECT_TAG);
  const environment = tagValue(found.Tags, ENVIRONMENT_TAG);
  if (project !== undefined && environment !== undefined)
    problems.push({
      path: 'vpc.id',
      message:
        project === owner.project && environment === owner.environment
          ? `${vpc.id} is the VPC modeshift created for ${project}/${environment}: deploy without vpc to keep using it`
          : `${vpc.id} is the VPC modeshift created for ${project}/${environment}, and its down deletes it: name a VPC of your own`,
    });

  // Cloud Map's private zone and the database endpoints resolve only with both on; modeshift does not change the VPC.
  const [support, hostnames] = await Promise.all([
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.id, Attribute: 'enableDnsSupport' })),
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.id, Attribute: 'enableDnsHostnames' })),
  ]);
  const off = [
    ...(support.EnableDnsSupport?.Value === true ? [] : ['enableDnsSupport']),
    ...(hostnames.EnableDnsHostnames?.Value === true ? [] : ['enableDnsHostnames']),
  ];
  if (off.length > 0)
    problems.push({
      path: 'vpc.id',
      message: `${vpc.id} has ${off.join(' and ')} off: service discovery and the database endpoints need both on (modeshift does not change your VPC)`,
    });

  const ids = [...vpc.publicSubnets, ...vpc.privateSubnets];
  const subnets: Subnet[] = [];
  // Filtered, not by SubnetIds: a missing id then leaves a gap to name instead of failing the whole call.
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: ids }] }),
  );
  subnets.push(...Subnets);
  const byId = new Map(subnets.map((subnet) => [subnet.SubnetId, subnet]));
  const zonesOf = (kind: 'publicSubnets' | 'privateSubnets') => {
    const zones: string[] = [];
    vpc[kind].forEach((id, index) => {
      const path = formatPath(['vpc', kind, index]);
      const subnet = byId.get(id);
      if (subnet === undefined) problems.push({ path, message: `there is no subnet ${id} in the region` });
      else if (subnet.VpcId !== vpc.id)
        problems.push({ path, message: `${id} is in ${subnet.VpcId}, not in ${vpc.id}` });
      else if (subnet.AvailabilityZone !== undefined && !zones.includes(subnet.AvailabilityZone))
        zones.push(subnet.AvailabilityZone);
    });
    return zones;
  };
  const publicZones = zonesOf('publicSubnets');
  const privateZones = zonesOf('privateSubnets');
  const twoZones = (kind: 'publicSubnets' | 'privateSubnets', zones: string[], who: string) => {
    if (zones.length === 1)
      problems.push({
        path: `vpc.${kind}`,
        message: `are all in ${zones[0]}: ${who} needs subnets in two availability zones`,
      });
  };
  twoZones('publicSubnets', publicZones, 'the load balancer');
  twoZones('privateSubnets', privateZones, 'spreading tasks and databases');
  if (privateTasks && problems.length === 0) {
    for (const subnet of await subnetsWithoutWayOut(ec2, vpc))
      problems.push({
        path: formatPath(['vpc', 'privateSubnets', vpc.privateSubnets.indexOf(subnet)]),
        message: `${subnet} has no default route (0.0.0.0/0) and ${vpc.id} no ECR endpoint: the mode runs tasks in the private subnets, and they could not pull their images (add a NAT gateway route or VPC endpoints)`,
      });
  }
  const [zoneA, zoneB] = publicZones;
  if (problems.length > 0 || zoneA === undefined || zoneB === undefined) return { ok: false, problems };
  return {
    ok: true,
    vpc: {
      vpcId: vpc.id,
      publicSubnetIds: [...vpc.publicSubnets],
      privateSubnetIds: [...vpc.privateSubnets],
      availabilityZones: [zoneA, zoneB],
    },
  };
}

/** Where the environment runs now: a VPC of its own, or (by its security groups) someone else's. */
async function currentNetwork(
  ec2: EC2Client,
  owner: EnvironmentIdentity,
): Promise<{ own?: string; elsewhere: string[] }> {
  const filters = [
    { Name: `tag:${PROJECT_TAG}`, Values: [owner.project] },
    { Name: `tag:${ENVIRONMENT_TAG}`, Values: [owner.environment] },
  ];
  const [{ Vpcs = [] }, { SecurityGroups = [] }] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: filters })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })),
  ]);
  const own = Vpcs[0]?.VpcId;
  const elsewhere = [
    ...new Set(
      SecurityGroups.flatMap((group) =>
        group.VpcId === undefined || group.VpcId === own ? [] : [group.VpcId],
      ),
    ),
  ];
  return { ...(own !== undefined ? { own } : {}), elsewhere };
}

/** The shared network a VPC is (its `shared.<mode>` tag), or undefined for a team's VPC. */
async function sharedNetworkOf(
  ec2: EC2Client,
  owner: EnvironmentIdentity,
  vpcId: string,
): Promise<string | undefined> {
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  const tags = Vpcs[0]?.Tags;
  const environment = tagValue(tags, ENVIRONMENT_TAG);
  return tagValue(tags, PROJECT_TAG) === owner.project && isSharedNetworkEnvironment(environment)
    ? environment
    : undefined;
}

/** How a person names the network in VPC `vpcId`: the project's shared network of a mode, or the team's VPC. */
async function describeNetwork(ec2: EC2Client, owner: EnvironmentIdentity, vpcId: string): Promise<string> {
  const shared = await sharedNetworkOf(ec2, owner, vpcId);
  return shared === undefined
    ? `your VPC ${vpcId}`
    : `the project's shared ${shared.slice(SHARED_NETWORK_PREFIX.length)} network (${vpcId})`;
}

/**
 * Why the environment cannot run in `wanted` (a team's VPC id, or undefined
 * for a VPC of its own) given where it runs now: resources cannot move
 * between VPCs, so a move goes through a down. Undefined when it can.
 */
export async function networkMoveProblem(
  ec2: EC2Client,
  owner: EnvironmentIdentity,
  wanted: string | undefined,
): Promise<string | undefined> {
  const { own, elsewhere } = await currentNetwork(ec2, owner);
  const where = `${owner.project}/${owner.environment}`;
  if (own !== undefined)
    return wanted === undefined
      ? undefined
      : `${where} runs in a VPC of its own (${own}): take it down before deploying it into ${wanted}`;
  const other = elsewhere.find((vpcId) => vpcId !== wanted);
  if (other === undefined) return undefined;
  const network = await describeNetwork(ec2, owner, other);
  if (wanted !== undefined)
    return `${where} runs in ${network}: take it down before deploying it into ${wanted}`;
  return (await sharedNetworkOf(ec2, owner, other)) === undefined
    ? `${where} runs in ${network}: name it again (vpc), or take the environment down before it gets a VPC of its own`
    : `${where} runs in ${network}: an environment leaves a shared network only through a down (take it down, then deploy it with network "dedicated"), or keep it there with network "shared"`;
}

/**
 * Where an environment that the mode puts in a shared network runs: in
 * another mode's shared network, which a mode change keeps it in (`keep`,
 * that network's environment tag); or in a team's VPC, which it leaves only
 * through a down (`problem`). Neither when it runs nowhere yet or already
 * in `shared`. An environment with a VPC of its own keeps it, and is not asked.
 */
export async function sharedPlacement(
  ec2: EC2Client,
  owner: EnvironmentIdentity,
  shared: string,
): Promise<{ readonly keep?: string; readonly problem?: string }> {
  const { elsewhere } = await currentNetwork(ec2, owner);
  for (const vpcId of elsewhere) {
    const network = await sharedNetworkOf(ec2, owner, vpcId);
    if (network === shared) continue;
    if (network !== undefined) return { keep: network };
    const mode = shared.slice(SHARED_NETWORK_PREFIX.length);
    return {
      problem: `${owner.project}/${owner.environment} runs in your VPC ${vpcId}: name it again (vpc), or take it down before it joins the shared ${mode} network`,
    };
  }
  return {};
}
