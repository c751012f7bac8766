/**
 * The modeled PruneServices and FinishPruning: a benchmark deploy brings an
 * environment to its own compose file, so there is nothing to prune, and the
 * steps answer as the real ones do then (done; no database kept) after the
 * look-ups they make: the load balancer, its target groups and the public
 * zones, the cluster's services, the namespace's Cloud Map services and the
 * task definition families; then the execution roles, build projects and
 * repositories, and the databases. The real PruneServices reads Route 53 and
 * ELBv2, which the benchmark's AWS does not hold.
 */
import { finishPruning } from '../../functions/steps/finish-pruning.ts';
import { pruneServices } from '../../functions/steps/prune-services.ts';
import type { StepModel } from '../../local/steps.ts';
import type { World } from '../world.ts';
import { fieldsOf } from './fields.ts';

/** The look-ups PruneServices makes once whatever the number of services. */
const PRUNE_CALLS = 10;
/** The look-ups FinishPruning makes once: roles, projects, repositories, databases. */
const FINISH_CALLS = 6;
/** Per-service look-ups (task definition family tags; execution role) run ten at a time. */
const PER_SERVICE_CALLS = 1;
const CONCURRENCY = 10;

export function pruneModel(world: World): Record<string, StepModel> {
  return {
    async [pruneServices.name](stepInput: unknown) {
      await world.calls(PRUNE_CALLS);
      await world.calls(PER_SERVICE_CALLS * serviceCount(stepInput), CONCURRENCY);
      return { done: true };
    },
    async [finishPruning.name](stepInput: unknown) {
      await world.calls(FINISH_CALLS);
      await world.calls(PER_SERVICE_CALLS * serviceCount(stepInput), CONCURRENCY);
      return { keptDatabases: [], warning: '' };
    },
  };
}

function serviceCount(stepInput: unknown): number {
  const services = fieldsOf(stepInput).services;
  return Array.isArray(services) ? services.length : 0;
}
