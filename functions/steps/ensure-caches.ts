/**
 * EnsureCaches: every managed cache of the environment at once (each as
 * functions/aws/elasticache/replication-group.ts brings it: created, or
 * brought to the mode's node type and replicas), ready when all are
 * available. One step and one wait loop for all caches.
 */
import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import type { CacheSpec } from '../../core/execution-input.ts';
import type { EnvironmentNames } from '../../core/names.ts';
import type { Policy } from '../../core/policy.ts';
import { assertCacheSubnetGroupOwned } from '../aws/elasticache/cache-subnet-group.ts';
import { ensureCache } from '../aws/elasticache/replication-group.ts';
import { environmentIdentity } from '../aws/environment-tags.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { CacheEndpoint, NetworkRef, Progress, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface EnsureCachesInput {
  readonly caches: readonly CacheSpec[];
  readonly policy: Policy;
  readonly network: NetworkRef;
  readonly names: EnvironmentNames;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
  readonly force: boolean;
}

export interface EnsureCachesOutput extends Progress {
  /** Every cache's primary endpoint once all are available; empty until then. */
  readonly endpoints: readonly CacheEndpoint[];
  /** What the policy asks for that an existing group cannot get in place. */
  readonly warnings: readonly string[];
}

/** ElastiCache control-plane calls in flight at once. */
const CONCURRENCY = 5;

export const ensureCaches = defineStep({
  name: 'EnsureCaches',
  clients: { elasticache: ElastiCacheClient },
  sends: [
    CreateReplicationGroupCommand,
    DecreaseReplicaCountCommand,
    DescribeCacheSubnetGroupsCommand,
    DescribeReplicationGroupsCommand,
    IncreaseReplicaCountCommand,
    ListTagsForResourceCommand,
    ModifyReplicationGroupCommand,
  ],
  settings: [
    'cacheNodeType',
    'cacheReplicas',
    'cacheTransitEncryption',
    'storageEncrypted',
    'applyImmediately',
  ],
  async run(input: EnsureCachesInput, clients): Promise<EnsureCachesOutput> {
    // EnsureCacheSubnetGroup goes on when a group of that name exists: it must be this environment's.
    await assertCacheSubnetGroupOwned(
      clients.elasticache,
      input.names.cacheSubnetGroup,
      environmentIdentity(input.tags),
    );
    const results = await mapConcurrently(input.caches, CONCURRENCY, (cache) =>
      ensureCache(
        {
          cache,
          policy: input.policy,
          network: input.network,
          names: input.names,
          tags: input.tags,
          force: input.force,
        },
        clients,
      ),
    );
    const warnings = results.flatMap((result) => result.warnings);
    if (results.some((result) => !result.ready)) return { ready: false, endpoints: [], warnings };
    return {
      ready: true,
      endpoints: results.flatMap((result) => (result.endpoint ? [result.endpoint] : [])),
      warnings,
    };
  },
  settled: (output) => output.ready,
});

export const handler = lambdaHandler(ensureCaches);
