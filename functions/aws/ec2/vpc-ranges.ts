/**
 * The address ranges of the account's VPCs, and what they rule out for an
 * environment's VPC (core/vpc-cidr.ts): a range the request names must not
 * overlap another environment's VPC, and the VPC an environment already has
 * cannot change its range. `deploy` checks both (and a team's own `vpc`)
 * before anything changes, and EnsureNetwork again before it creates a VPC.
 */
import { type EC2Client, paginateDescribeVpcs, type Vpc } from '@aws-sdk/client-ec2';
import type { Problem } from '../../../core/errors.ts';
import { type Cidr, cidrsOverlap, parseCidr } from '../../../core/vpc-cidr.ts';
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
function rangesOf(vpc: Vpc): string[] {
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
  if (own !== undefined) {
    return own.cidrs.includes(wanted)
      ? []
      : [
          `${owner.project}/${owner.environment} already has VPC ${own.id} with ${own.cidrs.join(', ')}, and a VPC's range cannot change: name ${own.cidrs[0]} or none, or take the environment down first`,
        ];
  }
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
): Promise<Problem[]> {
  const owner = { project: request.project, environment: request.environment };
  if (request.vpc !== undefined) {
    const [checked, move] = await Promise.all([
      checkOwnVpc(ec2, request.vpc, owner),
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
