/**
 * DeleteNetwork: takes the environment's network apart in the order AWS
 * accepts — NAT gateways (and then their addresses), internet gateway,
 * subnets, route tables, security groups, the VPC and its DHCP options. Each
 * call deletes what is left; while AWS still refuses because network
 * interfaces linger (DependencyViolation) the step reports not done.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
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
  type DhcpOptions,
  DisassociateRouteTableCommand,
  EC2Client,
  type Filter,
  type InternetGateway,
  type IpPermission,
  type NatGateway,
  paginateDescribeDhcpOptions,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  ReleaseAddressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { MODES } from '../../core/policy.ts';
import { sharedNetworkEnvironment, sharedNetworkNames } from '../../core/shared-network.ts';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import { environmentTagFilters } from '../aws/ec2/network-tags.ts';
import { ENVIRONMENT_TAG, PROJECT_TAG, tagValue } from '../aws/environment-tags.ts';
import { hasAwsErrorName, isNotFound } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** Input of DeleteNetwork (state-machines/down.asl.json, state DeleteNetwork). */
export interface DeleteNetworkInput extends EnvironmentStepInput {
  /**
   * `nat-gateways`: only the NAT gateways, done once they are deleted (down
   * removes them as soon as the services are gone, while the databases are
   * still being deleted). @default everything
   */
  readonly scope?: 'nat-gateways' | 'all';
  /**
   * The environments table, which holds the shared networks' leases: with it, a shared network of
   * the project that no environment is left in is removed too. @default no shared network is looked at
   */
  readonly lockTable?: string;
}

/** `done` once the VPC, its addresses and its DHCP options are gone (with scope `nat-gateways`: the NAT gateways). */
export type DeleteNetworkOutput = TeardownProgress;

/** What one pass over a resource kind left behind: nothing, or something AWS would not delete yet. */
type Outcome = 'deleted' | 'waiting';

/**
 * Deletes what is left of the environment's network. Finds the VPC by the
 * project and environment tags; with none left it only releases addresses and
 * DHCP options still tagged for the environment, and deletes the security
 * groups tagged for it (all there is of it in a team's own VPC, which is
 * never deleted). Down runs it from two
 * states: DeleteNatGateways (scope `nat-gateways`) and DeleteNetwork (the
 * whole network); one declaration, so one role, covers both.
 */
export const deleteNetwork = defineStep({
  name: 'DeleteNetwork',
  clients: { ec2: EC2Client, ddb: DynamoDBClient },
  sends: [
    UpdateItemCommand,
    DescribeVpcsCommand,
    DescribeNatGatewaysCommand,
    DeleteNatGatewayCommand,
    DescribeAddressesCommand,
    ReleaseAddressCommand,
    DescribeInternetGatewaysCommand,
    DetachInternetGatewayCommand,
    DeleteInternetGatewayCommand,
    DescribeSubnetsCommand,
    DeleteSubnetCommand,
    DescribeRouteTablesCommand,
    DisassociateRouteTableCommand,
    DeleteRouteTableCommand,
    DescribeSecurityGroupsCommand,
    RevokeSecurityGroupIngressCommand,
    RevokeSecurityGroupEgressCommand,
    DeleteSecurityGroupCommand,
    DeleteVpcCommand,
    DescribeDhcpOptionsCommand,
    DeleteDhcpOptionsCommand,
  ],
  async run(input: DeleteNetworkInput, { ec2, ddb }): Promise<DeleteNetworkOutput> {
    const filters = environmentTagFilters(input.project, input.environment);

    const vpcs: Vpc[] = [];
    for await (const page of paginateDescribeVpcs({ client: ec2 }, { Filters: filters })) {
      vpcs.push(...(page.Vpcs ?? []));
    }

    // Subnets, public IPs and so the internet gateway, and the addresses, stay in use until the NAT gateways are gone.
    const gateways: Outcome[] = [];
    for (const vpc of vpcs) gateways.push(await deleteNatGateways(ec2, vpc.VpcId as string));
    if (combine(gateways) === 'waiting') return { done: false };
    if (input.scope === 'nat-gateways') return { done: true };

    const outcomes: Outcome[] = [await releaseAddresses(ec2, filters)];
    for (const vpc of vpcs) outcomes.push(await deleteVpcAndContents(ec2, vpc.VpcId as string, filters));
    // In a team's own VPC (`vpc`) the environment has only its security groups: found by their tags, the VPC left be.
    const own = new Set(vpcs.map((vpc) => vpc.VpcId));
    outcomes.push(await deleteSecurityGroups(ec2, filters, (group) => !own.has(group.VpcId)));
    if (combine(outcomes) === 'deleted') outcomes.push(await deleteDhcpOptions(ec2, filters));
    if (combine(outcomes) === 'deleted' && input.lockTable !== undefined) {
      outcomes.push(await removeEmptySharedNetworks(ec2, ddb, input, input.lockTable));
    }
    return { done: combine(outcomes) === 'deleted' };
  },
  settled: (output) => output.done,
});

/**
 * The project's shared networks (core/shared-network.ts) that no
 * environment's security group is left in, taken apart as an environment's
 * network is: NAT gateways first, then their addresses, then the VPC and
 * what is in it. Each under its lease, so that a deploy joining it is
 * either seen (its groups are there) or comes after and builds it again.
 * One with members is left as it is.
 */
async function removeEmptySharedNetworks(
  ec2: EC2Client,
  ddb: DynamoDBClient,
  { project, environment }: { readonly project: string; readonly environment: string },
  lockTable: string,
): Promise<Outcome> {
  const { Vpcs: vpcs = [] } = await ec2.send(
    new DescribeVpcsCommand({
      Filters: [
        { Name: `tag:${PROJECT_TAG}`, Values: [project] },
        { Name: `tag:${ENVIRONMENT_TAG}`, Values: MODES.map(sharedNetworkEnvironment) },
      ],
    }),
  );
  const outcomes: Outcome[] = [];
  for (const mode of MODES) {
    const network = sharedNetworkEnvironment(mode);
    const vpc = vpcs.find((candidate) => tagValue(candidate.Tags, ENVIRONMENT_TAG) === network);
    if (vpc?.VpcId === undefined) continue;
    const vpcId = vpc.VpcId;
    const lease = {
      table: lockTable,
      key: sharedNetworkNames(project, mode).recordKey,
      holder: `${project}/${environment}`,
    };
    outcomes.push(
      await withNetworkLease(ddb, lease, async () => {
        if (await hasMembers(ec2, vpcId, network)) return 'deleted';
        const filters = environmentTagFilters(project, network);
        if ((await deleteNatGateways(ec2, vpcId)) === 'waiting') return 'waiting';
        return combine([
          await releaseAddresses(ec2, filters),
          await deleteVpcAndContents(ec2, vpcId, filters),
        ]);
      }),
    );
  }
  return combine(outcomes);
}

/** Whether a security group other than the VPC's default and the shared network's own is in it: an environment's, or anyone's. */
async function hasMembers(ec2: EC2Client, vpcId: string, sharedEnvironment: string): Promise<boolean> {
  for await (const page of paginateDescribeSecurityGroups(
    { client: ec2 },
    { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    for (const group of page.SecurityGroups ?? []) {
      if (group.GroupName === 'default' || group.VpcId !== vpcId) continue;
      if (tagValue(group.Tags, ENVIRONMENT_TAG) !== sharedEnvironment) return true;
    }
  }
  return false;
}

/**
 * Runs one delete call: gone already counts as deleted, DependencyViolation
 * (or an address still in use) as waiting; any other error propagates.
 */
async function attempt(remove: () => Promise<unknown>): Promise<Outcome> {
  try {
    await remove();
    return 'deleted';
  } catch (error) {
    if (isNotFound(error) || hasAwsErrorName(error, 'Gateway.NotAttached')) return 'deleted';
    if (hasAwsErrorName(error, 'DependencyViolation', 'InvalidIPAddress.InUse')) return 'waiting';
    throw error;
  }
}

function combine(outcomes: readonly Outcome[]): Outcome {
  return outcomes.every((outcome) => outcome === 'deleted') ? 'deleted' : 'waiting';
}

/** Internet gateway, subnets, route tables, security groups, then the VPC once nothing is left in it. */
async function deleteVpcAndContents(ec2: EC2Client, vpcId: string, filters: Filter[]): Promise<Outcome> {
  const inVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
  const outcomes: Outcome[] = [];
  outcomes.push(await deleteInternetGateways(ec2, vpcId, filters));

  const subnets: Subnet[] = [];
  for await (const page of paginateDescribeSubnets({ client: ec2 }, { Filters: inVpc })) {
    subnets.push(...(page.Subnets ?? []));
  }
  for (const subnet of subnets) {
    outcomes.push(
      await attempt(() => ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId as string }))),
    );
  }

  outcomes.push(await deleteRouteTables(ec2, inVpc));
  outcomes.push(await deleteSecurityGroups(ec2, inVpc));

  if (combine(outcomes) === 'waiting') return 'waiting';
  return attempt(() => ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
}

/** Deletes the VPC's NAT gateways; waiting until every one is deleted (or failed). */
async function deleteNatGateways(ec2: EC2Client, vpcId: string): Promise<Outcome> {
  const gateways: NatGateway[] = [];
  for await (const page of paginateDescribeNatGateways(
    { client: ec2 },
    { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    gateways.push(...(page.NatGateways ?? []));
  }
  let outcome: Outcome = 'deleted';
  for (const gateway of gateways.filter((candidate) => candidate.VpcId === vpcId)) {
    if (gateway.State === 'deleted' || gateway.State === 'failed') continue;
    outcome = 'waiting';
    if (gateway.State === 'pending' || gateway.State === 'available') {
      await attempt(() =>
        ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: gateway.NatGatewayId as string })),
      );
    }
  }
  return outcome;
}

/**
 * Releases the environment's Elastic IPs once its NAT gateways are gone; one
 * AWS still holds (InvalidIPAddress.InUse) waits. Their association is not
 * looked at: moto never clears a deleted gateway's.
 */
async function releaseAddresses(ec2: EC2Client, filters: Filter[]): Promise<Outcome> {
  const { Addresses: addresses = [] } = await ec2.send(new DescribeAddressesCommand({ Filters: filters }));
  const outcomes: Outcome[] = [];
  for (const address of addresses) {
    outcomes.push(
      await attempt(() =>
        ec2.send(new ReleaseAddressCommand({ AllocationId: address.AllocationId as string })),
      ),
    );
  }
  return combine(outcomes);
}

/** The gateway attached to the VPC and any tagged one an earlier pass detached but could not delete. */
async function deleteInternetGateways(ec2: EC2Client, vpcId: string, filters: Filter[]): Promise<Outcome> {
  const gateways = new Map<string, InternetGateway>();
  for (const query of [[{ Name: 'attachment.vpc-id', Values: [vpcId] }], filters]) {
    for await (const page of paginateDescribeInternetGateways({ client: ec2 }, { Filters: query })) {
      for (const gateway of page.InternetGateways ?? []) {
        if (gateway.InternetGatewayId !== undefined) gateways.set(gateway.InternetGatewayId, gateway);
      }
    }
  }
  const outcomes: Outcome[] = [];
  for (const [gatewayId, gateway] of gateways) {
    const attachedTo = (gateway.Attachments ?? []).filter((attachment) => attachment.State !== 'detached');
    const detached = combine(
      await Promise.all(
        attachedTo.map((attachment) =>
          attempt(() =>
            ec2.send(
              new DetachInternetGatewayCommand({
                InternetGatewayId: gatewayId,
                VpcId: attachment.VpcId as string,
              }),
            ),
          ),
        ),
      ),
    );
    outcomes.push(
      detached === 'waiting'
        ? 'waiting'
        : await attempt(() => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gatewayId }))),
    );
  }
  return combine(outcomes);
}

/** Every route table but the main one, each disassociated first. */
async function deleteRouteTables(ec2: EC2Client, inVpc: Filter[]): Promise<Outcome> {
  const tables: RouteTable[] = [];
  for await (const page of paginateDescribeRouteTables({ client: ec2 }, { Filters: inVpc })) {
    tables.push(...(page.RouteTables ?? []));
  }
  const outcomes: Outcome[] = [];
  for (const table of tables) {
    if ((table.Associations ?? []).some((association) => association.Main === true)) continue;
    for (const association of table.Associations ?? []) {
      if (association.RouteTableAssociationId === undefined) continue;
      const associationId = association.RouteTableAssociationId;
      await attempt(() => ec2.send(new DisassociateRouteTableCommand({ AssociationId: associationId })));
    }
    outcomes.push(
      await attempt(() =>
        ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId as string })),
      ),
    );
  }
  return combine(outcomes);
}

/** The rules of `permissions` that name another security group, reduced to those references. */
function groupReferences(permissions: IpPermission[] | undefined): IpPermission[] {
  return (permissions ?? []).flatMap((permission) => {
    const pairs = (permission.UserIdGroupPairs ?? []).flatMap((pair) =>
      pair.GroupId === undefined ? [] : [{ GroupId: pair.GroupId }],
    );
    if (pairs.length === 0) return [];
    return [
      {
        IpProtocol: permission.IpProtocol,
        ...(permission.FromPort !== undefined ? { FromPort: permission.FromPort } : {}),
        ...(permission.ToPort !== undefined ? { ToPort: permission.ToPort } : {}),
        UserIdGroupPairs: pairs,
      },
    ];
  });
}

/**
 * Every security group but the default one. Rules that reference other
 * groups are revoked first: AWS refuses to delete a group another one names.
 */
async function deleteSecurityGroups(
  ec2: EC2Client,
  filters: Filter[],
  include: (group: SecurityGroup) => boolean = () => true,
): Promise<Outcome> {
  const groups: SecurityGroup[] = [];
  for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) {
    groups.push(...(page.SecurityGroups ?? []));
  }
  const owned = groups.filter((group) => group.GroupName !== 'default' && include(group));

  for (const group of owned) {
    const GroupId = group.GroupId as string;
    const ingress = groupReferences(group.IpPermissions);
    const egress = groupReferences(group.IpPermissionsEgress);
    if (ingress.length > 0) {
      await attempt(() =>
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: ingress })),
      );
    }
    if (egress.length > 0) {
      await attempt(() => ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: egress })));
    }
  }

  const outcomes: Outcome[] = [];
  for (const group of owned) {
    outcomes.push(
      await attempt(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId as string }))),
    );
  }
  return combine(outcomes);
}

/** The DHCP options set tagged for the environment (AWS refuses it while a VPC still uses it). */
async function deleteDhcpOptions(ec2: EC2Client, filters: Filter[]): Promise<Outcome> {
  const sets: DhcpOptions[] = [];
  for await (const page of paginateDescribeDhcpOptions({ client: ec2 }, { Filters: filters })) {
    sets.push(...(page.DhcpOptions ?? []));
  }
  const outcomes: Outcome[] = [];
  for (const set of sets) {
    outcomes.push(
      await attempt(() =>
        ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: set.DhcpOptionsId as string })),
      ),
    );
  }
  return combine(outcomes);
}

export const handler = lambdaHandler(deleteNetwork);
