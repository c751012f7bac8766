import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { MODES } from '../../core/policy.ts';
import { deployPath, downPath } from '../../core/workflow-paths.ts';
import {
  aws,
  environmentRecord,
  NOW,
  resetAws,
  runDeploy,
  runDown,
  shopDeployInput,
  shopDownInput,
} from '../support/workflow-harness.ts';

beforeEach(() => {
  resetAws();
});

describe.each(MODES)('workflow path — %s', (mode) => {
  it('the engine enters exactly the deploy states the plan shows', async () => {
    const input = shopDeployInput(mode);

    const run = await runDeploy(input);

    expect([...new Set(run.entered)].sort()).toEqual([...deployPath(input).states].sort());
  });

  it('the engine enters exactly the down states the plan shows', async () => {
    aws.dynamodb.on(GetItemCommand).resolves(environmentRecord(mode));
    const input = shopDeployInput(mode);

    const run = await runDown(shopDownInput('pr-1'), {
      answers: {
        FindDatabases: {
          databases: [{ instance: 'shop-pr-1-db', deletionProtection: input.policy.dbDeletionProtection }],
        },
      },
    });

    expect([...new Set(run.entered)].sort()).toEqual([...downPath(input, NOW).states].sort());
  });
});

describe('workflow path — branches per mode', () => {
  const decision = (path: ReturnType<typeof deployPath>, choice: string) =>
    path.decisions.find((d) => d.choice === choice)?.next;

  it('takes the NAT, strategy and DNS branches of each mode', () => {
    const dev = deployPath(shopDeployInput('development'));
    const staging = deployPath(shopDeployInput('staging'));
    const prod = deployPath(shopDeployInput('production'));

    expect([dev, staging, prod].map((p) => decision(p, 'NatGatewayPolicy'))).toEqual([
      'NoNatGateways',
      'SingleNatGateway',
      'NatGatewayPerAz',
    ]);
    expect([dev, staging, prod].map((p) => decision(p, 'DeploymentStrategy'))).toEqual([
      'ReplaceTasks',
      'RollTasks',
      'RollTasks',
    ]);
    expect([dev, staging, prod].map((p) => decision(p, 'DnsWriteMode'))).toEqual([
      'RecreateDnsRecords',
      'UpsertDnsRecords',
      'UpsertDnsRecords',
    ]);
  });

  it('takes the final-snapshot and zone branches of each mode on down', () => {
    const paths = MODES.map((mode) => downPath(shopDeployInput(mode), NOW));

    expect(paths.map((p) => decision(p, 'FinalSnapshotPolicy'))).toEqual([
      'DeleteDatabasesWithoutSnapshot',
      'DeleteDatabasesWithoutSnapshot',
      'DeleteDatabasesWithFinalSnapshot',
    ]);
    expect(paths.map((p) => decision(p, 'ZonePolicy'))).toEqual([
      'PurgeAndDeleteZones',
      'KeepZones',
      'KeepZones',
    ]);
  });

  it('shows the mode-change guard refusing production → development', () => {
    const path = deployPath(shopDeployInput('development'), 'production');

    expect(decision(path, 'CheckModeChange')).toBe('RefuseModeChange');
  });
});
