/**
 * SnapshotDatabases: before the run-once tasks of a production deploy (a
 * migration), a manual snapshot of each database they are wired to,
 * `<instance>-pre-<deployment>`, with the environment's tags: a bad migration can
 * be rolled back by restoring it. modeshift never deletes it (the audit
 * counts it among the snapshots a down keeps). The step is called until every
 * snapshot is available (`Modeshift.NotReady` in between); a snapshot that
 * fails stops the deploy before the tasks run. Named by the deployment, so
 * that running the same deployment again (after a failed migration) keeps
 * the snapshot of the data as it was before its first attempt.
 */
import {
  CreateDBSnapshotCommand,
  type DBSnapshot,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { DatabaseSpec, ServiceSpec } from '../../core/execution-input.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

export interface SnapshotDatabasesInput {
  /** The run-once services: the databases they are wired to are snapshotted. */
  readonly tasks: ReadonlyArray<Pick<ServiceSpec, 'name' | 'database'>>;
  readonly databases: ReadonlyArray<Pick<DatabaseSpec, 'name' | 'instance'>>;
  /** The deployment id: in the snapshots' names, the same on every run of one deployment. */
  readonly deploymentId: string;
  readonly tags: readonly Tag[];
}

export interface SnapshotDatabasesOutput {
  /** true once every snapshot is available. */
  readonly done: boolean;
  /** The snapshots, by identifier. */
  readonly snapshots: readonly string[];
}

/**
 * `<instance>-pre-<deployment>`: what a restore after a bad migration names. The deployment id is
 * made a snapshot identifier's part: lower case, letters and digits, single hyphens.
 */
export function preRunOnceSnapshot(instance: string, deploymentId: string): string {
  const part = deploymentId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${instance}-pre-${part}`;
}

async function describeSnapshot(rds: RDSClient, id: string): Promise<DBSnapshot | undefined> {
  try {
    const { DBSnapshots = [] } = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return DBSnapshots[0];
  } catch (error) {
    if (hasAwsErrorName(error, 'DBSnapshotNotFoundFault', 'DBSnapshotNotFound')) return undefined;
    throw error;
  }
}

export const snapshotDatabases = defineStep({
  name: 'SnapshotDatabases',
  clients: { rds: RDSClient },
  sends: [CreateDBSnapshotCommand, DescribeDBSnapshotsCommand],
  settings: ['snapshotBeforeRunOnce'],
  async run(input: SnapshotDatabasesInput, { rds }): Promise<SnapshotDatabasesOutput> {
    const wired = new Set(
      input.tasks.flatMap((task) => (task.database === undefined ? [] : [task.database])),
    );
    const instances = input.databases.filter((database) => wired.has(database.name));
    const states = await Promise.all(
      instances.map(async ({ instance }) => {
        const id = preRunOnceSnapshot(instance, input.deploymentId);
        const found = await describeSnapshot(rds, id);
        if (found === undefined) {
          await rds.send(
            new CreateDBSnapshotCommand({
              DBInstanceIdentifier: instance,
              DBSnapshotIdentifier: id,
              Tags: [...input.tags],
            }),
          );
          return { id, status: 'creating' };
        }
        return { id, status: found.Status ?? 'creating' };
      }),
    );
    const failed = states.filter((state) => state.status === 'failed');
    if (failed.length > 0)
      throw new StepError(
        'Modeshift.SnapshotFailed',
        `the snapshot before the run-once tasks failed: ${failed.map((state) => state.id).join(', ')}; no task ran`,
      );
    return {
      done: states.every((state) => state.status === 'available'),
      snapshots: states.map((state) => state.id),
    };
  },
  settled: (output) => output.done,
});

export const handler = lambdaHandler(snapshotDatabases);
