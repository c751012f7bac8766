/**
 * The modeled PruneServices: a benchmark deploy brings an environment to its
 * own compose file, so there is nothing to prune, and the step answers as the
 * real one does then (done, no database kept) after the look-ups it makes:
 * the load balancer, its target groups and the public zones, the cluster's
 * services, the namespace's Cloud Map services, the task definition families,
 * execution roles, build projects and repositories, the databases. The real
 * step reads IAM, Route 53 and ELBv2, which the benchmark's AWS does not hold.
 */
import { pruneServices } from '../../functions/steps/prune-services.ts';
import type { StepModel } from '../../local/steps.ts';
import type { World } from '../world.ts';
import { fieldsOf } from './fields.ts';

/** The look-ups made once whatever the number of services. */
const FIXED_CALLS = 16;
/** Per-service look-ups (task definition family tags, execution role) run ten at a time. */
const PER_SERVICE_CALLS = 2;
const CONCURRENCY = 10;

export function pruneModel(world: World): Record<string, StepModel> {
  return {
    async [pruneServices.name](stepInput: unknown) {
      const services = fieldsOf(stepInput).services;
      const count = Array.isArray(services) ? services.length : 0;
      await world.calls(FIXED_CALLS);
      await world.calls(PER_SERVICE_CALLS * count, CONCURRENCY);
      return { done: true, keptDatabases: [], warning: '' };
    },
  };
}
