/**
 * Modeled down steps: the load balancer, certificate, build resources,
 * private namespace, network, zones and access-log bucket, each answering as
 * its real step does after the calls it would make and with the latency
 * model's timing. The steps that scale with the number of services or
 * databases run for real against the in-memory AWS.
 */
import type { StepHandler } from '../../functions/steps/registry.ts';
import type { World } from '../world.ts';
import { fieldsOf } from './fields.ts';

export function teardownModels(world: World, builds: () => number): Record<string, StepHandler> {
  const progress = (key: string) => ({ done: world.ready(key) });
  return {
    async DisableLoadBalancerProtection() {
      await world.calls(2);
      return {};
    },
    async DeleteLoadBalancer() {
      await world.calls(4);
      world.start('delete-lb', 'elasticloadbalancingv2:DeleteLoadBalancer');
      return progress('delete-lb');
    },
    async DeleteCertificate() {
      await world.calls(3);
      return {};
    },
    async DeleteBuildResources() {
      await world.calls(4 + 2 * builds(), 5);
      return {};
    },
    async DeletePrivateNamespace() {
      await world.calls(4);
      world.start('delete-namespace', 'servicediscovery:DeleteNamespace');
      return progress('delete-namespace');
    },
    async DeleteNetwork(stepInput: unknown) {
      const input = fieldsOf(stepInput);
      await world.calls(6);
      const gateways = world.log.filter((step) => step.operation === 'ec2:CreateNatGateway').length;
      const deleted = Array.from({ length: gateways }, (_, index) => `delete-nat:${index}`);
      for (const key of deleted) world.start(key, 'ec2:DeleteNatGateway');
      const natGone = deleted.every((key) => world.ready(key));
      if (input.scope === 'nat-gateways' || !natGone) return { done: natGone };
      world.start('delete-vpc', 'ec2:DeleteVpc');
      return { done: world.ready('delete-vpc') };
    },
    async PurgeAndDeleteZones() {
      await world.calls(6);
      return {};
    },
    async RemoveServiceRecords() {
      await world.calls(4);
      return {};
    },
    async DeleteAccessLogBucket() {
      await world.calls(4);
      return {};
    },
  };
}
