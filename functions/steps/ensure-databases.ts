/**
 * EnsureDatabases: every managed Postgres of the environment at once (each
 * as EnsureDatabase brings it: created, or brought to the mode's class and
 * protection), ready when all are available. One step and one wait loop for
 * all databases, rather than one per database.
 */
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { DatabaseSpec } from '../../core/execution-input.ts';
import type { EnvironmentNames } from '../../core/names.ts';
import type { Policy } from '../../core/policy.ts';
import { environmentIdentity } from '../aws/environment-tags.ts';
import { ensureDatabase } from '../aws/rds/database-instance.ts';
import { assertSubnetGroupOwned } from '../aws/rds/db-subnet-group.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { DatabaseEndpoint, NetworkRef, Progress, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface EnsureDatabasesInput {
  readonly databases: readonly DatabaseSpec[];
  readonly policy: Policy;
  readonly network: NetworkRef;
  readonly names: EnvironmentNames;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
}

export interface EnsureDatabasesOutput extends Progress {
  /** Every database once all are available; empty until then. */
  readonly endpoints: readonly DatabaseEndpoint[];
  /** What the policy asks for that an existing instance cannot get in place. */
  readonly warnings: readonly string[];
}

/** RDS control-plane calls in flight at once. */
const CONCURRENCY = 5;

export const ensureDatabases = defineStep({
  name: 'EnsureDatabases',
  clients: { rds: RDSClient },
  sends: [
    AddTagsToResourceCommand,
    CreateDBInstanceCommand,
    DescribeDBInstancesCommand,
    DescribeDBSubnetGroupsCommand,
    ListTagsForResourceCommand,
    ModifyDBInstanceCommand,
    RestoreDBInstanceFromDBSnapshotCommand,
  ],
  settings: [
    'dbInstanceClass',
    'applyImmediately',
    'storageEncrypted',
    'dbDeletionProtection',
    'dbMultiAz',
    'dbBackupRetentionDays',
  ],
  async run(input: EnsureDatabasesInput, clients): Promise<EnsureDatabasesOutput> {
    // EnsureDbSubnetGroup goes on when a group of that name exists: it must be this environment's.
    await assertSubnetGroupOwned(clients.rds, input.names.dbSubnetGroup, environmentIdentity(input.tags));
    const results = await mapConcurrently(input.databases, CONCURRENCY, (database) =>
      ensureDatabase(
        { database, policy: input.policy, network: input.network, names: input.names, tags: input.tags },
        clients,
      ),
    );
    const warnings = results.flatMap((result) => result.warnings);
    const waiting = results.filter((result) => !result.ready);
    if (waiting.length > 0) return { ready: false, endpoints: [], warnings };
    const endpoints = input.databases.map((database, index) => ({
      name: database.name,
      instance: database.instance,
      databaseName: database.databaseName,
      username: database.username,
      endpoint: results[index]?.endpoint ?? '',
      secretArn: results[index]?.secretArn ?? '',
    }));
    return { ready: true, endpoints, warnings };
  },
  settled: (output) => output.ready,
});

export const handler = lambdaHandler(ensureDatabases);
