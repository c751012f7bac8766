/**
 * Modeled deploy steps: the one-off foundations (network, NAT gateways, load
 * balancer, private namespace, public zones, certificate, listeners, DNS
 * records). Each answers as its real step (functions/steps/) does, in the
 * same shape, after the calls the real step would make and with the timing
 * of the latency model; none of their per-call logic is exercised here (the
 * unit tests under test/functions/steps cover it). The steps that scale with
 * the number of services run for real against the in-memory AWS.
 */
import { ensureCertificate } from '../../functions/steps/ensure-certificate.ts';
import { ensureListeners } from '../../functions/steps/ensure-listeners.ts';
import { ensureLoadBalancer } from '../../functions/steps/ensure-load-balancer.ts';
import { ensureNatGateways } from '../../functions/steps/ensure-nat-gateways.ts';
import { ensureNetwork } from '../../functions/steps/ensure-network.ts';
import { ensurePrivateNamespace } from '../../functions/steps/ensure-private-namespace.ts';
import { ensurePublicZones } from '../../functions/steps/ensure-public-zones.ts';
import { writeDnsRecords } from '../../functions/steps/write-dns-records.ts';
import type { StepModel } from '../../local/steps.ts';
import type { World } from '../world.ts';
import { fieldsOf } from './fields.ts';

const NETWORK = {
  vpcId: 'vpc-bench',
  publicSubnetIds: ['subnet-pa', 'subnet-pb'],
  privateSubnetIds: ['subnet-qa', 'subnet-qb'],
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  internetGatewayId: 'igw-bench',
  publicRouteTableId: 'rtb-public',
  privateRouteTableIds: ['rtb-a', 'rtb-b'],
  securityGroups: { loadBalancer: 'sg-lb', services: 'sg-services', database: 'sg-db' },
  shared: null,
};

const LOAD_BALANCER_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bench/1';

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function foundationModels(world: World): Record<string, StepModel> {
  return {
    async [ensureNetwork.name]() {
      world.start('network', 'ec2:CreateVpc');
      await world.until('network');
      return NETWORK;
    },
    async [ensureNatGateways.name](stepInput: unknown) {
      const input = fieldsOf(stepInput);
      const count = Number(input.count ?? 0);
      await world.calls(3 + count);
      const keys = Array.from({ length: count }, (_, index) => `nat:${index}`);
      for (const key of keys) world.start(key, 'ec2:CreateNatGateway');
      const ready = keys.every((key) => world.ready(key));
      return { count, natGatewayIds: keys, ready };
    },
    async [ensureLoadBalancer.name](stepInput: unknown) {
      const input = fieldsOf(stepInput);
      const targetGroups = list<{ service: string; name: string; port: number }>(input.targetGroups);
      await world.calls(8 + 2 * targetGroups.length);
      world.start('lb', 'elasticloadbalancingv2:CreateLoadBalancer');
      return {
        arn: LOAD_BALANCER_ARN,
        dnsName: 'bench-1.us-east-1.elb.amazonaws.com',
        canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
        accessLogBucket: 'bench-lb-logs',
        shared: false,
        targetGroups: targetGroups.map((group) => ({
          service: group.service,
          port: group.port,
          arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${group.name}/1`,
        })),
      };
    },
    async [ensurePrivateNamespace.name]() {
      await world.calls(2);
      world.start('namespace', 'servicediscovery:CreatePrivateDnsNamespace');
      const ready = world.ready('namespace');
      return {
        id: 'ns-bench',
        name: 'bench.internal',
        hostedZoneId: 'ZPRIVATE',
        ready,
      };
    },
    async [ensurePublicZones.name](stepInput: unknown) {
      const input = fieldsOf(stepInput);
      const zones = list<{ name: string; domain: string }>(input.zones);
      await world.calls(2 * zones.length);
      return { zones: zones.map((zone, index) => ({ ...zone, id: `ZPUBLIC${index}` })) };
    },
    async [ensureCertificate.name]() {
      await world.calls(3);
      const record = world.start('certificate-record', 'route53:ChangeResourceRecordSets');
      world.start('certificate', 'acm:RequestCertificate', record.readyAt);
      const issued = world.ready('certificate');
      return {
        arn: 'arn:aws:acm:us-east-1:123456789012:certificate/bench',
        status: issued ? 'ISSUED' : 'PENDING_VALIDATION',
        ready: issued,
      };
    },
    async [ensureListeners.name](stepInput: unknown) {
      const input = fieldsOf(stepInput);
      await world.calls(4 + 2 * list(input.publicServices).length);
      return {
        httpListenerArn: `${LOAD_BALANCER_ARN}/listener/http`,
        ...(input.mode === 'redirect' ? { httpsListenerArn: `${LOAD_BALANCER_ARN}/listener/https` } : {}),
      };
    },
    async [writeDnsRecords.name](stepInput: unknown) {
      const input = fieldsOf(stepInput);
      const written = list(input.publicServices).length + list(input.databases).length;
      await world.calls(2 + list(input.zones).length);
      world.start('dns-records', 'route53:ChangeResourceRecordSets');
      return { written };
    },
  };
}
