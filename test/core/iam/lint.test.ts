/**
 * The policy lint, and every policy modeshift derives held to it: actions
 * that exist, no wildcard actions, resources that name a resource type of
 * their action, and `*` only where the reference or a written reason allows it.
 */
import { describe, expect, it } from 'vitest';
import { everyAppPolicy, localApp } from '../../../core/iam/calls/iam-check.ts';
import { globsOverlap, JUSTIFIED_WILDCARDS, lintPolicy, type PolicyFinding } from '../../../core/iam/lint.ts';
import { codeBuildRolePolicy } from '../../../functions/aws/iam/codebuild-role.ts';
import { executionPolicy } from '../../../functions/aws/iam/execution-role.ts';
import { STEPS } from '../../../state-machines/workflows.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const PLACE = {
  account: ACCOUNT,
  region: REGION,
  tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/modeshift-environments`,
};
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

interface Statement {
  readonly Sid?: string;
  readonly Action: string[];
  readonly Resource: string[];
}

/** Every policy modeshift derives, by role (the app's as the IAM check reads them), with a sample service and environment for the per-environment roles. */
function everyPolicy(): Array<[string, readonly Statement[]]> {
  return [
    ...everyAppPolicy(localApp(PLACE, STEPS), STEPS),
    [
      'service execution role',
      executionPolicy({
        project: 'shop',
        environment: 'pr-1',
        service: 'web',
        built: true,
        parameters: [arn('ssm', 'parameter/modeshift/shop/pr-1/API_KEY')],
        secrets: [arn('secretsmanager', 'secret:shop-db-AbCdEf')],
        accountId: ACCOUNT,
        region: REGION,
      }).Statement,
    ],
    [
      'codebuild role',
      codeBuildRolePolicy({
        project: 'shop',
        environment: 'pr-1',
        services: ['web'],
        artifactBuckets: ['modeshift-artifacts'],
        accountId: ACCOUNT,
        region: REGION,
      }).Statement,
    ],
  ];
}

const brief = (finding: PolicyFinding) =>
  `${finding.kind} ${finding.action} ${finding.resource ?? ''}`.trim();

const lint = (statements: Parameters<typeof lintPolicy>[0]) =>
  lintPolicy(statements, { justifiedWildcards: JUSTIFIED_WILDCARDS });

const POLICIES = everyPolicy();

describe('policy lint — every derived policy', () => {
  for (const [role, policy] of POLICIES) {
    it(`${role}: lints clean with the justified wildcards`, () => {
      const findings = lint(policy).map((finding) => finding.message);

      expect(findings).toEqual([]);
    });
  }

  it('justifies only wildcards some derived policy really grants', () => {
    const unjustified = POLICIES.flatMap(([, policy]) =>
      lintPolicy(policy).filter((finding) => finding.kind === 'unjustified-wildcard-resource'),
    );
    const used = new Set(
      unjustified.flatMap((finding) => [finding.action, `${finding.action.split(':')[0]}:*`]),
    );

    expect(Object.keys(JUSTIFIED_WILDCARDS).filter((key) => !used.has(key))).toEqual([]);
  });

  it('gives every justified wildcard a reason', () => {
    for (const [key, reason] of Object.entries(JUSTIFIED_WILDCARDS)) {
      expect(reason.length, key).toBeGreaterThan(20);
    }
  });
});

describe('policy lint — actions', () => {
  it('reports a misspelt action as unknown, naming it', () => {
    const findings = lint([
      { Sid: 'Ecs', Action: ['ecs:DescribeClusterz'], Resource: [arn('ecs', 'cluster/x')] },
    ]);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'unknown-action', action: 'ecs:DescribeClusterz', sid: 'Ecs' });
    expect(findings[0]?.message).toContain('ecs:DescribeClusterz');
  });

  it('reports an action of a service the reference does not know, naming it', () => {
    const findings = lint([{ Action: 'ecz:DescribeClusters', Resource: '*' }]);

    expect(findings.map((finding) => [finding.kind, finding.action])).toEqual([
      ['unknown-action', 'ecz:DescribeClusters'],
    ]);
    expect(findings[0]?.message).toContain('ecz:DescribeClusters');
  });

  it('reports wildcard actions: a whole service, a prefix of names, and everything', () => {
    const findings = lint([{ Action: ['ecs:*', 'ecs:Describe*', '*'], Resource: '*' }]);

    expect(findings.map((finding) => [finding.kind, finding.action])).toEqual([
      ['wildcard-action', 'ecs:*'],
      ['wildcard-action', 'ecs:Describe*'],
      ['wildcard-action', '*'],
    ]);
  });

  it('accepts an existing action on a resource of its type', () => {
    expect(lint([{ Action: 'ecs:DeleteCluster', Resource: arn('ecs', 'cluster/shop--pr-1') }])).toEqual([]);
  });
});

describe('policy lint — resources', () => {
  it('reports a resource of another service as naming none of the action’s resource types', () => {
    const cluster = arn('ecs', 'cluster/x');

    const findings = lint([{ Sid: 'Rds', Action: ['rds:DeleteDBInstance'], Resource: [cluster] }]);

    expect(findings.map(brief)).toEqual([`resource-mismatch rds:DeleteDBInstance ${cluster}`]);
    expect(findings[0]?.message).toContain('rds:DeleteDBInstance');
    expect(findings[0]?.message).toContain(cluster);
  });

  it('reports a named resource on an action that takes none (wildcard-only)', () => {
    const findings = lint([{ Action: 'ecr:GetAuthorizationToken', Resource: arn('ecr', 'repository/x') }]);

    expect(findings.map((finding) => finding.kind)).toEqual(['resource-mismatch']);
  });

  it('matches S3 object ARNs to objects and bucket ARNs to buckets', () => {
    const bucket = 'arn:aws:s3:::modeshift-logs';

    expect(lint([{ Action: 's3:GetObject', Resource: `${bucket}/*` }])).toEqual([]);
    expect(lint([{ Action: 's3:ListBucket', Resource: bucket }])).toEqual([]);
    expect(lint([{ Action: 's3:GetObject', Resource: bucket }]).map(brief)).toEqual([
      `resource-mismatch s3:GetObject ${bucket}`,
    ]);
  });

  it('accepts "*" on an action that takes no resource', () => {
    expect(lintPolicy([{ Action: 'ecr:GetAuthorizationToken', Resource: '*' }])).toEqual([]);
  });

  it('reports "*" on an action that takes resources, unless a reason is given for it', () => {
    const statement = { Action: 'ecs:DeleteCluster', Resource: '*' };

    expect(lintPolicy([statement]).map(brief)).toEqual(['unjustified-wildcard-resource ecs:DeleteCluster *']);
    expect(
      lintPolicy([statement], { justifiedWildcards: { 'ecs:DeleteCluster': 'clusters are named by AWS' } }),
    ).toEqual([]);
  });

  it('takes a reason for a whole service from its `prefix:*` key', () => {
    const statement = { Action: ['ecs:DeleteCluster', 'rds:DeleteDBInstance'], Resource: '*' };

    const findings = lintPolicy([statement], { justifiedWildcards: { 'ecs:*': 'reason for ECS' } });

    expect(findings.map(brief)).toEqual(['unjustified-wildcard-resource rds:DeleteDBInstance *']);
  });
});

describe('globsOverlap', () => {
  it('matches literal text only to itself', () => {
    expect(globsOverlap('abc', 'abc')).toBe(true);
    expect(globsOverlap('abc', 'abd')).toBe(false);
    expect(globsOverlap('abc', 'ab')).toBe(false);
    expect(globsOverlap('', '')).toBe(true);
  });

  it('lets a star match nothing, or any run of characters including "/" and ":"', () => {
    expect(globsOverlap('a*c', 'ac')).toBe(true);
    expect(globsOverlap('a*c', 'ab/x:yc')).toBe(true);
    expect(globsOverlap('*', '')).toBe(true);
    expect(globsOverlap('a*c', 'ab')).toBe(false);
  });

  it('lets a question mark match exactly one character', () => {
    expect(globsOverlap('a?c', 'abc')).toBe(true);
    expect(globsOverlap('a?c', 'ac')).toBe(false);
    expect(globsOverlap('a?c', 'a*')).toBe(true);
    expect(globsOverlap('??', '*x*y*')).toBe(true);
    expect(globsOverlap('???', 'x')).toBe(false);
  });

  it('finds a common string when both globs have stars', () => {
    expect(globsOverlap('a*', '*b')).toBe(true);
    expect(globsOverlap('a*b', 'b*a')).toBe(false);
    expect(globsOverlap('*x*', '*y*')).toBe(true);
    expect(globsOverlap('ab*', 'ac*')).toBe(false);
  });

  it('matches ARN patterns to resource type patterns', () => {
    expect(globsOverlap('arn:aws:ecs:eu-west-1:1:cluster/shop--*', 'arn:*:ecs:*:*:cluster/*')).toBe(true);
    expect(globsOverlap('arn:aws:ecs:eu-west-1:1:cluster/x', 'arn:*:rds:*:*:db:*')).toBe(false);
    expect(globsOverlap('arn:aws:s3:::bucket', 'arn:*:s3:::*/*')).toBe(false);
  });

  it('stays fast on long patterns full of stars', () => {
    const started = performance.now();

    expect(globsOverlap(`${'*a'.repeat(200)}b`, `${'a*'.repeat(200)}c`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
