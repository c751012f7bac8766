// End-to-end against the local AWS (moto): down per mode, checked for what is kept and what is destroyed.
import { describe, expect, it } from 'vitest';
import { databaseNames } from '../../core/names.ts';
import { readTeardownState } from '../../local/read-back.ts';
import { callsOf, deployShop, downShop, useLocalAws } from './local-aws.ts';

const DB = databaseNames('shop', 'main', 'db').instance;

const aws = useLocalAws();

/** The status ECS reports for each cluster, service or task definition ARN. */
async function ecsStatuses(arns: readonly string[]): Promise<string[]> {
  const { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } =
    await import('@aws-sdk/client-ecs');
  const ecs = aws.target().clients('ecs') as InstanceType<typeof ECSClient>;
  return Promise.all(
    arns.map(async (arn) => {
      if (arn.includes(':cluster/')) {
        return (
          (await ecs.send(new DescribeClustersCommand({ clusters: [arn] }))).clusters?.[0]?.status ??
          'MISSING'
        );
      }
      if (arn.includes(':service/')) {
        const cluster = arn.split('/')[1] as string;
        return (
          (await ecs.send(new DescribeServicesCommand({ cluster, services: [arn] }))).services?.[0]?.status ??
          'MISSING'
        );
      }
      return (
        (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status ??
        'MISSING'
      );
    }),
  );
}

describe('down on the local AWS — production', () => {
  it('refuses without confirm and leaves everything in place', async () => {
    await deployShop(aws.target(), 'production');

    const report = await downShop(aws.target());

    expect(report).toMatchObject({
      status: 'FAILED',
      error: 'Modeshift.ProductionDownNotConfirmed',
      failedState: 'ConfirmProductionDown',
    });
    const state = await readTeardownState(aws.target(), 'shop', 'main', ['db'], 'shop.example.com');
    expect(state.destroyed).toEqual([`final snapshot of ${DB}`]);
    expect(callsOf(aws.target(), 'rds', 'DeleteDBInstanceCommand')).toEqual([]);
  });

  it('keeps the final snapshot, the access logs, the log groups and the zone, and destroys the rest', async () => {
    await deployShop(aws.target(), 'production');

    const report = await downShop(aws.target(), 'main', 'main');

    expect(report.status).toBe('SUCCEEDED');
    const state = await readTeardownState(aws.target(), 'shop', 'main', ['db'], 'shop.example.com');
    expect(state.retained).toEqual([
      expect.stringMatching(new RegExp(`^final snapshot of ${DB} \\(${DB}-final-\\d{14}\\)$`)),
      expect.stringMatching(/^access-log bucket shop--main-lb-logs-[0-9a-f]{8}$/),
      'log groups /modeshift/shop/main/* (3)',
      'hosted zone shop.example.com',
    ]);
    expect(state.destroyed).toEqual([
      `database ${DB}`,
      'load balancer shop--main',
      'VPC shop--main',
      'ECS cluster shop--main',
      'execution roles /modeshift/shop/main/*',
    ]);
  });

  // moto deletes a protected load balancer and database anyway (docs/design.md §4), so the order of the calls is checked.
  it('turns deletion protection off before deleting the load balancer and the database', async () => {
    await deployShop(aws.target(), 'production');

    await downShop(aws.target(), 'main', 'main');

    const commands = aws.target().calls.map((call) => `${call.service}:${call.command}`);
    const disableLb = aws
      .target()
      .calls.findIndex(
        (call) =>
          call.command === 'ModifyLoadBalancerAttributesCommand' &&
          JSON.stringify(call.input).includes('"deletion_protection.enabled","Value":"false"'),
      );
    expect(disableLb).toBeGreaterThan(-1);
    expect(disableLb).toBeLessThan(commands.indexOf('elasticloadbalancingv2:DeleteLoadBalancerCommand'));
    expect(callsOf(aws.target(), 'rds', 'ModifyDBInstanceCommand')).toContainEqual(
      expect.objectContaining({ DBInstanceIdentifier: DB, DeletionProtection: false }),
    );
    expect(commands.indexOf('rds:ModifyDBInstanceCommand')).toBeLessThan(
      commands.indexOf('rds:DeleteDBInstanceCommand'),
    );
    expect(callsOf(aws.target(), 'rds', 'DeleteDBInstanceCommand')).toEqual([
      expect.objectContaining({
        SkipFinalSnapshot: false,
        FinalDBSnapshotIdentifier: expect.stringMatching(new RegExp(`^${DB}-final-`)),
      }),
    ]);
  });
});

describe('down on the local AWS — staging', () => {
  it('keeps the zone, deletes the database without a snapshot and deletes the access logs and log groups', async () => {
    await deployShop(aws.target(), 'staging');

    const report = await downShop(aws.target());

    expect(report.status).toBe('SUCCEEDED');
    const state = await readTeardownState(aws.target(), 'shop', 'main', ['db'], 'main.shop.example.com');
    expect(state.retained).toEqual(['hosted zone main.shop.example.com']);
  });
});

describe('down on the local AWS — development', () => {
  it('force-destroys the zone and keeps nothing', async () => {
    await deployShop(aws.target(), 'development');

    const report = await downShop(aws.target());

    expect(report.status).toBe('SUCCEEDED');
    // moto's tagging index keeps ECS resources once they are INACTIVE; nothing else may remain, and those must be inactive.
    expect(report.resources.filter((arn) => !arn.includes(':ecs:'))).toEqual([]);
    expect(await ecsStatuses(report.resources.filter((arn) => arn.includes(':ecs:')))).toEqual(
      report.resources.filter((arn) => arn.includes(':ecs:')).map(() => 'INACTIVE'),
    );
    expect(callsOf(aws.target(), 'ecs', 'DeregisterTaskDefinitionCommand')).toHaveLength(3);
    const state = await readTeardownState(aws.target(), 'shop', 'main', ['db'], 'main.shop.example.com');
    expect(state.retained).toEqual([]);
    expect(callsOf(aws.target(), 'rds', 'DeleteDBInstanceCommand')).toEqual([
      expect.objectContaining({ SkipFinalSnapshot: true }),
    ]);
  });

  it('marks the environment down, with no lock, and records the teardown', async () => {
    await deployShop(aws.target(), 'development');

    await downShop(aws.target());

    const { readEnvironment, readHistory } = await import('../../local/records.ts');
    const dynamodb = aws.target().clients('dynamodb') as Parameters<typeof readEnvironment>[0];
    const record = await readEnvironment(dynamodb, aws.target().names.tableName, 'shop', 'main');
    expect(record).toMatchObject({ status: 'down' });
    expect(record?.lockId).toBeUndefined();
    const history = await readHistory(dynamodb, aws.target().names.tableName, 'shop', 'main');
    expect(history.map((entry) => `${entry.action}:${entry.status}`)).toEqual([
      'deploy:succeeded',
      'down:succeeded',
    ]);
  });
});
