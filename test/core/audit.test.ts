import { describe, expect, it } from 'vitest';
import {
  type AuditResource,
  auditFindings,
  keptAfterDown,
  type ObservedEnvironment,
  settingDrift,
} from '../../core/audit.ts';
import { composeToRequest } from '../../core/compose.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { type Policy, resolvePolicy } from '../../core/policy.ts';
import { classifyArn } from '../../functions/aws/audit/environment-state.ts';

const request = composeToRequest(
  [
    'name: shop',
    'services:',
    '  web:',
    '    image: nginx',
    '    ports: [{ target: 80, mode: ingress }]',
    '  worker:',
    '    image: busybox',
  ].join('\n'),
  { environment: 'pr-1', mode: 'staging', deploymentId: 'd1', variables: {} },
).request;
// A staging environment with a network of its own (as every one had before `network`): its VPC, load balancer and bucket are its own.
const input = buildDeployInput(
  request,
  resolvePolicy('staging', { network: 'dedicated' }),
  new Date('2026-11-26T07:00:00Z'),
);

/** What a clean deploy of `input` leaves. */
const deployed = (): AuditResource[] => [
  { type: 'vpc', name: 'shop--pr-1' },
  { type: 'subnet', name: 'subnet-1' },
  { type: 'internet-gateway', name: 'igw-1' },
  { type: 'ecs-cluster', name: 'shop--pr-1' },
  { type: 'namespace', name: 'pr-1.shop.internal' },
  { type: 'load-balancer', name: 'shop--pr-1' },
  { type: 'access-log-bucket', name: 'shop--pr-1-lb-logs-x' },
  ...['web', 'worker'].flatMap((service): AuditResource[] => [
    { type: 'ecs-service', name: service },
    { type: 'task-definition', name: `shop--pr-1--${service}` },
    { type: 'log-group', name: `/modeshift/shop/pr-1/${service}` },
    { type: 'execution-role', name: `shop--pr-1--${service}` },
    // Staging has ECS Exec on: each service has a task role with the Exec channel.
    { type: 'task-role', name: `shop--pr-1--${service}.task` },
  ]),
  ...input.targetGroups.map((group): AuditResource => ({ type: 'target-group', name: group.name })),
  // Staging has deployment alarms: each public service's two, and the topic they tell.
  ...input.targetGroups.flatMap((group): AuditResource[] => [
    { type: 'deployment-alarm', name: `shop--pr-1--${group.service}--5xx` },
    { type: 'deployment-alarm', name: `shop--pr-1--${group.service}--p95` },
  ]),
  { type: 'alarm-topic', name: 'shop--pr-1-alarms' },
];

const observed = (resources: AuditResource[], settings: ObservedEnvironment['settings'] = []) => ({
  resources,
  settings,
});

describe('auditFindings — a deployed environment', () => {
  it('finds nothing in what a clean deploy leaves, with every setting at the mode’s value', () => {
    const settings = [
      { setting: 'logRetentionDays' as const, resource: 'log-group /modeshift/shop/pr-1/web', value: '7' },
      { setting: 'natGateways' as const, resource: 'vpc shop--pr-1', value: String(input.natGatewayCount) },
    ];
    expect(resolvePolicy('staging').policy.logRetentionDays).toBe(7);
    expect(auditFindings({ state: 'deployed', input }, observed(deployed(), settings))).toEqual([]);
  });

  it('names a web ACL staging does not have, an alarm of no public service and a missing alarm', () => {
    const without5xx = deployed().filter((resource) => resource.name !== 'shop--pr-1--web--5xx');
    const extra: AuditResource[] = [
      { type: 'web-acl', name: 'shop--pr-1' },
      { type: 'deployment-alarm', name: 'shop--pr-1--worker--p95' },
      { type: 'scalable-target', name: 'abc' },
    ];
    const findings = auditFindings({ state: 'deployed', input }, observed([...without5xx, ...extra]));
    expect(findings.map((finding) => [finding.kind, finding.resource]).sort()).toEqual([
      ['missing', 'deployment-alarm shop--pr-1--web--5xx'],
      ['orphan', 'deployment-alarm shop--pr-1--worker--p95'],
      ['orphan', 'web-acl shop--pr-1'],
    ]);
  });

  it("checks each service's registered autoscaling against the compose file and the mode", () => {
    // Staging scales every service from its replicas (1 each here) up to 2×, at 70 % CPU.
    const clean = [
      { service: 'web', min: 1, max: 2, cpuPercent: 70 },
      { service: 'worker', min: 1, max: 2, cpuPercent: 70 },
    ];
    expect(auditFindings({ state: 'deployed', input }, { ...observed(deployed()), scaling: clean })).toEqual(
      [],
    );

    const findings = auditFindings(
      { state: 'deployed', input },
      {
        ...observed(deployed()),
        scaling: [
          { service: 'web', min: 1, max: 5 },
          { service: 'old', min: 1, max: 2, cpuPercent: 70 },
        ],
      },
    );
    expect(findings).toEqual([
      {
        kind: 'orphan',
        resource: 'scalable-target service/shop--pr-1/old',
        detail:
          'scalable-target service/shop--pr-1/old: old does not autoscale as deployed (min 1, max 2, CPU target 70 %)',
      },
      {
        kind: 'drift',
        resource: 'scalable-target service/shop--pr-1/web',
        setting: 'autoscaling',
        expected: 'min 1, max 2, CPU target 70 %',
        actual: 'min 1, max 5, CPU target (no policy)',
        detail:
          'scalable-target service/shop--pr-1/web: registered with min 1, max 5, CPU target (no policy), the compose file and staging mode say min 1, max 2, CPU target 70 %',
      },
      {
        kind: 'missing',
        resource: 'scalable-target service/shop--pr-1/worker',
        detail:
          'scalable-target service/shop--pr-1/worker: worker autoscales as deployed and has no scalable target',
      },
    ]);
  });

  it('finds no scalable target to miss where the mode does not autoscale', () => {
    const development = buildDeployInput(
      { ...request, mode: 'development' },
      resolvePolicy('development'),
      new Date('2026-11-26T07:00:00Z'),
    );
    const findings = auditFindings(
      { state: 'deployed', input: development },
      { ...observed([]), scaling: [{ service: 'web', min: 1, max: 2, cpuPercent: 70 }] },
    );
    expect(findings.filter((finding) => finding.resource.startsWith('scalable-target'))).toEqual([
      expect.objectContaining({ kind: 'orphan', resource: 'scalable-target service/shop--pr-1/web' }),
    ]);
  });

  it("expects no VPC or internet gateway of the environment's own in a team's VPC", () => {
    const inTeamVpc = buildDeployInput(
      {
        ...request,
        vpc: {
          id: 'vpc-0abc12345',
          publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
          privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
        },
      },
      resolvePolicy('staging'),
      new Date('2026-11-26T07:00:00Z'),
    );
    const withoutNetwork = deployed().filter(
      (resource) => !['vpc', 'internet-gateway'].includes(resource.type),
    );

    expect(auditFindings({ state: 'deployed', input: inTeamVpc }, observed(withoutNetwork))).toEqual([]);
    expect(
      auditFindings({ state: 'deployed', input }, observed(withoutNetwork)).map(
        (finding) => finding.resource,
      ),
      'the environment’s own VPC is missing where it has one',
    ).toEqual(['vpc shop--pr-1']);
  });

  it("expects no VPC, gateway or load balancer of the environment's own in the shared network, and names one left as an orphan", () => {
    const inSharedNetwork = buildDeployInput(
      { ...request, domain: 'shop.example.com' },
      resolvePolicy('staging'),
      new Date('2026-11-26T07:00:00Z'),
    );
    expect(inSharedNetwork.sharedNetwork).toMatchObject({
      environment: 'shared.staging',
      loadBalancer: true,
    });
    const withDomain = buildDeployInput(
      { ...request, domain: 'shop.example.com' },
      resolvePolicy('staging', { network: 'dedicated' }),
      new Date('2026-11-26T07:00:00Z'),
    );
    const own = ['vpc', 'internet-gateway', 'load-balancer', 'access-log-bucket'];
    const clean = auditFindings({ state: 'deployed', input: withDomain }, observed(deployed())).map(
      (finding) => finding.resource,
    );
    const inShared = deployed().filter((resource) => !own.includes(resource.type));
    expect(
      auditFindings({ state: 'deployed', input: inSharedNetwork }, observed(inShared)).map(
        (finding) => finding.resource,
      ),
    ).toEqual(clean);
    expect(
      auditFindings({ state: 'deployed', input: inSharedNetwork }, observed(deployed()))
        .filter((finding) => finding.kind === 'orphan')
        .map((finding) => finding.resource)
        .sort(),
      'a VPC or load balancer of its own is not what the shared network leaves',
    ).toEqual(expect.arrayContaining(['vpc shop--pr-1']));
  });

  it('names a service the compose file does not have, a second VPC and an unknown kind as orphans', () => {
    const extra: AuditResource[] = [
      { type: 'ecs-service', name: 'old' },
      { type: 'log-group', name: '/modeshift/shop/pr-1/old' },
      { type: 'vpc', name: 'shop--pr-1', arn: 'arn:aws:ec2:us-east-1:1:vpc/vpc-2' },
      { type: 'other', name: 'function:stray', arn: 'arn:aws:lambda:us-east-1:1:function:stray' },
      { type: 'expiry-schedule', name: 'shop--pr-1-expiry' },
    ];
    const findings = auditFindings({ state: 'deployed', input }, observed([...deployed(), ...extra]));
    expect(findings.map((finding) => [finding.kind, finding.resource])).toEqual([
      ['orphan', 'ecs-service old'],
      ['orphan', 'expiry-schedule shop--pr-1-expiry'],
      ['orphan', 'log-group /modeshift/shop/pr-1/old'],
      ['orphan', 'other function:stray'],
      ['orphan', 'vpc shop--pr-1'],
    ]);
    expect(findings.find((finding) => finding.resource === 'vpc shop--pr-1')?.detail).toContain(
      'a second vpc',
    );
  });

  it('names what is missing, and each drifted setting with the mode’s value', () => {
    const without = deployed().filter((resource) => resource.name !== 'worker');
    const findings = auditFindings(
      { state: 'deployed', input },
      observed(without, [
        { setting: 'logRetentionDays', resource: 'log-group /modeshift/shop/pr-1/web', value: '1' },
        { setting: 'lbDeletionProtection', resource: 'load-balancer shop--pr-1', value: 'true' },
        { setting: 'dnsTtlSeconds', resource: 'record a.pr-1.shop.example.com CNAME', value: '60' },
      ]),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'drift',
        resource: 'load-balancer shop--pr-1',
        setting: 'lbDeletionProtection',
        expected: 'false',
        actual: 'true',
      }),
      expect.objectContaining({
        kind: 'drift',
        detail: 'log-group /modeshift/shop/pr-1/web: logRetentionDays is 1, staging mode says 7',
      }),
      expect.objectContaining({
        kind: 'drift',
        detail: expect.stringContaining('dnsTtlSeconds is 60, staging mode says 300'),
      }),
      {
        kind: 'missing',
        resource: 'ecs-service worker',
        detail: 'ecs-service worker: the environment is deployed and it does not exist',
      },
    ]);
  });
});

describe('settingDrift — ECS Exec', () => {
  const execOn = [{ setting: 'executeCommand' as const, resource: 'ecs-service web', value: 'true' }];

  it('names a service with ECS Exec on where the mode has it off', () => {
    expect(settingDrift(resolvePolicy('production').policy, 'production', execOn)).toEqual([
      expect.objectContaining({
        kind: 'drift',
        detail: 'ecs-service web: executeCommand is true, production mode says false',
      }),
    ]);
  });

  it('does not judge ECS Exec against a record written before the setting existed', () => {
    const { executeCommand: _none, ...older } = resolvePolicy('production').policy;

    expect(settingDrift(older as Policy, 'production', execOn)).toEqual([]);
  });
});

describe('settingDrift — a shared network’s NAT gateways', () => {
  const nat = (value: string, atLeast?: true) => [
    {
      setting: 'natGateways' as const,
      resource: 'vpc shop--shared.development',
      value,
      ...(atLeast ? { atLeast } : {}),
    },
  ];

  it('takes more gateways than the mode wants as no drift, and fewer as drift', () => {
    const development = resolvePolicy('development').policy;
    const staging = resolvePolicy('staging').policy;
    expect(settingDrift(development, 'development', nat('1', true))).toEqual([]);
    expect(settingDrift(staging, 'staging', nat('0', true))).toEqual([
      expect.objectContaining({ kind: 'drift', setting: 'natGateways', expected: '1', actual: '0' }),
    ]);
    expect(
      settingDrift(development, 'development', nat('1')),
      'a network of its own must match',
    ).toHaveLength(1);
  });
});

describe('auditFindings — an environment taken down', () => {
  const left: AuditResource[] = [
    { type: 'final-snapshot', name: 'shop-pr-1-db-abc-final-20261126070000' },
    { type: 'automated-snapshot', name: 'shop-pr-1-db-abc-2026-11-26-07-00' },
    { type: 'access-log-bucket', name: 'shop--pr-1-lb-logs-x' },
    { type: 'log-group', name: '/modeshift/shop/pr-1/web' },
    { type: 'hosted-zone', name: 'shop.example.com' },
    { type: 'config-value', name: 'API_KEY' },
  ];

  it('accepts exactly what production keeps', () => {
    const policy = resolvePolicy('production').policy;
    expect(auditFindings({ state: 'down', policy }, observed(left))).toEqual([]);
    expect(
      auditFindings({ state: 'down', policy }, observed([...left, { type: 'nat-gateway', name: 'nat-1' }])),
    ).toEqual([expect.objectContaining({ kind: 'orphan', resource: 'nat-gateway nat-1' })]);
  });

  it('accepts only final snapshots and config values after a development down', () => {
    const policy = resolvePolicy('development').policy;
    const findings = auditFindings({ state: 'down', policy }, observed(left));
    expect(findings.map((finding) => finding.resource)).toEqual([
      'access-log-bucket shop--pr-1-lb-logs-x',
      'automated-snapshot shop-pr-1-db-abc-2026-11-26-07-00',
      'hosted-zone shop.example.com',
      'log-group /modeshift/shop/pr-1/web',
    ]);
    expect(findings[0]?.detail).toContain('left after the environment was taken down');
  });

  it('keeps nothing but final snapshots and config values without a record of the policy', () => {
    expect(
      left.filter((resource) => keptAfterDown(resource, undefined)).map((resource) => resource.type),
    ).toEqual(['final-snapshot', 'config-value']);
  });
});

describe('classifyArn', () => {
  const query = { project: 'shop', environment: 'pr-1', accountId: '123456789012', region: 'us-east-1' };
  it.each([
    ['arn:aws:ec2:us-east-1:1:vpc/vpc-1', 'vpc', 'shop--pr-1'],
    ['arn:aws:ec2:us-east-1:1:natgateway/nat-1', 'nat-gateway', 'nat-1'],
    ['arn:aws:ecs:us-east-1:1:service/shop--pr-1/web', 'ecs-service', 'web'],
    ['arn:aws:ecs:us-east-1:1:task-definition/shop--pr-1--web:3', 'task-definition', 'shop--pr-1--web'],
    [
      'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/shop--pr-1/abc',
      'load-balancer',
      'shop--pr-1',
    ],
    [
      'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/shop-pr-1-web-1a2b3c/abc',
      'target-group',
      'shop-pr-1-web-1a2b3c',
    ],
    [
      'arn:aws:logs:us-east-1:1:log-group:/modeshift/shop/pr-1/web:*',
      'log-group',
      '/modeshift/shop/pr-1/web',
    ],
    ['arn:aws:rds:us-east-1:1:db:shop-pr-1-db-abc', 'db-instance', 'shop-pr-1-db-abc'],
    [
      'arn:aws:rds:us-east-1:1:snapshot:shop-pr-1-db-abc-final-20261126070000',
      'final-snapshot',
      'shop-pr-1-db-abc-final-20261126070000',
    ],
    [
      'arn:aws:rds:us-east-1:1:snapshot:rds:shop-pr-1-db-abc-2026-11-26-07-00',
      'automated-snapshot',
      'shop-pr-1-db-abc-2026-11-26-07-00',
    ],
    ['arn:aws:rds:us-east-1:1:snapshot:by-hand', 'other', 'by-hand'],
    ['arn:aws:s3:::somebody-elses-bucket', 'other', 'somebody-elses-bucket'],
    ['arn:aws:lambda:us-east-1:1:function:stray', 'other', 'function:stray'],
  ])('%s is a %s named %s', (arn, type, name) => {
    expect(classifyArn(arn, query)).toEqual({ type, name, arn });
  });
});
