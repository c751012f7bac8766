import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accessLogBucketName, serviceNames } from '../../core/names.ts';
import { StepIamError, stepPolicy, stepSdkCalls, stepSources } from '../../core/step-iam.ts';
import type { PolicyStatement } from '../../core/workflow-iam.ts';
import { STEPS } from '../../functions/steps/registry.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CONTEXT = { account: ACCOUNT, region: REGION };
const CODEBUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift-codebuild`;
const TASK_EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift-task-execution`;

const sources = stepSources(fileURLToPath(new URL('../../functions/steps/', import.meta.url)));

/** `EnsureNetwork` → `ensure-network.ts`. */
const fileOf = (step: string) => `${step.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`;

const actionsOf = (policy: readonly PolicyStatement[]) =>
  [...new Set(policy.flatMap((statement) => statement.Action))].sort();
const stepActions = (step: string) => actionsOf(stepPolicy(sources, fileOf(step), CONTEXT));
const resourcesOf = (policy: readonly PolicyStatement[], action: string) =>
  policy.filter((statement) => statement.Action.includes(action)).flatMap((statement) => statement.Resource);

function matches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${regex}$`).test(value);
}

describe('stepPolicy — actions from the SDK commands a step imports', () => {
  it('gives EnsureNetwork the VPC calls it makes, paginated ones included', () => {
    const actions = stepActions('EnsureNetwork');

    expect(actions).toContain('ec2:CreateVpc');
    expect(actions).toContain('ec2:DescribeVpcs');
    expect(actions).not.toContain('ec2:CreateNatGateway');
  });

  it('gives the NAT gateway calls to EnsureNatGateways, not to EnsureNetwork', () => {
    expect(stepActions('EnsureNatGateways')).toContain('ec2:CreateNatGateway');
  });

  it('grants exactly what a small step calls', () => {
    expect(stepActions('CheckDatabaseDeleted')).toEqual(['rds:DescribeDBInstances']);
    expect(stepActions('DescribeFailure')).toEqual(['states:GetExecutionHistory']);
  });

  it("counts the commands of the helper modules a step imports (DeleteCertificate's certificate lookup)", () => {
    expect(stepActions('DeleteCertificate')).toEqual([
      'acm:DeleteCertificate',
      'acm:ListCertificates',
      'acm:ListTagsForCertificate',
    ]);
  });

  it('names the SDK command, not its local alias (EnsureService imports two CreateServiceCommands)', () => {
    const actions = stepActions('EnsureService');

    expect(actions).toContain('ecs:CreateService');
    expect(actions).toContain('servicediscovery:CreateService');
    expect(actions).not.toContain('servicediscovery:CreateDiscoveryService');
  });

  it('adds the tag action AWS checks when a create carries tags', () => {
    expect(stepActions('RegisterTaskDefinition')).toContain('ecs:TagResource');
    expect(stepActions('EnsurePrivateNamespace')).toContain('servicediscovery:TagResource');
  });

  it('lets EnsureDatabase create the secret RDS keeps the master password in', () => {
    const policy = stepPolicy(sources, fileOf('EnsureDatabase'), CONTEXT);

    expect(actionsOf(policy)).toEqual(
      expect.arrayContaining([
        'secretsmanager:CreateSecret',
        'secretsmanager:TagResource',
        'kms:DescribeKey',
      ]),
    );
    expect(resourcesOf(policy, 'secretsmanager:CreateSecret')).toEqual([
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!*`,
    ]);
  });

  it.each([
    ['EnsureService', 'ecs.amazonaws.com'],
    ['EnsureLoadBalancer', 'elasticloadbalancing.amazonaws.com'],
    ['EnsureDatabase', 'rds.amazonaws.com'],
  ])('lets %s create %s’s service-linked role on an account’s first use, and only that', (step, service) => {
    const policy = stepPolicy(sources, fileOf(step), CONTEXT);
    const statements = policy.filter((statement) => statement.Action.includes('iam:CreateServiceLinkedRole'));

    expect(statements).toEqual([
      expect.objectContaining({
        Resource: [`arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/*`],
        Condition: { StringEquals: { 'iam:AWSServiceName': service } },
      }),
    ]);
    expect(stepActions('EnsureNetwork')).not.toContain('iam:CreateServiceLinkedRole');
  });

  it('grants no wildcard action for any step, and derives a policy for every registered step', () => {
    for (const step of Object.keys(STEPS)) {
      const policy = stepPolicy(sources, fileOf(step), CONTEXT);

      expect(policy.length, step).toBeGreaterThan(0);
      for (const action of actionsOf(policy)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      expect(new Set(policy.map((statement) => statement.Sid)).size).toBe(policy.length);
    }
  });
});

describe('stepPolicy — S3 actions and resources', () => {
  it('grants DeleteAccessLogBucket the IAM actions S3 checks, not the API names', () => {
    const actions = stepActions('DeleteAccessLogBucket');

    expect(actions).toEqual([
      's3:DeleteBucket',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:GetBucketTagging',
      's3:ListBucketVersions',
    ]);
  });

  it('scopes bucket actions to the access-log buckets of this account and region, and object actions to their objects', () => {
    const policy = stepPolicy(sources, fileOf('DeleteAccessLogBucket'), CONTEXT);
    const bucket = `arn:aws:s3:::${accessLogBucketName('shop', 'pr-1', ACCOUNT, REGION)}`;
    const [versions] = resourcesOf(policy, 's3:ListBucketVersions');
    const [objects] = resourcesOf(policy, 's3:DeleteObject');

    expect(matches(versions as string, bucket)).toBe(true);
    expect(
      matches(
        versions as string,
        `arn:aws:s3:::${accessLogBucketName('shop', 'pr-1', '999999999999', REGION)}`,
      ),
    ).toBe(false);
    expect(matches(objects as string, `${bucket}/AWSLogs/${ACCOUNT}/elb.log.gz`)).toBe(true);
    expect(matches(objects as string, bucket)).toBe(false);
  });

  it('maps the access-log bucket set-up of EnsureLoadBalancer to their IAM names', () => {
    expect(stepActions('EnsureLoadBalancer')).toEqual(
      expect.arrayContaining([
        's3:CreateBucket',
        's3:ListBucket',
        's3:PutBucketPolicy',
        's3:PutBucketPublicAccessBlock',
        's3:PutEncryptionConfiguration',
        's3:GetBucketTagging',
        's3:PutBucketTagging',
      ]),
    );
  });
});

describe('stepPolicy — batched steps', () => {
  it('gives a batched step the calls of the steps it is made of, and its own', () => {
    const includes = (step: string, parts: readonly string[], own: readonly string[]) => {
      const actions = stepActions(step);
      for (const part of parts) expect(actions).toEqual(expect.arrayContaining(stepActions(part)));
      expect(actions).toEqual(expect.arrayContaining([...own]));
    };

    includes(
      'StartBuilds',
      ['EnsureBuildProject'],
      [
        'ecr:CreateRepository',
        'ecr:TagResource',
        'codebuild:StartBuild',
        'codebuild:ListBuildsForProject',
        'codebuild:BatchGetBuilds',
      ],
    );
    includes('RolloutServices', ['RegisterTaskDefinition', 'EnsureService'], ['ecs:DescribeServices']);
    includes('EnsureDatabases', ['EnsureDatabase'], []);
    includes('CheckDatabasesDeleted', ['CheckDatabaseDeleted'], []);
    expect(stepActions('CheckBuilds')).toEqual(['codebuild:BatchGetBuilds']);
    expect(stepActions('DeleteDatabases')).toEqual(['rds:DeleteDBInstance', 'rds:ModifyDBInstance']);
  });

  it('scopes log-group creation and retention to the modeshift log groups', () => {
    const policy = stepPolicy(sources, fileOf('EnsureLogGroups'), CONTEXT);
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${serviceNames('shop', 'pr-1', 'web').logGroup}`;

    for (const action of ['logs:CreateLogGroup', 'logs:PutRetentionPolicy']) {
      const [scope] = resourcesOf(policy, action);
      expect(matches(scope as string, logGroup)).toBe(true);
      expect(matches(scope as string, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/x`)).toBe(
        false,
      );
    }
  });

  it('lets StartBuilds pass a role to CodeBuild only, and RolloutServices to ECS tasks only', () => {
    const passRoleOf = (step: string) =>
      stepPolicy(sources, fileOf(step), {
        ...CONTEXT,
        passRoles: [CODEBUILD_ROLE, TASK_EXECUTION_ROLE],
      }).filter((statement) => statement.Action.includes('iam:PassRole'));

    expect(passRoleOf('StartBuilds').map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
    ]);
    expect(passRoleOf('RolloutServices').map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    ]);
  });
});

describe('stepPolicy — resource scoping', () => {
  it('scopes log-group deletion to the modeshift log groups', () => {
    const policy = stepPolicy(sources, fileOf('DeleteLogGroups'), CONTEXT);
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${serviceNames('shop', 'pr-1', 'web').logGroup}`;
    const [deletable] = resourcesOf(policy, 'logs:DeleteLogGroup');

    expect(matches(deletable as string, logGroup)).toBe(true);
    expect(matches(deletable as string, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/x`)).toBe(
      false,
    );
    expect(resourcesOf(policy, 'logs:DescribeLogGroups')).toEqual([
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*`,
    ]);
  });

  it('scopes CodeBuild project changes to modeshift projects, and listing to everything', () => {
    const policy = stepPolicy(sources, fileOf('DeleteBuildResources'), CONTEXT);
    const project = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${serviceNames('shop', 'pr-1', 'web').codeBuildProject}`;
    const [deletable] = resourcesOf(policy, 'codebuild:DeleteProject');

    expect(matches(deletable as string, project)).toBe(true);
    expect(resourcesOf(policy, 'codebuild:ListProjects')).toEqual(['*']);
  });

  it('reads the history of executions only', () => {
    const policy = stepPolicy(sources, fileOf('DescribeFailure'), CONTEXT);

    expect(resourcesOf(policy, 'states:GetExecutionHistory')).toEqual([
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:*`,
    ]);
  });
});

describe('stepPolicy — passing roles', () => {
  const passRoles = [CODEBUILD_ROLE, TASK_EXECUTION_ROLE];
  const passRoleOf = (step: string, roles?: readonly string[]) =>
    stepPolicy(sources, fileOf(step), { ...CONTEXT, ...(roles ? { passRoles: roles } : {}) }).filter(
      (statement) => statement.Action.includes('iam:PassRole'),
    );

  it('lets EnsureBuildProject pass a role to CodeBuild only', () => {
    const [statement, ...others] = passRoleOf('EnsureBuildProject', [CODEBUILD_ROLE]);

    expect(others).toEqual([]);
    expect(statement?.Resource).toEqual([CODEBUILD_ROLE]);
    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
    });
  });

  it('lets RegisterTaskDefinition pass a role to ECS tasks only', () => {
    const [statement] = passRoleOf('RegisterTaskDefinition', [TASK_EXECUTION_ROLE]);

    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
  });

  it('grants no PassRole to a step whose code passes no role, whatever roles are offered', () => {
    expect(passRoleOf('EnsureNetwork', passRoles)).toEqual([]);
    expect(passRoleOf('EnsureService', passRoles)).toEqual([]);
  });

  it('grants no PassRole when no role is offered', () => {
    expect(passRoleOf('EnsureBuildProject')).toEqual([]);
  });
});

describe('stepSdkCalls — reading the code', () => {
  const map = (files: Record<string, string>) => new Map(Object.entries(files));

  it('follows relative imports transitively, through subfolders and back up', () => {
    const files = map({
      'step.ts': "import { helper } from './lib/helper.ts';\nexport const step = helper;",
      'lib/helper.ts': "import { deeper } from '../deeper.ts';\nexport const helper = deeper;",
      'deeper.ts':
        "import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';\nexport const deeper = DescribeLoadBalancersCommand;",
    });

    expect(actionsOf(stepPolicy(files, 'step.ts', CONTEXT))).toEqual([
      'elasticloadbalancing:DescribeLoadBalancers',
    ]);
    expect(stepSdkCalls(files, 'step.ts')).toEqual([
      {
        file: 'deeper.ts',
        sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
        operation: 'DescribeLoadBalancers',
      },
    ]);
  });

  it('does not follow type-only imports, count type imports or read comments', () => {
    const files = map({
      'step.ts': [
        "import type { Shape } from './types.ts';",
        "import { type CreateVpcCommandInput, DeleteVpcCommand, type EC2Client } from '@aws-sdk/client-ec2';",
        "// import { CreateNatGatewayCommand } from '@aws-sdk/client-ec2';",
        "/* import { TerminateInstancesCommand } from '@aws-sdk/client-ec2'; */",
        "const url = 'https://example.com/a//b';",
      ].join('\n'),
      'types.ts':
        "import { RunInstancesCommand } from '@aws-sdk/client-ec2';\nexport type Shape = RunInstancesCommand;",
    });

    expect(actionsOf(stepPolicy(files, 'step.ts', CONTEXT))).toEqual(['ec2:DeleteVpc']);
  });

  it('reads commands used through a namespace import', () => {
    const files = map({
      'step.ts':
        "import * as rds from '@aws-sdk/client-rds';\nawait client.send(new rds.DescribeDBInstancesCommand({}));",
    });

    expect(actionsOf(stepPolicy(files, 'step.ts', CONTEXT))).toEqual(['rds:DescribeDBInstances']);
  });

  it('refuses a client package it has no IAM prefix for, naming the file', () => {
    const files = map({
      'step.ts': "import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';",
    });

    expect(() => stepPolicy(files, 'step.ts', CONTEXT)).toThrow(StepIamError);
    expect(() => stepPolicy(files, 'step.ts', CONTEXT)).toThrow(
      /step\.ts.*client-resource-groups-tagging-api/,
    );
  });

  it('refuses an S3 operation whose IAM action it does not know, naming the file and command', () => {
    const files = map({ 'step.ts': "import { SelectObjectContentCommand } from '@aws-sdk/client-s3';" });

    expect(() => stepPolicy(files, 'step.ts', CONTEXT)).toThrow(/step\.ts: SelectObjectContentCommand/);
  });

  it('refuses an SDK client loaded with import(), naming the file', () => {
    const files = map({ 'step.ts': "const { EC2Client } = await import('@aws-sdk/client-ec2');" });

    expect(() => stepPolicy(files, 'step.ts', CONTEXT)).toThrow(
      /step\.ts: imports an AWS SDK client with import\(\)/,
    );
  });

  it('refuses an entry file that is not among the sources', () => {
    expect(() => stepPolicy(sources, 'ensure-everything.ts', CONTEXT)).toThrow(/ensure-everything\.ts/);
  });
});

describe('stepSources', () => {
  it('reads every .ts file under the folder, keyed by its path from there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeshift-step-sources-'));
    try {
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'step.ts'), 'export {};');
      writeFileSync(join(dir, 'lib', 'helper.ts'), 'export const x = 1;');
      writeFileSync(join(dir, 'notes.md'), '# not code');

      expect([...stepSources(dir).keys()]).toEqual(['lib/helper.ts', 'step.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds a file for every registered step', () => {
    for (const step of Object.keys(STEPS)) expect(sources.has(fileOf(step)), step).toBe(true);
  });
});
