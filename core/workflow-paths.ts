/**
 * The per-mode path through the deploy and down workflows for one request:
 * what `modeshift plan` shows and what the local engine must take.
 */
import type { DeployInput } from './execution-input.ts';
import { buildDownInput } from './execution-input.ts';
import type { Mode } from './policy.ts';
import { workflowDefinition } from './workflow-definitions.ts';
import { DEFAULT_ASSUMPTIONS, traceWorkflow, type WorkflowPath } from './workflow-path.ts';

/** The deploy's path; `previousMode` is the environment's mode before it (none for a first deploy). */
export function deployPath(input: DeployInput, previousMode?: Mode): WorkflowPath {
  const previous =
    previousMode === undefined
      ? {}
      : { Attributes: { mode: { S: previousMode }, status: { S: 'deployed' } } };
  return traceWorkflow(workflowDefinition('deploy'), input, {
    ...DEFAULT_ASSUMPTIONS,
    '$.previous': previous,
    // What CollectFoundations gathers (a Parallel's branches' results are not traced): behind the
    // project's shared load balancer where the input has one. An environment kept in a network of its
    // own is not; the plan assumes a first deploy's network.
    '$.foundations': { loadBalancer: { shared: input.sharedNetwork?.loadBalancer === true } },
  });
}

/** The path a confirmed down of the deployed environment takes. */
export function downPath(input: DeployInput, now: Date): WorkflowPath {
  const down = buildDownInput(
    { project: input.project, environment: input.environment, confirm: input.environment },
    now,
  );
  return traceWorkflow(workflowDefinition('down'), down, {
    ...DEFAULT_ASSUMPTIONS,
    '$.record': { Item: { mode: { S: input.mode } } },
    '$.current': { mode: input.mode, policy: input.policy },
    '$.foundCaches': {
      caches: input.caches.map((cache) => ({ replicationGroup: cache.replicationGroup })),
      subnetGroup: input.caches.length > 0,
    },
    '$.found': {
      databases: input.databases.map((database) => ({
        instance: database.instance,
        deletionProtection: input.policy.dbDeletionProtection,
      })),
    },
  });
}
