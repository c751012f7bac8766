/**
 * Attacks on production data by request, end to end on the local AWS through
 * the CLI: each is tried against a deployed production environment, the
 * victim's database and record are read back, and the attack counted
 * (stats.ts) before it is asserted refused.
 *
 * - a forced production → development change without confirm;
 * - production overrides that weaken data protection without confirm, and
 *   encryption at rest turned off in any mode;
 * - a down without confirm;
 * - a confirmed downgrade followed by an unconfirmed down: the database goes,
 *   but only after its final snapshot.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseNames } from '../../core/names.ts';
import { type LocalAws, startLocalAws } from '../../emulator/local-aws.ts';
import { openTarget, type Target } from '../../local/target.ts';
import { runCli, SHOP_EXAMPLE } from '../support/cli.ts';
import { countAttack } from './stats.ts';

let local: LocalAws;
let target: Target;
let rds: RDSClient;

beforeAll(async () => {
  local = await startLocalAws();
  target = await openTarget(local.endpoint, { env: {} });
  rds = target.clients('rds') as RDSClient;
});

afterAll(async () => {
  await target?.close();
  await local?.stop();
});

const onLocalAws = (...args: string[]) => runCli([...args, '--endpoint', local.endpoint]);
const deploy = (environment: string, mode: string, ...extra: string[]) =>
  onLocalAws('deploy', '-f', SHOP_EXAMPLE, '--env', environment, '--mode', mode, '--quiet', ...extra);
const status = async (environment: string) =>
  JSON.parse(
    (await onLocalAws('status', '--env', environment, '--project', 'shop', '--json')).stdout || 'null',
  );
const history = async (environment: string) =>
  JSON.parse(
    (await onLocalAws('history', '--env', environment, '--project', 'shop', '--json')).stdout || '[]',
  );

/** The shop example's database in `environment`, as RDS describes it (undefined once it is gone). */
async function database(environment: string) {
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
  return DBInstances?.find(
    (instance) => instance.DBInstanceIdentifier === databaseNames('shop', environment, 'db').instance,
  );
}

describe('attacks on production data by request', () => {
  it('a production environment keeps its database, its protection and its mode through every unconfirmed request', async () => {
    const deployed = await deploy('sec', 'production', '--deployment-id', 'sec-1');
    expect(deployed.code, deployed.stderr).toBe(0);
    const before = await database('sec');
    expect(before).toMatchObject({ DeletionProtection: true, StorageEncrypted: true });

    const victimIntact = async () => {
      const now = await database('sec');
      return (
        now?.DeletionProtection === true &&
        now.StorageEncrypted === true &&
        (await status('sec'))?.mode === 'production'
      );
    };

    // A forced change to development without confirm.
    const downgrade = await deploy('sec', 'development', '--force', '--deployment-id', 'sec-2');
    countAttack(!(await victimIntact()));
    expect(downgrade.code).toBe(1);
    expect(downgrade.stderr).toContain('Modeshift.ModeChangeRefused');
    expect(await victimIntact()).toBe(true);

    // A confirm that names another environment is no confirm.
    const misconfirmed = await deploy(
      'sec',
      'development',
      '--force',
      '--confirm',
      'other',
      '--deployment-id',
      'sec-3',
    );
    countAttack(!(await victimIntact()));
    expect(misconfirmed.code).toBe(1);
    expect(await victimIntact()).toBe(true);

    // Production overrides that weaken data protection, without confirm: refused before any AWS call.
    const entries = (await history('sec')).length;
    for (const setting of [
      'finalSnapshotOnDown',
      'dbDeletionProtection',
      'lbDeletionProtection',
      'retainAccessLogsOnDown',
    ]) {
      const weakened = await deploy(
        'sec',
        'production',
        '--set',
        `${setting}=false`,
        '--deployment-id',
        `sec-${setting}`,
      );
      countAttack(weakened.code === 0 || !(await victimIntact()));
      expect(weakened.code, setting).toBe(2);
      expect(weakened.stderr).toContain(
        `overrides.${setting}: false weakens the protection of production data`,
      );
      expect(weakened.stderr).toContain('--confirm sec');
    }
    expect(await history('sec')).toHaveLength(entries);

    // Encryption at rest cannot be turned off in any mode, even confirmed.
    const unencrypted = await deploy(
      'fresh',
      'development',
      '--set',
      'storageEncrypted=false',
      '--confirm',
      'fresh',
    );
    countAttack(unencrypted.code === 0 || (await database('fresh')) !== undefined);
    expect(unencrypted.code).toBe(2);
    expect(unencrypted.stderr).toContain('overrides.storageEncrypted: cannot be turned off');
    expect(await status('fresh')).toBeNull();

    // A down without confirm.
    const down = await onLocalAws('down', '--env', 'sec', '--project', 'shop', '--quiet');
    countAttack(!(await victimIntact()));
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Modeshift.ProductionDownNotConfirmed');
    expect(await victimIntact()).toBe(true);
  });

  it('an environment once in production keeps a final snapshot on an unconfirmed down after a confirmed downgrade', async () => {
    const downgraded = await deploy(
      'sec',
      'development',
      '--force',
      '--confirm',
      'sec',
      '--deployment-id',
      'sec-4',
    );
    expect(downgraded.code, downgraded.stderr).toBe(0);
    expect(await status('sec')).toMatchObject({ mode: 'development' });

    const down = await onLocalAws('down', '--env', 'sec', '--project', 'shop', '--quiet');
    const { DBSnapshots } = await rds.send(new DescribeDBSnapshotsCommand({}));
    const finalSnapshots = (DBSnapshots ?? []).filter((snapshot) =>
      snapshot.DBSnapshotIdentifier?.startsWith(`${databaseNames('shop', 'sec', 'db').finalSnapshotPrefix}-`),
    );
    countAttack(finalSnapshots.length === 0);

    expect(down.code, down.stderr).toBe(0);
    expect(await database('sec')).toBeUndefined();
    expect(finalSnapshots).toHaveLength(1);
    const last = (await history('sec')).at(-1);
    expect(last).toMatchObject({ action: 'down', status: 'succeeded' });
    expect(last.warning).toContain('once in production');
    expect((await history('sec')).map((entry: { warning?: string }) => entry.warning)).toContain(
      'mode downgraded from production to development',
    );
  });
});
