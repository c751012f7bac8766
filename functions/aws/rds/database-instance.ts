/**
 * EnsureDatabase: one managed Postgres database of the environment as an RDS
 * instance, with the mode's instance class, encryption, deletion protection,
 * standby in a second zone (Multi-AZ) and automated backup retention. The master password is RDS-managed (Secrets Manager): no
 * password ever passes through the workflow.
 */
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  type RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { DatabaseSpec, Tag } from '../../../core/execution-input.ts';
import type { EnvironmentNames } from '../../../core/names.ts';
import type { Policy } from '../../../core/policy.ts';
import type { NetworkRef, Progress } from '../../resource-refs.ts';
import { StepError } from '../../step-errors.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

export interface EnsureDatabaseInput {
  readonly database: DatabaseSpec;
  readonly policy: Policy;
  readonly network: NetworkRef;
  readonly names: EnvironmentNames;
  /** The deployment's four modeshift tags. */
  readonly tags: readonly Tag[];
}

export interface EnsureDatabaseOutput extends Progress {
  /** The instance's address once it is available; empty before. */
  readonly endpoint: string;
  /** ARN of the RDS-managed secret of the master user's password, once it is available. */
  readonly secretArn?: string;
  /** RDS's DBInstanceStatus: creating, available, modifying, … */
  readonly status: string;
  /** Settings the policy asks for that RDS cannot apply to the existing instance. */
  readonly warnings: string[];
}

/** Statuses a database does not leave without a person's help. */
const STUCK_STATUSES = new Set([
  'failed',
  'storage-full',
  'inaccessible-encryption-credentials',
  'restore-error',
  'stopped',
  'stopping',
]);

/**
 * Creates the database's RDS instance when it is absent, brings an existing
 * one to the policy's class, deletion protection, Multi-AZ and backup
 * retention, and reports whether it
 * is available. Production (applyImmediately false) defers the class change
 * to the maintenance window: the instance stays available with pending
 * modifications, and that counts as ready.
 */
export async function ensureDatabase(
  input: EnsureDatabaseInput,
  clients: { rds: RDSClient },
): Promise<EnsureDatabaseOutput> {
  const { database, policy } = input;
  const identity = environmentIdentity(input.tags);
  const existing = await describeInstance(clients.rds, database.instance);
  if (existing === undefined) {
    return database.snapshot === undefined
      ? createInstance(input, clients.rds)
      : restoreInstance(input, database.snapshot, clients.rds);
  }

  assertOwned(`RDS instance ${database.instance}`, existing.TagList, identity);
  const warnings = [...snapshotNotUsed(database), ...settingWarnings(existing, input)];
  const status = existing.DBInstanceStatus ?? 'unknown';
  if (STUCK_STATUSES.has(status) || status.startsWith('incompatible-')) {
    throw new StepError(
      'Modeshift.DatabaseFailed',
      `RDS instance ${database.instance} is ${status}: it needs a person (see its events in the RDS console) before the deployment can go on`,
    );
  }
  if (status !== 'available') return waiting(status, warnings);

  await retag(clients.rds, existing, input.tags);
  const pendingClass = existing.PendingModifiedValues?.DBInstanceClass ?? existing.DBInstanceClass;
  const classDiffers = pendingClass !== policy.dbInstanceClass;
  const protectionDiffers = existing.DeletionProtection !== policy.dbDeletionProtection;
  const multiAzDiffers = (existing.PendingModifiedValues?.MultiAZ ?? existing.MultiAZ) !== policy.dbMultiAz;
  const backupsDiffer =
    (existing.PendingModifiedValues?.BackupRetentionPeriod ?? existing.BackupRetentionPeriod) !==
    policy.dbBackupRetentionDays;
  // The services read the password from the RDS-managed secret; an instance without one gets it.
  const secretMissing = existing.MasterUserSecret?.SecretArn === undefined;
  if (classDiffers || protectionDiffers || multiAzDiffers || backupsDiffer || secretMissing) {
    // Multi-AZ and backup retention follow applyImmediately as the class does: production adds or
    // drops its standby in the maintenance window, the other modes at once (the instance stays up).
    const modified = await clients.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: database.instance,
        DBInstanceClass: policy.dbInstanceClass,
        DeletionProtection: policy.dbDeletionProtection,
        // Sent only when they change: RDS starts a backup when the retention is set.
        ...(multiAzDiffers ? { MultiAZ: policy.dbMultiAz } : {}),
        ...(backupsDiffer ? { BackupRetentionPeriod: policy.dbBackupRetentionDays } : {}),
        ApplyImmediately: policy.applyImmediately,
        ...(secretMissing ? { ManageMasterUserPassword: true } : {}),
      }),
    );
    if (secretMissing) return waiting(modified.DBInstance?.DBInstanceStatus ?? 'modifying', warnings);
    // A class or Multi-AZ change applied now takes the instance through "modifying"; look again later.
    if ((classDiffers || multiAzDiffers) && policy.applyImmediately) {
      return waiting(modified.DBInstance?.DBInstanceStatus ?? 'modifying', warnings);
    }
  }
  const address = existing.Endpoint?.Address;
  if (!address) return waiting(status, warnings);
  const secretArn = existing.MasterUserSecret?.SecretArn;
  return { ready: true, endpoint: address, ...(secretArn ? { secretArn } : {}), status, warnings };
}

async function describeInstance(rds: RDSClient, instance: string): Promise<DBInstance | undefined> {
  try {
    const { DBInstances } = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }),
    );
    return DBInstances?.find((candidate) => candidate.DBInstanceIdentifier === instance);
  } catch (error) {
    if (hasAwsErrorName(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return undefined;
    throw error;
  }
}

async function createInstance(input: EnsureDatabaseInput, rds: RDSClient): Promise<EnsureDatabaseOutput> {
  const { database, policy, network, names } = input;
  try {
    const created = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: database.instance,
        Engine: 'postgres',
        EngineVersion: database.version,
        DBInstanceClass: policy.dbInstanceClass,
        AllocatedStorage: database.storageGiB,
        StorageType: 'gp3',
        StorageEncrypted: policy.storageEncrypted,
        DeletionProtection: policy.dbDeletionProtection,
        MultiAZ: policy.dbMultiAz,
        BackupRetentionPeriod: policy.dbBackupRetentionDays,
        ManageMasterUserPassword: true,
        MasterUsername: database.username,
        DBName: database.databaseName,
        DBSubnetGroupName: names.dbSubnetGroup,
        VpcSecurityGroupIds: [network.securityGroups.database],
        PubliclyAccessible: false,
        CopyTagsToSnapshot: true,
        Tags: input.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
    return waiting(created.DBInstance?.DBInstanceStatus ?? 'creating', []);
  } catch (error) {
    // Created meanwhile by an earlier attempt: the next call finds it and checks its tags.
    if (hasAwsErrorName(error, 'DBInstanceAlreadyExistsFault')) return waiting('creating', []);
    throw error;
  }
}

/**
 * Creates the instance from a snapshot (a production down's final snapshot, or one the request
 * names), with the mode's class, standby, protection, network and tags. The snapshot decides
 * encryption, storage and the master user; the next look brings backups and the RDS-managed
 * password secret to the policy, as for any existing instance.
 */
async function restoreInstance(
  input: EnsureDatabaseInput,
  snapshot: string,
  rds: RDSClient,
): Promise<EnsureDatabaseOutput> {
  const { database, policy, network, names } = input;
  try {
    const restored = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: database.instance,
        DBSnapshotIdentifier: snapshot,
        DBInstanceClass: policy.dbInstanceClass,
        MultiAZ: policy.dbMultiAz,
        DeletionProtection: policy.dbDeletionProtection,
        DBSubnetGroupName: names.dbSubnetGroup,
        VpcSecurityGroupIds: [network.securityGroups.database],
        PubliclyAccessible: false,
        StorageType: 'gp3',
        CopyTagsToSnapshot: true,
        Tags: input.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
    return waiting(restored.DBInstance?.DBInstanceStatus ?? 'creating', []);
  } catch (error) {
    if (hasAwsErrorName(error, 'DBInstanceAlreadyExistsFault')) return waiting('creating', []);
    if (hasAwsErrorName(error, 'DBSnapshotNotFoundFault', 'DBSnapshotNotFound')) {
      throw new StepError(
        'Modeshift.SnapshotNotFound',
        `database ${database.name}: snapshot ${snapshot} does not exist (see the environment's final snapshots with modeshift audit, or name another)`,
      );
    }
    throw error;
  }
}

/** A snapshot named for a database that exists already is not restored over it: the deploy says so. */
function snapshotNotUsed(database: DatabaseSpec): string[] {
  if (database.snapshot === undefined) return [];
  return [
    `RDS instance ${database.instance} exists: snapshot ${database.snapshot} is not restored over it (a deploy never replaces a database's data; take the environment down first to restore)`,
  ];
}

/** Brings the instance's modeshift tags (mode, deployment) up to date when they differ. */
async function retag(rds: RDSClient, instance: DBInstance, tags: readonly Tag[]): Promise<void> {
  const current = new Map((instance.TagList ?? []).map((tag) => [tag.Key, tag.Value]));
  const stale = tags.filter((tag) => current.get(tag.Key) !== tag.Value);
  if (stale.length === 0 || instance.DBInstanceArn === undefined) return;
  await rds.send(
    new AddTagsToResourceCommand({
      ResourceName: instance.DBInstanceArn,
      Tags: stale.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
    }),
  );
}

/** What the policy asks for that an existing instance cannot get in place. */
function settingWarnings(instance: DBInstance, input: EnsureDatabaseInput): string[] {
  const { database, policy } = input;
  const warnings: string[] = [];
  if (instance.StorageEncrypted !== undefined && instance.StorageEncrypted !== policy.storageEncrypted) {
    warnings.push(
      `RDS instance ${database.instance}: storage encryption is ${onOff(instance.StorageEncrypted)} but the policy asks for ${onOff(policy.storageEncrypted)}; RDS cannot change encryption of an existing instance (restore an encrypted snapshot copy to change it)`,
    );
  }
  const storage = instance.PendingModifiedValues?.AllocatedStorage ?? instance.AllocatedStorage;
  if (storage !== undefined && storage !== database.storageGiB) {
    warnings.push(
      `RDS instance ${database.instance}: allocated storage is ${storage} GiB, the request asks for ${database.storageGiB} GiB; modeshift does not resize storage of an existing instance`,
    );
  }
  return warnings;
}

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

function waiting(status: string, warnings: string[]): EnsureDatabaseOutput {
  return { ready: false, endpoint: '', status, warnings };
}
