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
  const [
    { Vpcs = [] },
    { Subnets = [] },
    { InternetGateways = [] },
    { RouteTables = [] },
    { NatGateways = [] },
    { Addresses = [] },
    { SecurityGroups = [] },
  ] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({})),
    ec2.send(new DescribeSubnetsCommand({})),
    ec2.send(new DescribeInternetGatewaysCommand({})),
    ec2.send(new DescribeRouteTablesCommand({})),
    ec2.send(new DescribeNatGatewaysCommand({})),
    ec2.send(new DescribeAddressesCommand({})),
    ec2.send(new DescribeSecurityGroupsCommand({})),
  ]);
  const defaults = new Set(Vpcs.filter((vpc) => vpc.IsDefault).map((vpc) => vpc.VpcId));
  const outsideDefault = (vpcId: string | undefined) => !defaults.has(vpcId);
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
  const [{ LoadBalancers = [] }, { TargetGroups = [] }] = await Promise.all([
    elb.send(new DescribeLoadBalancersCommand({})),
    elb.send(new DescribeTargetGroupsCommand({})),
  ]);
  const perBalancer = await Promise.all(
    LoadBalancers.map(async (balancer) => {
      const { Listeners = [] } = await elb.send(
        new DescribeListenersCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
      );
      return Listeners.length;
    }),
  );
  const listeners = perBalancer.reduce((sum, count) => sum + count, 0);
  return { loadBalancers: LoadBalancers.length, targetGroups: TargetGroups.length, listeners };
}

async function countEcs(ecs: ECSClient) {
  const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
  const { clusters = [] } =
    clusterArns.length > 0 ? await ecs.send(new DescribeClustersCommand({ clusters: clusterArns })) : {};
  const active = clusters
    .filter((cluster) => cluster.status === 'ACTIVE')
    .map((cluster) => cluster.clusterArn);
  const activeServices = async (cluster: string | undefined) => {
    const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster }));
    if (serviceArns.length === 0) return 0;
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns }));
    return services.filter((service) => service.status === 'ACTIVE').length;
  };
  const [perCluster, { taskDefinitionArns = [] }] = await Promise.all([
    Promise.all(active.map(activeServices)),
    ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' })),
  ]);
  const ecsServices = perCluster.reduce((sum, count) => sum + count, 0);
  return {
    ecsClusters: active.length,
    ecsServices,
    activeTaskDefinitions: taskDefinitionArns.length,
  };
}

async function countDns(route53: Route53Client, serviceDiscovery: ServiceDiscoveryClient) {
  const [{ Namespaces = [] }, { HostedZones = [] }] = await Promise.all([
    serviceDiscovery.send(new ListNamespacesCommand({})),
    route53.send(new ListHostedZonesCommand({})),
  ]);
  const namespaceZones = new Set(
    Namespaces.map((namespace) => namespace.Properties?.DnsProperties?.HostedZoneId).map((id) =>
      id?.replace(/^\/hostedzone\//, ''),
    ),
  );
  const zones = HostedZones.filter(
    (zone) =>
      zone.Config?.PrivateZone !== true || namespaceZones.has(zone.Id?.replace(/^\/hostedzone\//, '')),
  );
  const perZone = await Promise.all(
    zones.map(async (zone) => {
      const { ResourceRecordSets = [] } = await route53.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
      );
      return ResourceRecordSets.length;
    }),
  );
  const records = perZone.reduce((sum, count) => sum + count, 0);
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
    // Every count is read at once: an inventory is taken after each trial.
    const [
      network,
      loadBalancing,
      ecs,
      dns,
      { DBInstances = [] },
      { DBSubnetGroups = [] },
      { CertificateSummaryList = [] },
      { repositories = [] },
      { projects = [] },
      { logGroups = [] },
    ] = await Promise.all([
      countNetwork(clients.ec2),
      countLoadBalancing(clients.elb),
      countEcs(clients.ecs),
      countDns(clients.route53, clients.serviceDiscovery),
      clients.rds.send(new DescribeDBInstancesCommand({})),
      clients.rds.send(new DescribeDBSubnetGroupsCommand({})),
      clients.acm.send(new ListCertificatesCommand({})),
      clients.ecr.send(new DescribeRepositoriesCommand({})),
      clients.codebuild.send(new ListProjectsCommand({})),
      clients.logs.send(new DescribeLogGroupsCommand({})),
    ]);
    return {
      ...network,
      ...loadBalancing,
      ...ecs,
      rdsInstances: DBInstances.length,
      dbSubnetGroups: DBSubnetGroups.length,
      ...dns,
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
