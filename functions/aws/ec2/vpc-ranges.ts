/**
 * The address ranges of the account's VPCs, and what they rule out for an
 * environment's VPC (core/vpc-cidr.ts): a range the request names must not
 * overlap another environment's VPC, and the VPC an environment already has
 * cannot change its range. `deploy` checks both (and a team's own `vpc`)
 * before anything changes, and EnsureNetwork again when it creates the VPC
 * (`createVpcInFreeRange`).
 */
import {
  CreateVpcCommand,
  DeleteVpcCommand,
  type EC2Client,
  paginateDescribeVpcs,
  type TagSpecification,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { Problem } from '../../../core/errors.ts';
import {
  AUTOMATIC_POOL,
  type Cidr,
  cidrsOverlap,
  formatCidr,
  freeBlock,
  parseCidr,
} from '../../../core/vpc-cidr.ts';
import { StepError } from '../../step-errors.ts';
import { ENVIRONMENT_TAG, type EnvironmentIdentity, PROJECT_TAG, tagValue } from '../environment-tags.ts';
import { checkOwnVpc, networkMoveProblem, type OwnVpc } from './own-vpc.ts';

/** A VPC of the account: its ranges, and the environment it is tagged for when it is modeshift's. */
export interface AccountVpc {
  readonly id: string;
  /** Its primary and associated IPv4 ranges. */
  readonly cidrs: readonly string[];
  readonly owner?: EnvironmentIdentity;
}

/** The IPv4 ranges of a VPC that hold or may hold addresses (a disassociated one does not). */
export function rangesOf(vpc: Vpc): string[] {
  const associated = (vpc.CidrBlockAssociationSet ?? [])
    .filter((entry) => !['disassociated', 'failed'].includes(entry.CidrBlockState?.State ?? ''))
    .flatMap((entry) => (entry.CidrBlock ? [entry.CidrBlock] : []));
  return [...new Set([...(vpc.CidrBlock ? [vpc.CidrBlock] : []), ...associated])];
}

/** Every VPC of the account in the client's region. */
export async function accountVpcs(ec2: EC2Client): Promise<AccountVpc[]> {
  const vpcs: AccountVpc[] = [];
  for await (const page of paginateDescribeVpcs({ client: ec2 }, {})) {
    for (const vpc of page.Vpcs ?? []) {
      if (vpc.VpcId === undefined) continue;
      const project = tagValue(vpc.Tags, PROJECT_TAG);
      const environment = tagValue(vpc.Tags, ENVIRONMENT_TAG);
      vpcs.push({
        id: vpc.VpcId,
        cidrs: rangesOf(vpc),
        ...(project !== undefined && environment !== undefined ? { owner: { project, environment } } : {}),
      });
    }
  }
  return vpcs;
}

const isOwn = (vpc: AccountVpc, owner: EnvironmentIdentity) =>
  vpc.owner?.project === owner.project && vpc.owner.environment === owner.environment;

/** Why the environment's VPC cannot take `wanted` as its range: a VPC's range does not change. */
export function rangeChangeRefused(
  owner: EnvironmentIdentity,
  vpcId: string,
  cidrs: readonly string[],
  wanted: string,
): string {
  return `${owner.project}/${owner.environment} already has VPC ${vpcId} with ${cidrs.join(', ')}, and a VPC's range cannot change: name ${cidrs[0]} or none, or take the environment down first (not ${wanted})`;
}

/** Every range of the VPCs that are not the environment's own, parsed. */
export function rangesTaken(vpcs: readonly AccountVpc[], owner: EnvironmentIdentity): Cidr[] {
  return vpcs.filter((vpc) => !isOwn(vpc, owner)).flatMap((vpc) => vpc.cidrs.map(parseCidr));
}

/**
 * Why the environment cannot have `wanted` as its VPC's range: its VPC was
 * created with another range, or another environment's VPC overlaps it. One
 * message per reason; none when it can. A VPC that is not modeshift's may
 * overlap: the team chose the range, and only peering them would clash.
 */
export function vpcCidrConflicts(
  vpcs: readonly AccountVpc[],
  owner: EnvironmentIdentity,
  wanted: string,
): string[] {
  const own = vpcs.find((vpc) => isOwn(vpc, owner));
  if (own !== undefined)
    return own.cidrs.includes(wanted) ? [] : [rangeChangeRefused(owner, own.id, own.cidrs, wanted)];
  const block = parseCidr(wanted);
  return vpcs
    .filter((vpc) => vpc.owner !== undefined && !isOwn(vpc, owner))
    .flatMap((vpc) =>
      vpc.cidrs
        .filter((range) => cidrsOverlap(block, parseCidr(range)))
        .map(
          (range) =>
            `${wanted} overlaps ${range} of VPC ${vpc.id} (${vpc.owner?.project}/${vpc.owner?.environment}): pick a range no other environment uses`,
        ),
    );
}

/**
 * What the account rules out of the request's network, one problem per
 * field: a `vpcCidr` that overlaps another environment's VPC or differs from
 * the environment's own, or a `vpc` that is not there as named
 * (functions/aws/ec2/own-vpc.ts). None, and no call, when it names neither.
 */
export async function networkProblems(
  ec2: EC2Client,
  request: EnvironmentIdentity & {
    readonly vpcCidr?: string | undefined;
    readonly vpc?: OwnVpc | undefined;
  },
  /** Whether the mode runs tasks in the private subnets, which then need a way out. */
  privateTasks = false,
  /** The resolved `network` setting: a network of its own is refused to an environment in a shared one. */
  network: 'shared' | 'dedicated' = 'shared',
): Promise<Problem[]> {
  const owner = { project: request.project, environment: request.environment };
  if (request.vpc === undefined && network === 'dedicated') {
    const move = await networkMoveProblem(ec2, owner, undefined);
    if (move !== undefined) return [{ path: 'network', message: move }];
  }
  if (request.vpc !== undefined) {
    const [checked, move] = await Promise.all([
      checkOwnVpc(ec2, request.vpc, owner, privateTasks),
      networkMoveProblem(ec2, owner, request.vpc.id),
    ]);
    return [
      ...(checked.ok ? [] : checked.problems),
      ...(move === undefined ? [] : [{ path: 'vpc.id', message: move }]),
    ];
  }
  if (request.vpcCidr === undefined) return [];
  return vpcCidrConflicts(await accountVpcs(ec2), owner, request.vpcCidr).map((message) => ({
    path: 'vpcCidr',
    message,
  }));
}

/** How many times a VPC is created again after it turned out to overlap one created at the same moment. */
const RACE_ATTEMPTS = 3;

export interface NewVpcOptions {
  readonly owner: EnvironmentIdentity;
  /** The range the request names; null picks a free /16 of 10.0.0.0/8. */
  readonly vpcCidr: string | null;
  /** The new VPC's tags, its Name among them. */
  readonly tagSpecification: TagSpecification;
}

/** The range the request names, when no other environment's VPC overlaps it; else a free /16. */
async function rangeForNewVpc(ec2: EC2Client, options: NewVpcOptions): Promise<string> {
  const vpcs = await accountVpcs(ec2);
  if (options.vpcCidr) {
    const conflicts = vpcCidrConflicts(vpcs, options.owner, options.vpcCidr);
    if (conflicts.length > 0) throw new StepError('Modeshift.VpcCidrConflict', conflicts.join('; '));
    return options.vpcCidr;
  }
  const seed = `${options.owner.project}/${options.owner.environment}`;
  const block = freeBlock(seed, rangesTaken(vpcs, options.owner));
  if (block === undefined) {
    throw new StepError(
      'Modeshift.NoFreeVpcCidr',
      `every /16 of ${AUTOMATIC_POOL} overlaps a VPC of the account: name a range with vpcCidr`,
    );
  }
  return formatCidr(block);
}

/**
 * Creates the environment's VPC in its range. Another environment may have
 * taken an overlapping range at the same moment: of two such VPCs the one
 * with the greater id gives way (deleted while still empty) and picks again;
 * a range the request named is then refused instead.
 */
export async function createVpcInFreeRange(ec2: EC2Client, options: NewVpcOptions): Promise<Vpc> {
  for (let attempt = 1; ; attempt += 1) {
    const cidr = await rangeForNewVpc(ec2, options);
    const { Vpc: vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: [options.tagSpecification] }),
    );
    const vpcId = vpc?.VpcId;
    if (vpc === undefined || vpcId === undefined) throw new Error(`CreateVpc of ${cidr} returned no VPC id`);
    const rival = (await accountVpcs(ec2)).find(
      (other) =>
        other.owner !== undefined &&
        !isOwn(other, options.owner) &&
        other.id < vpcId &&
        other.cidrs.some((range) => cidrsOverlap(parseCidr(range), parseCidr(cidr))),
    );
    if (rival === undefined) return vpc;
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    if (options.vpcCidr || attempt >= RACE_ATTEMPTS) {
      throw new StepError(
        'Modeshift.VpcCidrConflict',
        `${cidr} overlaps ${rival.cidrs.join(', ')} of VPC ${rival.id} (${rival.owner?.project}/${rival.owner?.environment}), created at the same time: pick a range no other environment uses`,
      );
    }
  }
}
