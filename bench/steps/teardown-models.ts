/**
 * Modeled down steps: the load balancer, certificate, build resources,
 * private namespace, network, zones and access-log bucket, each answering as
 * its real step does after the calls it would make and with the latency
 * model's timing. The steps that scale with the number of services or
 * databases run for real against the in-memory AWS.
 */
import { deleteAccessLogBucket } from '../../functions/steps/delete-access-log-bucket.ts';
import { deleteBuildResources } from '../../functions/steps/delete-build-resources.ts';
import { deleteCertificate } from '../../functions/steps/delete-certificate.ts';
import { deleteLoadBalancer } from '../../functions/steps/delete-load-balancer.ts';
import { deleteNetwork } from '../../functions/steps/delete-network.ts';
import { deletePrivateNamespace } from '../../functions/steps/delete-private-namespace.ts';
import { disableLoadBalancerProtection } from '../../functions/steps/disable-load-balancer-protection.ts';
import { purgeAndDeleteZones } from '../../functions/steps/purge-and-delete-zones.ts';
import { removeServiceRecords } from '../../functions/steps/remove-service-records.ts';
import type { StepModel } from '../../local/steps.ts';
import type { World } from '../world.ts';
import { fieldsOf } from './fields.ts';

export function teardownModels(world: World, builds: () => number): Record<string, StepModel> {
  const progress = (key: string) => ({ done: world.ready(key) });
  return {
    async [disableLoadBalancerProtection.name]() {
      await world.calls(2);
      return {};
    },
    async [deleteLoadBalancer.name]() {
      await world.calls(4);
      world.start('delete-lb', 'elasticloadbalancingv2:DeleteLoadBalancer');
      return progress('delete-lb');
    },
    async [deleteCertificate.name]() {
      await world.calls(3);
      return {};
    },
    async [deleteBuildResources.name]() {
      await world.calls(4 + 2 * builds(), 5);
      return {};
    },
    async [deletePrivateNamespace.name]() {
      await world.calls(4);
      world.start('delete-namespace', 'servicediscovery:DeleteNamespace');
      return progress('delete-namespace');
    },
    async [deleteNetwork.name](stepInput: unknown) {
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
    async [purgeAndDeleteZones.name]() {
      await world.calls(6);
      return {};
    },
    async [removeServiceRecords.name]() {
      await world.calls(4);
      return {};
    },
    async [deleteAccessLogBucket.name]() {
      await world.calls(4);
      return {};
    },
  };
}
