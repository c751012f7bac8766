import { describe, expect, it } from 'vitest';
import {
  checkModeChange,
  MODE_POLICIES,
  MODES,
  ModeChangeRefusedError,
  PolicyError,
  parseMode,
  parseOverrideAssignments,
  resolveMode,
  resolvePolicy,
  SETTING_NAMES,
} from '../../core/policy.ts';

/** docs/design.md §1, cell by cell, written out independently of the module. */
const DESIGN_TABLE = {
  buildComputeType: ['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM'],
  capacityProvider: ['FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE'],
  dbInstanceClass: ['db.t4g.micro', 'db.m7g.large', 'db.m7g.large'],
  deploymentStrategy: ['replace', 'rolling', 'rolling'],
  minimumHealthyPercent: [0, 100, 100],
  maximumPercent: [100, 200, 200],
  circuitBreakerRollback: [true, true, true],
  logRetentionDays: [1, 7, 30],
  natGateways: ['none', 'single', 'per-az'],
  network: ['shared', 'shared', 'dedicated'],
  httpRedirectCode: ['HTTP_302', 'HTTP_301', 'HTTP_301'],
  lbDeletionProtection: [false, false, true],
  retainAccessLogsOnDown: [false, false, true],
  dnsTtlSeconds: [60, 300, 3600],
  dnsWriteMode: ['recreate', 'upsert', 'upsert'],
  destroyZoneOnDown: [true, false, false],
  applyImmediately: [true, true, false],
  storageEncrypted: [true, true, true],
  dbDeletionProtection: [false, false, true],
  finalSnapshotOnDown: [false, false, true],
  dbMultiAz: [false, false, true],
  dbBackupRetentionDays: [1, 7, 30],
  cacheNodeType: ['cache.t4g.micro', 'cache.m7g.large', 'cache.m7g.large'],
  cacheReplicas: [0, 1, 1],
  cacheTransitEncryption: [false, false, false],
  snapshotBeforeRunOnce: [false, false, true],
  executeCommand: [true, true, false],
  autoscaling: ['off', 'cpu', 'cpu'],
  autoscalingCpuPercent: [70, 70, 60],
  autoscalingMaxFactor: [2, 2, 4],
  serviceDiscoveryTtlSeconds: [10, 10, 10],
  waf: [false, false, true],
  deploymentAlarms: ['off', 'alarms', 'rollback'],
  alarm5xxPerMinute: [10, 10, 5],
  alarmP95LatencySeconds: [2, 2, 1],
} as const;

describe('mode policy — the docs/design.md §1 table', () => {
  const cells = Object.entries(DESIGN_TABLE).flatMap(([setting, values]) =>
    MODES.map((mode, i) => [setting, mode, values[i]] as const),
  );

  it.each(cells)('%s in %s is %j', (setting, mode, expected) => {
    expect(MODE_POLICIES[mode][setting as keyof typeof DESIGN_TABLE]).toBe(expected);
  });

  it('has exactly the thirty-five settings of the table, in every mode', () => {
    for (const mode of MODES) expect(Object.keys(MODE_POLICIES[mode])).toEqual(Object.keys(DESIGN_TABLE));
    expect(SETTING_NAMES).toEqual(Object.keys(DESIGN_TABLE));
  });
});

describe('mode policy — aliases', () => {
  it.each([
    ['development', 'development'],
    ['dev', 'development'],
    ['affordable', 'development'],
    ['AFFORDABLE', 'development'],
    ['staging', 'staging'],
    ['balanced', 'staging'],
    ['production', 'production'],
    ['prod', 'production'],
    ['ha', 'production'],
    ['high_availability', 'production'],
    ['HIGH_AVAILABILITY', 'production'],
  ])('reads %s as %s', (alias, mode) => {
    expect(parseMode(alias)).toBe(mode);
  });

  it('refuses an unknown mode, naming the field and the accepted spellings', () => {
    expect(() => resolveMode('fast')).toThrowError(
      /^mode: "fast" is not a mode \(expected one of development, staging, production/,
    );
  });
});

describe('mode policy — overrides', () => {
  it('applies an override on top of the mode defaults and reports it', () => {
    const resolved = resolvePolicy('production', { logRetentionDays: 90 });

    expect(resolved.policy).toEqual({ ...MODE_POLICIES.production, logRetentionDays: 90 });
    expect(resolved.overridden).toEqual(['logRetentionDays']);
  });

  it('brings the strategy percentages along when only the strategy is overridden', () => {
    const resolved = resolvePolicy('development', { deploymentStrategy: 'rolling' });

    expect(resolved.policy).toMatchObject({
      deploymentStrategy: 'rolling',
      minimumHealthyPercent: 100,
      maximumPercent: 200,
    });
  });

  it('lets explicit percentages win over the strategy defaults', () => {
    const resolved = resolvePolicy('development', {
      deploymentStrategy: 'rolling',
      minimumHealthyPercent: 50,
      maximumPercent: 150,
    });

    expect(resolved.policy).toMatchObject({ minimumHealthyPercent: 50, maximumPercent: 150 });
  });

  it('does not count an override equal to the default as overridden', () => {
    expect(resolvePolicy('staging', { dnsTtlSeconds: 300 }).overridden).toEqual([]);
  });

  it.each([
    [{ logRetention: 7 }, 'overrides.logRetention: unknown setting'],
    [{ logRetentionDays: 10 }, "overrides.logRetentionDays: expected one of CloudWatch's retention periods"],
    [{ capacityProvider: 'EC2' }, 'overrides.capacityProvider'],
    [{ natGateways: 'two' }, 'overrides.natGateways'],
    [{ dnsTtlSeconds: -1 }, 'overrides.dnsTtlSeconds'],
    [{ dnsTtlSeconds: 1.5 }, 'overrides.dnsTtlSeconds'],
    [{ lbDeletionProtection: 'yes' }, 'overrides.lbDeletionProtection'],
    [{ dbInstanceClass: 'm7g.large' }, 'overrides.dbInstanceClass: expected an RDS instance class'],
    [{ buildComputeType: 'BUILD_GENERAL1_HUGE' }, 'overrides.buildComputeType'],
    [{ httpRedirectCode: 'HTTP_307' }, 'overrides.httpRedirectCode'],
    [{ maximumPercent: 300 }, 'overrides.maximumPercent'],
    [{ dbBackupRetentionDays: 36 }, 'overrides.dbBackupRetentionDays: expected 0 to 35 days'],
    [{ dbBackupRetentionDays: 1.5 }, 'overrides.dbBackupRetentionDays'],
    [{ dbMultiAz: 'yes' }, 'overrides.dbMultiAz'],
    [{ cacheNodeType: 'm7g.large' }, 'overrides.cacheNodeType: expected an ElastiCache node type'],
    [{ cacheReplicas: 6 }, 'overrides.cacheReplicas: expected 0 to 5 replicas'],
    [{ cacheTransitEncryption: 'on' }, 'overrides.cacheTransitEncryption'],
    [
      { minimumHealthyPercent: 50 },
      'overrides.minimumHealthyPercent: 50 contradicts deploymentStrategy "replace"',
    ],
    [
      { deploymentStrategy: 'rolling', minimumHealthyPercent: 0 },
      'overrides.minimumHealthyPercent: 0 contradicts deploymentStrategy "rolling"',
    ],
    [
      { deploymentStrategy: 'rolling', minimumHealthyPercent: 100, maximumPercent: 100 },
      'overrides.maximumPercent: 100 leaves no room',
    ],
  ])('refuses %j with a message naming the setting', (overrides, message) => {
    const attempt = () => resolvePolicy('development', overrides as Record<string, unknown>);

    expect(attempt).toThrowError(PolicyError);
    expect(attempt).toThrowError(message);
  });

  it('refuses a web ACL or deletion protection on the shared load balancer, naming each setting', () => {
    expect(() => resolvePolicy('staging', { waf: true })).toThrowError(
      'overrides.waf: true contradicts network "shared"',
    );
    const production = () => resolvePolicy('production', { network: 'shared' });
    expect(production).toThrowError(PolicyError);
    expect(production).toThrowError(/overrides\.waf: .*overrides\.lbDeletionProtection: /s);
    expect(
      resolvePolicy('production', { network: 'shared', waf: false, lbDeletionProtection: false }).overridden,
    ).toEqual(['network', 'lbDeletionProtection', 'waf']);
    expect(resolvePolicy('staging', { waf: true, network: 'dedicated' }).policy.waf).toBe(true);
  });

  it('converts command-line assignments to each setting’s type', () => {
    expect(
      parseOverrideAssignments([
        'logRetentionDays=14',
        'lbDeletionProtection=true',
        'capacityProvider=FARGATE',
      ]),
    ).toEqual({ logRetentionDays: 14, lbDeletionProtection: true, capacityProvider: 'FARGATE' });
  });

  it.each([
    ['logRetentionDays', '--set: "logRetentionDays" is not key=value'],
    ['lbDeletionProtection=maybe', 'overrides.lbDeletionProtection: "maybe" is not a boolean'],
    ['dnsTtlSeconds=soon', 'overrides.dnsTtlSeconds: "soon" is not a number'],
  ])('refuses the assignment %s', (assignment, message) => {
    expect(() => parseOverrideAssignments([assignment])).toThrowError(message);
  });
});

describe('mode policy — the mode-change guard', () => {
  it('refuses production → development without force, naming the mode field', () => {
    expect(() => checkModeChange('production', 'development', { environment: 'main' })).toThrowError(
      ModeChangeRefusedError,
    );
    expect(() => checkModeChange('production', 'development', { environment: 'main' })).toThrowError(
      /^mode: changing the mode of environment "main" from production to development is refused/,
    );
  });

  it('refuses production → development with force but without confirm naming the environment', () => {
    expect(() =>
      checkModeChange('production', 'development', { force: true, environment: 'main' }),
    ).toThrowError(/repeat with force: true and confirm: "main" \(--force --confirm main\) to proceed/);
    expect(() =>
      checkModeChange('production', 'development', { force: true, confirm: 'other', environment: 'main' }),
    ).toThrowError(ModeChangeRefusedError);
  });

  it('allows production → development with force and confirm, with a warning', () => {
    const change = checkModeChange('production', 'development', {
      force: true,
      confirm: 'main',
      environment: 'main',
    });

    expect(change.kind).toBe('downgrade');
    expect(change.warning).toMatch(/production to development \(forced\)/);
  });

  it.each([
    ['production', 'staging'],
    ['staging', 'development'],
  ] as const)('allows the downgrade %s → %s with a warning', (from, to) => {
    const change = checkModeChange(from, to);

    expect(change).toMatchObject({ kind: 'downgrade', from, to });
    expect(change.warning).toContain(`from ${from} to ${to}`);
  });

  it.each([
    ['development', 'staging'],
    ['development', 'production'],
    ['staging', 'production'],
  ] as const)('treats %s → %s as an upgrade without a warning', (from, to) => {
    expect(checkModeChange(from, to)).toEqual({ kind: 'upgrade', from, to });
  });

  it('treats a first deploy as initial and a repeat as unchanged', () => {
    expect(checkModeChange(undefined, 'production').kind).toBe('initial');
    expect(checkModeChange('staging', 'staging').kind).toBe('unchanged');
  });
});
