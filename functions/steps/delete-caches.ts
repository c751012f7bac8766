/**
 * DeleteCaches: the environment's ElastiCache replication groups, all at
 * once, with a final snapshot (`<group>-final-<stamp>`, kept) or without one,
 * as the workflow's FinalSnapshotPolicy chose.
 *
 * The final snapshot is taken with CreateSnapshot, carrying the environment's
 * tags, and the group is deleted once the snapshot is available, rather than
 * by DeleteReplicationGroup's FinalSnapshotIdentifier: a snapshot taken that
 * way has no tags, and a down stopped before it tagged one would leave a
 * snapshot nothing finds as the environment's. Taken first, the snapshot is
 * tagged from the start, and a down run again finds it (SnapshotAlreadyExists)
 * and goes on. A group already gone or already being deleted counts as
 * deleted; functions/steps/check-caches-deleted.ts waits for them.
 */
import {
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { hasAwsErrorName } from '../aws/errors.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

export interface DeleteCachesInput {
  /** The groups functions/steps/find-caches.ts found. */
  readonly caches: ReadonlyArray<{ readonly replicationGroup: string }>;
  /** true: keep a final snapshot of each (production); false: delete without one. */
  readonly finalSnapshot: boolean;
  /** `YYYYMMDDhhmmss` of the down request, in the final snapshot names. */
  readonly stamp: string;
  /** The environment's project and environment tags, which each final snapshot carries. @default [] */
  readonly environmentTags?: readonly Tag[];
}

export interface DeleteCachesOutput {
  /** true once every group's delete has been asked for (after its final snapshot, when there is one). */
  readonly done: boolean;
  /** The final snapshots kept, by name. */
  readonly snapshots: readonly string[];
}

const CONCURRENCY = 5;

/** Where a group's final snapshot is: `available` once it can be relied on. */
async function finalSnapshot(
  elasticache: ElastiCacheClient,
  replicationGroup: string,
  name: string,
  tags: readonly Tag[],
): Promise<string> {
  const found = await elasticache.send(new DescribeSnapshotsCommand({ SnapshotName: name })).then(
    (page) => page.Snapshots?.find((snapshot) => snapshot.SnapshotName === name),
    (error: unknown) => {
      if (hasAwsErrorName(error, 'SnapshotNotFoundFault')) return undefined;
      throw error;
    },
  );
  if (found !== undefined) return found.SnapshotStatus ?? 'creating';
  try {
    const { Snapshot } = await elasticache.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: replicationGroup,
        SnapshotName: name,
        Tags: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
    return Snapshot?.SnapshotStatus ?? 'creating';
  } catch (error) {
    // Taken meanwhile by an earlier attempt: the next look finds it.
    if (hasAwsErrorName(error, 'SnapshotAlreadyExistsFault')) return 'creating';
    throw error;
  }
}

export const deleteCaches = defineStep({
  name: 'DeleteCaches',
  clients: { elasticache: ElastiCacheClient },
  sends: [DescribeSnapshotsCommand, CreateSnapshotCommand, DeleteReplicationGroupCommand],
  async run(input: DeleteCachesInput, { elasticache }): Promise<DeleteCachesOutput> {
    const results = await mapConcurrently(input.caches, CONCURRENCY, async ({ replicationGroup }) => {
      const name = `${replicationGroup}-final-${input.stamp}`;
      if (input.finalSnapshot) {
        const status = await finalSnapshot(elasticache, replicationGroup, name, input.environmentTags ?? []);
        if (status === 'failed') {
          throw new StepError(
            'Modeshift.SnapshotFailed',
            `the final snapshot ${name} of ElastiCache replication group ${replicationGroup} failed: the group is kept (see its events in the ElastiCache console)`,
          );
        }
        if (status !== 'available') return { deleting: false, snapshot: name };
      }
      try {
        await elasticache.send(
          new DeleteReplicationGroupCommand({
            ReplicationGroupId: replicationGroup,
            RetainPrimaryCluster: false,
          }),
        );
      } catch (error) {
        // Gone, or already being deleted by an earlier attempt of this step.
        if (!hasAwsErrorName(error, 'ReplicationGroupNotFoundFault', 'InvalidReplicationGroupStateFault'))
          throw error;
      }
      return { deleting: true, snapshot: input.finalSnapshot ? name : undefined };
    });
    return {
      done: results.every((result) => result.deleting),
      snapshots: results.flatMap((result) => (result.snapshot ? [result.snapshot] : [])),
    };
  },
  settled: (output) => output.done,
});

export const handler = lambdaHandler(deleteCaches);
