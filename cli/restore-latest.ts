/**
 * `deploy --restore-latest`: each managed database and cache of the request
 * that does not exist is created from its newest final snapshot, the one the
 * environment's last production down kept (`<instance>-final-<stamp>`,
 * `<group>-final-<stamp>`). A store that exists is left as it is (a deploy
 * never restores over data); a missing one without a final snapshot stops the
 * deploy before anything changes, rather than come back empty.
 */
import {
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, paginateDescribeDBSnapshots, type RDSClient } from '@aws-sdk/client-rds';
import { InputError, type Problem } from '../core/errors.ts';
import { cacheNames, databaseNames } from '../core/names.ts';
import { hasAwsErrorName } from '../functions/aws/errors.ts';
import type { LoadedRequest } from './compose-options.ts';

export interface RestoreClients {
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
}

/** The newest of `names` by the `-final-<stamp>` they end in (stamps sort as they read). */
function newest(names: readonly string[]): string | undefined {
  return [...names].sort().at(-1);
}

async function databaseExists(rds: RDSClient, instance: string): Promise<boolean> {
  try {
    const { DBInstances = [] } = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }),
    );
    return DBInstances.some(
      (found) => found.DBInstanceIdentifier === instance && found.DBInstanceStatus !== 'deleting',
    );
  } catch (error) {
    if (hasAwsErrorName(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return false;
    throw error;
  }
}

async function latestDatabaseSnapshot(rds: RDSClient, instance: string): Promise<string | undefined> {
  const prefix = `${instance}-final-`;
  const names: string[] = [];
  for await (const page of paginateDescribeDBSnapshots({ client: rds }, { DBInstanceIdentifier: instance })) {
    for (const snapshot of page.DBSnapshots ?? []) {
      const id = snapshot.DBSnapshotIdentifier ?? '';
      if (id.startsWith(prefix) && snapshot.Status !== 'deleting') names.push(id);
    }
  }
  return newest(names);
}

async function cacheExists(elasticache: ElastiCacheClient, group: string): Promise<boolean> {
  try {
    const { ReplicationGroups = [] } = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: group }),
    );
    return ReplicationGroups.some(
      (found) => found.ReplicationGroupId === group && found.Status !== 'deleting',
    );
  } catch (error) {
    if (hasAwsErrorName(error, 'ReplicationGroupNotFoundFault')) return false;
    throw error;
  }
}

async function latestCacheSnapshot(
  elasticache: ElastiCacheClient,
  group: string,
): Promise<string | undefined> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await elasticache.send(new DescribeSnapshotsCommand({ Marker: marker }));
    for (const snapshot of page.Snapshots ?? []) {
      const name = snapshot.SnapshotName ?? '';
      if (name.startsWith(`${group}-final-`)) names.push(name);
    }
    marker = page.Marker;
  } while (marker);
  return newest(names);
}

/** The request with each missing store's newest final snapshot to restore from; `log` says which. */
export async function withLatestSnapshots(
  loaded: LoadedRequest,
  clients: RestoreClients,
  log: (line: string) => void,
): Promise<LoadedRequest> {
  const { project, environment } = loaded.request;
  const problems: Problem[] = [];
  const databases = await Promise.all(
    loaded.request.databases.map(async (database, i) => {
      if (database.snapshot !== undefined) return database;
      const { instance, finalSnapshotPrefix } = databaseNames(project, environment, database.name);
      if (await databaseExists(clients.rds, instance)) {
        log(`restore: database ${database.name} exists (${instance}); it is kept as it is`);
        return database;
      }
      const snapshot = await latestDatabaseSnapshot(clients.rds, instance);
      if (snapshot === undefined) {
        problems.push({
          path: `databases[${i}]`,
          message: `--restore-latest: database ${database.name} has no final snapshot (${finalSnapshotPrefix}-*) to restore from`,
        });
        return database;
      }
      log(`restore: database ${database.name} from ${snapshot}`);
      return { ...database, snapshot };
    }),
  );
  const caches = await Promise.all(
    loaded.request.caches.map(async (cache, i) => {
      if (cache.snapshot !== undefined) return cache;
      const { replicationGroup, finalSnapshotPrefix } = cacheNames(project, environment, cache.name);
      if (await cacheExists(clients.elasticache, replicationGroup)) {
        log(`restore: cache ${cache.name} exists (${replicationGroup}); it is kept as it is`);
        return cache;
      }
      const snapshot = await latestCacheSnapshot(clients.elasticache, replicationGroup);
      if (snapshot === undefined) {
        problems.push({
          path: `caches[${i}]`,
          message: `--restore-latest: cache ${cache.name} has no final snapshot (${finalSnapshotPrefix}-*) to restore from`,
        });
        return cache;
      }
      log(`restore: cache ${cache.name} from ${snapshot}`);
      return { ...cache, snapshot };
    }),
  );
  if (problems.length > 0) throw new InputError(problems);
  return { ...loaded, request: { ...loaded.request, databases, caches } };
}
