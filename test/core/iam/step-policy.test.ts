import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { SelectObjectContentCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../../../core/iam/policy.ts';
import { StepIamError, stepPolicy } from '../../../core/iam/step-policy.ts';
import { accessLogBucketName, environmentNames, serviceNames } from '../../../core/names.ts';
import { STEPS } from '../../../state-machines/workflows.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CONTEXT = {
  account: ACCOUNT,
  region: REGION,
  tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/modeshift-environments`,
};
const CODEBUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift-codebuild`;
const TASK_EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift-task-execution`;

/** The declaration of a step of the workflows. */
function step(name: string) {
  const declared = STEPS[name];
  if (declared === undefined) throw new Error(`no step ${name}`);
  return declared;
}

const actionsOf = (policy: readonly PolicyStatement[]) =>
  [...new Set(policy.flatMap((statement) => statement.Action))].sort();
const policyOf = (name: string, context: Parameters<typeof stepPolicy>[1] = CONTEXT) =>
  stepPolicy(step(name), context);
const stepActions = (name: string) => actionsOf(policyOf(name));
const resourcesOf = (policy: readonly PolicyStatement[], action: string) =>
  policy.filter((statement) => statement.Action.includes(action)).flatMap((statement) => statement.Resource);

function matches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${regex}$`).test(value);
}

describe('stepPolicy — actions from the SDK commands a step declares it sends', () => {
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
    expect(stepActions('CheckDatabasesDeleted')).toEqual(['rds:DescribeDBInstances']);
    expect(stepActions('DescribeFailure')).toEqual(['states:GetExecutionHistory']);
  });

  it("counts the commands of the helpers a step calls (DeleteCertificate's certificate lookup)", () => {
    expect(stepActions('DeleteCertificate')).toEqual([
      'acm:DeleteCertificate',
      'acm:ListCertificates',
      'acm:ListTagsForCertificate',
    ]);
  });

  it('knows a command by the package that exports it (RolloutServices sends two CreateServiceCommands)', () => {
    const actions = stepActions('RolloutServices');

    expect(actions).toContain('ecs:CreateService');
    expect(actions).toContain('servicediscovery:CreateService');
    expect(actions).not.toContain('servicediscovery:CreateDiscoveryService');
  });

  it('adds the tag action AWS checks when a create carries tags', () => {
    expect(stepActions('RolloutServices')).toContain('ecs:TagResource');
    expect(stepActions('EnsurePrivateNamespace')).toContain('servicediscovery:TagResource');
  });

  it('lets EnsureDatabases create the secret RDS keeps the master password in', () => {
    const policy = policyOf('EnsureDatabases');

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
    ['RolloutServices', ['ecs.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com']],
    ['EnsureLoadBalancer', ['elasticloadbalancing.amazonaws.com']],
    ['EnsureDatabases', ['rds.amazonaws.com']],
  ])('lets %s create %s’s service-linked role on an account’s first use, and only that', (step, services) => {
    const policy = policyOf(step);
    const statements = policy.filter((statement) => statement.Action.includes('iam:CreateServiceLinkedRole'));

    expect(statements).toEqual(
      services.map((service) =>
        expect.objectContaining({
          Resource: [`arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/*`],
          Condition: { StringEquals: { 'iam:AWSServiceName': service } },
        }),
      ),
    );
    expect(stepActions('EnsureNetwork')).not.toContain('iam:CreateServiceLinkedRole');
  });

  it('grants no wildcard action for any step, and derives a policy for every registered step', () => {
    for (const name of Object.keys(STEPS)) {
      const policy = policyOf(name);

      expect(policy.length, name).toBeGreaterThan(0);
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
    const policy = policyOf('DeleteAccessLogBucket');
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
  it('gives a batched step the calls of the helpers it is made of, and its own', () => {
    // What the build project helper (functions/aws/codebuild/build-project.ts) sends, and StartBuilds' own.
    expect(stepActions('StartBuilds')).toEqual(
      expect.arrayContaining([
        'codebuild:BatchGetProjects',
        'codebuild:CreateProject',
        'codebuild:UpdateProject',
        'ecr:CreateRepository',
        'ecr:TagResource',
        'codebuild:StartBuild',
        'codebuild:ListBuildsForProject',
        'codebuild:BatchGetBuilds',
      ]),
    );
    // The task definition and service helpers (functions/aws/ecs/), and RolloutServices' own look at the services.
    expect(stepActions('RolloutServices')).toEqual(
      expect.arrayContaining([
        'ecs:DescribeTaskDefinition',
        'ecs:RegisterTaskDefinition',
        'ecs:CreateService',
        'ecs:UpdateService',
        'servicediscovery:CreateService',
        'servicediscovery:GetService',
        'servicediscovery:UpdateService',
        'ecs:DescribeServices',
      ]),
    );
    // The database instance helper (functions/aws/rds/database-instance.ts).
    expect(stepActions('EnsureDatabases')).toEqual(
      expect.arrayContaining(['rds:CreateDBInstance', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance']),
    );
    expect(stepActions('CheckBuilds')).toEqual(['codebuild:BatchGetBuilds']);
    expect(stepActions('DeleteDatabases')).toEqual(['rds:DeleteDBInstance', 'rds:ModifyDBInstance']);
  });

  it('scopes log-group creation and retention to the modeshift log groups', () => {
    const policy = policyOf('EnsureLogGroups');
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
    const passRoleOf = (name: string) =>
      policyOf(name, { ...CONTEXT, passRoles: [CODEBUILD_ROLE, TASK_EXECUTION_ROLE] }).filter((statement) =>
        statement.Action.includes('iam:PassRole'),
      );

    expect(passRoleOf('StartBuilds').map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
    ]);
    expect(passRoleOf('RolloutServices').map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    ]);
  });
});

describe('stepPolicy — resource scoping', () => {
  it('lets RolloutServices register a scalable target it tags, and register again one already tagged (new bounds, no tags)', () => {
    const conditions = policyOf('RolloutServices')
      .filter((statement) => statement.Action.includes('application-autoscaling:RegisterScalableTarget'))
      .map((statement) => Object.keys(Object.values(statement.Condition ?? {})[0] ?? {}));

    expect(conditions).toEqual(
      expect.arrayContaining([['aws:RequestTag/modeshift:project'], ['aws:ResourceTag/modeshift:project']]),
    );
  });

  it('scopes log-group deletion to the modeshift log groups', () => {
    const policy = policyOf('DeleteLogGroups');
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${serviceNames('shop', 'pr-1', 'web').logGroup}`;
    const [deletable] = resourcesOf(policy, 'logs:DeleteLogGroup');

    expect(matches(deletable as string, logGroup)).toBe(true);
    expect(matches(deletable as string, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/x`)).toBe(
      false,
    );
  });

  it('lists log groups on "*", the only resource the reference authorises DescribeLogGroups on', () => {
    for (const step of ['EnsureLogGroups', 'DeleteLogGroups']) {
      expect(resourcesOf(policyOf(step), 'logs:DescribeLogGroups'), step).toEqual(['*']);
    }
  });

  it('scopes CodeBuild project changes to modeshift projects, and listing projects to everything', () => {
    const policy = policyOf('DeleteBuildResources');
    const project = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${serviceNames('shop', 'pr-1', 'web').codeBuildProject}`;
    const [deletable] = resourcesOf(policy, 'codebuild:DeleteProject');

    expect(matches(deletable as string, project)).toBe(true);
    expect(resourcesOf(policy, 'codebuild:ListProjects')).toEqual(['*']);
  });

  it("lists a project's builds on modeshift projects only (ListBuildsForProject takes a project)", () => {
    const [scope] = resourcesOf(policyOf('StartBuilds'), 'codebuild:ListBuildsForProject');
    const project = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${name}`;

    expect(matches(scope as string, project(serviceNames('shop', 'pr-1', 'web').codeBuildProject))).toBe(
      true,
    );
    expect(matches(scope as string, project('someone-elses'))).toBe(false);
  });

  it("reads the expiry schedules and the environments' job schedules only", () => {
    const scopes = resourcesOf(policyOf('CheckExpirySchedule'), 'scheduler:GetSchedule');
    const schedule = (group: string, name: string) =>
      `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;
    const allowed = (arn: string) => scopes.some((scope) => matches(scope, arn));
    const names = environmentNames('shop', 'pr-1');

    expect(allowed(schedule('default', names.expirySchedule))).toBe(true);
    expect(allowed(schedule(names.scheduleGroup, 'nightly'))).toBe(true);
    expect(allowed(schedule('default', 'nightly'))).toBe(false);
    expect(allowed(schedule('someone-elses', 'nightly'))).toBe(false);
  });

  it('reads the history of executions only', () => {
    const policy = policyOf('DescribeFailure');

    expect(resourcesOf(policy, 'states:GetExecutionHistory')).toEqual([
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:*`,
    ]);
  });
});

describe('stepPolicy — passing roles', () => {
  const passRoles = [CODEBUILD_ROLE, TASK_EXECUTION_ROLE];
  const passRoleOf = (name: string, roles?: readonly string[]) =>
    policyOf(name, { ...CONTEXT, ...(roles ? { passRoles: roles } : {}) }).filter((statement) =>
      statement.Action.includes('iam:PassRole'),
    );

  // A role that does not exist yet has no path: GetRole, which finds that out, is authorised against `role/<name>`.
  const ROLES_BY_NAME = [
    `arn:aws:iam::${ACCOUNT}:role/*--*--*`,
    `arn:aws:iam::${ACCOUNT}:role/*--*--*.task`,
    `arn:aws:iam::${ACCOUNT}:role/*--*.codebuild`,
  ];

  it("lets StartBuilds pass the environment's CodeBuild role it creates, to CodeBuild only, and touch no other role", () => {
    const [statement, ...others] = passRoleOf('StartBuilds');
    const modeshiftRoles = `arn:aws:iam::${ACCOUNT}:role/modeshift/*`;

    expect(others).toEqual([]);
    expect(statement?.Resource).toEqual([modeshiftRoles]);
    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
    });
    for (const action of [
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:TagRole',
      'iam:UpdateAssumeRolePolicy',
    ]) {
      expect(resourcesOf(policyOf('StartBuilds'), action)).toEqual([modeshiftRoles]);
    }
    expect(resourcesOf(policyOf('StartBuilds'), 'iam:GetRole')).toEqual([...ROLES_BY_NAME, modeshiftRoles]);
  });

  it('lets DeleteBuildResources delete the CodeBuild role, and pass none', () => {
    const modeshiftRoles = `arn:aws:iam::${ACCOUNT}:role/modeshift/*`;

    expect(passRoleOf('DeleteBuildResources')).toEqual([]);
    for (const action of ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies']) {
      expect(resourcesOf(policyOf('DeleteBuildResources'), action)).toEqual([modeshiftRoles]);
    }
    expect(resourcesOf(policyOf('DeleteBuildResources'), 'iam:GetRole')).toEqual([
      ...ROLES_BY_NAME,
      modeshiftRoles,
    ]);
  });

  it('lets RolloutServices pass a role to ECS tasks only', () => {
    const [statement] = passRoleOf('RolloutServices', [TASK_EXECUTION_ROLE]);

    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
  });

  it("lets RolloutServices pass the services' execution and task roles it creates and the apps' pre-created roles, and touch no other role", () => {
    const [statement, ...others] = passRoleOf('RolloutServices');
    const executionRoles = `arn:aws:iam::${ACCOUNT}:role/modeshift/*`;

    expect(others).toEqual([]);
    expect(statement?.Resource).toEqual([`arn:aws:iam::${ACCOUNT}:role/modeshift-app/*`, executionRoles]);
    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:TagRole']) {
      expect(resourcesOf(policyOf('RolloutServices'), action)).toEqual([executionRoles]);
    }
    expect(resourcesOf(policyOf('RolloutServices'), 'iam:GetRole')).toEqual([
      ...ROLES_BY_NAME,
      executionRoles,
    ]);
  });

  it('lets DeleteServices delete the execution roles, and pass none', () => {
    const executionRoles = `arn:aws:iam::${ACCOUNT}:role/modeshift/*`;

    expect(passRoleOf('DeleteServices')).toEqual([]);
    for (const action of ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies']) {
      expect(resourcesOf(policyOf('DeleteServices'), action)).toEqual([executionRoles]);
    }
    expect(resourcesOf(policyOf('DeleteServices'), 'iam:ListRoles')).toEqual(['*']);
  });

  it('grants no PassRole to a step whose code passes no role, whatever roles are offered', () => {
    expect(passRoleOf('EnsureNetwork', passRoles)).toEqual([]);
    expect(passRoleOf('DeleteServices', passRoles)).toEqual([]);
  });
});

describe('stepPolicy — a declaration it cannot derive a policy for', () => {
  it('refuses a command of a package it has no IAM mapping for, naming the step and the command', () => {
    const declared = { name: 'TagEverything', sends: [GetResourcesCommand] };

    expect(() => stepPolicy(declared, CONTEXT)).toThrow(StepIamError);
    expect(() => stepPolicy(declared, CONTEXT)).toThrow(/TagEverything: GetResourcesCommand/);
  });

  it('refuses an S3 operation whose IAM action it does not know, naming the step and the command', () => {
    const declared = { name: 'ReadLogs', sends: [SelectObjectContentCommand] };

    expect(() => stepPolicy(declared, CONTEXT)).toThrow(/ReadLogs: SelectObjectContentCommand/);
  });

  it('refuses something that is not an SDK command, naming it', () => {
    const declared = { name: 'Odd', sends: [class NotACommand {}] };

    expect(() => stepPolicy(declared, CONTEXT)).toThrow(/Odd: NotACommand/);
  });
});
