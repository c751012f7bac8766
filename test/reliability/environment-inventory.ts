/**
 * How many resources of each type the local AWS holds, outside moto's default
 * VPC. The reliability tests reset the local AWS before each test, so the
 * account holds one environment and everything in it is counted, tagged or
 * not: a resource an interrupted run created and then lost track of shows up
 * as one too many.
 *
 * Two things moto keeps that AWS does not, left out: a deleted ECS cluster
 * (listed as INACTIVE), and the private hosted zone of a deleted Cloud Map
 * namespace (AWS deletes it with the namespace). Only clusters that are ACTIVE
 * and private zones of a namespace that exists are counted.
 */
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import {
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { ListNamespacesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { Target } from '../../local/target.ts';

/** Resources per type; equal inventories mean nothing was duplicated and nothing leaked. */
export interface Inventory {
  readonly vpcs: number;
  readonly subnets: number;
  readonly internetGateways: number;
  readonly routeTables: number;
  readonly natGateways: number;
  readonly elasticIps: number;
  readonly securityGroups: number;
  readonly loadBalancers: number;
  readonly targetGroups: number;
  readonly listeners: number;
  readonly ecsClusters: number;
  readonly ecsServices: number;
  readonly activeTaskDefinitions: number;
  readonly rdsInstances: number;
  readonly dbSubnetGroups: number;
  readonly privateNamespaces: number;
  readonly hostedZones: number;
  readonly records: number;
  readonly certificates: number;
  readonly repositories: number;
  readonly buildProjects: number;
  readonly logGroups: number;
}

/** The filters that find what is tagged for one environment. */
export function environmentFilters(project: string, environment: string): Filter[] {
  return [
    { Name: 'tag:modeshift:project', Values: [project] },
    { Name: 'tag:modeshift:environment', Values: [environment] },
  ];
}

/** How many VPCs are tagged for the environment. */
export async function taggedVpcCount(target: Target, project: string, environment: string) {
  const ec2 = new EC2Client(target.settings);
  try {
    const { Vpcs } = await ec2.send(
      new DescribeVpcsCommand({ Filters: environmentFilters(project, environment) }),
    );
    return (Vpcs ?? []).length;
  } finally {
    ec2.destroy();
  }
}

async function countNetwork(ec2: EC2Client) {
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({}));
  const defaults = new Set(Vpcs.filter((vpc) => vpc.IsDefault).map((vpc) => vpc.VpcId));
  const outsideDefault = (vpcId: string | undefined) => !defaults.has(vpcId);
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({}));
  const { InternetGateways = [] } = await ec2.send(new DescribeInternetGatewaysCommand({}));
  const { RouteTables = [] } = await ec2.send(new DescribeRouteTablesCommand({}));
  const { NatGateways = [] } = await ec2.send(new DescribeNatGatewaysCommand({}));
  const { Addresses = [] } = await ec2.send(new DescribeAddressesCommand({}));
  const { SecurityGroups = [] } = await ec2.send(new DescribeSecurityGroupsCommand({}));
  return {
    vpcs: Vpcs.length - defaults.size,
    subnets: Subnets.filter((subnet) => outsideDefault(subnet.VpcId)).length,
    internetGateways: InternetGateways.filter((gateway) =>
      (gateway.Attachments ?? []).every((attachment) => outsideDefault(attachment.VpcId)),
    ).length,
    routeTables: RouteTables.filter((table) => outsideDefault(table.VpcId)).length,
    natGateways: NatGateways.filter((gateway) => gateway.State !== 'deleted').length,
    elasticIps: Addresses.length,
    securityGroups: SecurityGroups.filter((group) => outsideDefault(group.VpcId)).length,
  };
}

async function countLoadBalancing(elb: ElasticLoadBalancingV2Client) {
  const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({}));
  const { TargetGroups = [] } = await elb.send(new DescribeTargetGroupsCommand({}));
  let listeners = 0;
  for (const balancer of LoadBalancers) {
    const { Listeners = [] } = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
    );
    listeners += Listeners.length;
  }
  return { loadBalancers: LoadBalancers.length, targetGroups: TargetGroups.length, listeners };
}

async function countEcs(ecs: ECSClient) {
  const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
  const { clusters = [] } =
    clusterArns.length > 0 ? await ecs.send(new DescribeClustersCommand({ clusters: clusterArns })) : {};
  const active = clusters
    .filter((cluster) => cluster.status === 'ACTIVE')
    .map((cluster) => cluster.clusterArn);
  let ecsServices = 0;
  for (const cluster of active) {
    const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster }));
    if (serviceArns.length === 0) continue;
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns }));
    ecsServices += services.filter((service) => service.status === 'ACTIVE').length;
  }
  const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }));
  return {
    ecsClusters: active.length,
    ecsServices,
    activeTaskDefinitions: taskDefinitionArns.length,
  };
}

async function countDns(route53: Route53Client, serviceDiscovery: ServiceDiscoveryClient) {
  const { Namespaces = [] } = await serviceDiscovery.send(new ListNamespacesCommand({}));
  const namespaceZones = new Set(
    Namespaces.map((namespace) => namespace.Properties?.DnsProperties?.HostedZoneId).map((id) =>
      id?.replace(/^\/hostedzone\//, ''),
    ),
  );
  const { HostedZones = [] } = await route53.send(new ListHostedZonesCommand({}));
  const zones = HostedZones.filter(
    (zone) =>
      zone.Config?.PrivateZone !== true || namespaceZones.has(zone.Id?.replace(/^\/hostedzone\//, '')),
  );
  let records = 0;
  for (const zone of zones) {
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
    );
    records += ResourceRecordSets.length;
  }
  return { privateNamespaces: Namespaces.length, hostedZones: zones.length, records };
}

/** Counts every resource type a deploy creates. */
export async function takeInventory(target: Target): Promise<Inventory> {
  const settings = target.settings;
  const clients = {
    ec2: new EC2Client(settings),
    elb: new ElasticLoadBalancingV2Client(settings),
    ecs: new ECSClient(settings),
    rds: new RDSClient(settings),
    route53: new Route53Client(settings),
    serviceDiscovery: new ServiceDiscoveryClient(settings),
    acm: new ACMClient(settings),
    ecr: new ECRClient(settings),
    codebuild: new CodeBuildClient(settings),
    logs: new CloudWatchLogsClient(settings),
  };
  try {
    const { DBInstances = [] } = await clients.rds.send(new DescribeDBInstancesCommand({}));
    const { DBSubnetGroups = [] } = await clients.rds.send(new DescribeDBSubnetGroupsCommand({}));
    const { CertificateSummaryList = [] } = await clients.acm.send(new ListCertificatesCommand({}));
    const { repositories = [] } = await clients.ecr.send(new DescribeRepositoriesCommand({}));
    const { projects = [] } = await clients.codebuild.send(new ListProjectsCommand({}));
    const { logGroups = [] } = await clients.logs.send(new DescribeLogGroupsCommand({}));
    return {
      ...(await countNetwork(clients.ec2)),
      ...(await countLoadBalancing(clients.elb)),
      ...(await countEcs(clients.ecs)),
      rdsInstances: DBInstances.length,
      dbSubnetGroups: DBSubnetGroups.length,
      ...(await countDns(clients.route53, clients.serviceDiscovery)),
      certificates: CertificateSummaryList.length,
      repositories: repositories.length,
      buildProjects: projects.length,
      logGroups: logGroups.length,
    };
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

/** The number of resources in an inventory, all types together. */
export function inventorySize(inventory: Inventory): number {
  return Object.values(inventory).reduce((sum, count) => sum + count, 0);
}
