/**
 * The IAM check on logged calls: each call becomes the requests IAM
 * evaluates (its action on its resources, with the tags AWS would see, and
 * the actions AWS checks behind it), and each is simulated against its
 * principal's policy. The negative cases show that the check can fail: a
 * statement taken out of a derived policy, a role policy short of a
 * permission, an action misspelt in a policy.
 */
import { describe, expect, it } from 'vitest';
import { runIamCheck } from '../../../../core/iam/calls/iam-check.ts';
import type { LoggedCall } from '../../../../core/iam/calls/logged-call.ts';
import { authorizationRequests } from '../../../../core/iam/calls/requests.ts';
import { serviceCalls } from '../../../../core/iam/calls/service-calls.ts';
import type { PolicyStatement } from '../../../../core/iam/policy.ts';
import { STEPS } from '../../../../state-machines/workflows.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PLACE = { account: ACCOUNT, region: REGION };
const TAGS = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'main' },
];
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/shop--main`;
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift/shop/main/shop--main--web`;
const PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/modeshift/shop/main/API_KEY`;
const REPOSITORY = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/shop/main/web`;

let seq = 0;
function call(
  principal: LoggedCall['principal'],
  service: string,
  operation: string,
  input: unknown,
  extra: Partial<LoggedCall> = {},
): LoggedCall {
  seq += 1;
  return {
    endpoint: 'http://127.0.0.1:1',
    at: 1_000 + seq,
    seq,
    principal,
    service,
    operation,
    input,
    ...extra,
  };
}

const executionPolicy = (withParameter: boolean) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
    {
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: [REPOSITORY],
    },
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/modeshift/shop/main/web:*`],
    },
    ...(withParameter ? [{ Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [PARAMETER] }] : []),
  ],
});

/** A cluster created with tags and then changed; a service's role created and handed to ECS. */
function deployLog(options: { withParameter?: boolean } = {}): LoggedCall[] {
  return [
    call(
      'step/EnsureCluster',
      'ecs',
      'CreateCluster',
      { clusterName: 'shop--main', tags: TAGS.map(({ Key, Value }) => ({ key: Key, value: Value })) },
      { created: [CLUSTER] },
    ),
    call('step/EnsureCluster', 'ecs', 'PutClusterCapacityProviders', {
      cluster: 'shop--main',
      capacityProviders: ['FARGATE'],
    }),
    call(
      'step/RolloutServices',
      'iam',
      'GetRole',
      { RoleName: 'shop--main--web' },
      { error: 'NoSuchEntityException' },
    ),
    call(
      'step/RolloutServices',
      'iam',
      'CreateRole',
      { RoleName: 'shop--main--web', Path: '/modeshift/shop/main/', Tags: TAGS },
      { created: [EXECUTION_ROLE] },
    ),
    call('step/RolloutServices', 'iam', 'PutRolePolicy', {
      RoleName: 'shop--main--web',
      PolicyName: 'modeshift-task-execution',
      PolicyDocument: JSON.stringify(executionPolicy(options.withParameter ?? true)),
    }),
    call(
      'step/RolloutServices',
      'ecs',
      'RegisterTaskDefinition',
      {
        family: 'shop--main--web',
        executionRoleArn: EXECUTION_ROLE,
        tags: TAGS.map(({ Key, Value }) => ({ key: Key, value: Value })),
        containerDefinitions: [
          {
            name: 'web',
            image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/main/web:abc`,
            secrets: [{ name: 'API_KEY', valueFrom: PARAMETER }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/modeshift/shop/main/web' },
            },
          },
        ],
      },
      { created: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/shop--main--web:1`] },
    ),
  ];
}

const check = (
  calls: LoggedCall[],
  alter?: (principal: string, statements: PolicyStatement[]) => PolicyStatement[],
) => runIamCheck(calls, { place: PLACE, steps: STEPS, ...(alter ? { alter } : {}) });

describe('the requests IAM evaluates for logged calls', () => {
  const replayed = () => authorizationRequests(deployLog(), PLACE, serviceCalls).requests;

  it('checks a create that carries tags against its request tags, and its tag action as a tag on create', () => {
    const requests = replayed().filter((request) =>
      request.because.startsWith('step/EnsureCluster ecs:CreateCluster'),
    );
    expect(requests.map((request) => request.action).sort()).toEqual([
      'ecs:CreateCluster',
      'ecs:TagResource',
      'iam:CreateServiceLinkedRole',
    ]);
    const tagOnCreate = requests.find((request) => request.action === 'ecs:TagResource');
    expect(tagOnCreate?.resource).toBe(CLUSTER);
    expect(tagOnCreate?.context).toMatchObject({
      'aws:RequestTag/modeshift:project': 'shop',
      'aws:TagKeys': ['modeshift:project', 'modeshift:environment'],
      'ecs:CreateAction': 'CreateCluster',
    });
  });

  it('gives a later change the tags the resource was created with, as AWS reads them', () => {
    const change = replayed().find((request) => request.action === 'ecs:PutClusterCapacityProviders');
    expect(change).toMatchObject({
      resource: CLUSTER,
      context: { 'aws:ResourceTag/modeshift:project': 'shop' },
    });
  });

  it('authorises a scaling policy on the scalable target AWS named at registration, with its tags', () => {
    const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0123abcd`;
    const resourceId = 'service/shop--main/web';
    const calls = [
      call(
        'step/RolloutServices',
        'applicationautoscaling',
        'RegisterScalableTarget',
        { ResourceId: resourceId, MinCapacity: 1, MaxCapacity: 4, Tags: { 'modeshift:project': 'shop' } },
        { created: [target] },
      ),
      call('step/RolloutServices', 'applicationautoscaling', 'PutScalingPolicy', {
        ResourceId: resourceId,
        PolicyName: 'web-cpu-target',
      }),
      call(
        'step/RolloutServices',
        'applicationautoscaling',
        'RegisterScalableTarget',
        { ResourceId: resourceId, MinCapacity: 2, MaxCapacity: 8 },
        { created: [target] },
      ),
    ];
    const { requests } = authorizationRequests(calls, PLACE, serviceCalls);

    // Registered again with new bounds (no tags): an update of the target, authorised on its tags.
    const again = requests.filter(
      (request) => request.action === 'application-autoscaling:RegisterScalableTarget',
    );
    expect(again.at(-1)).toMatchObject({
      resource: target,
      context: { 'aws:ResourceTag/modeshift:project': 'shop' },
    });

    expect(
      requests.find((request) => request.action === 'application-autoscaling:PutScalingPolicy'),
    ).toMatchObject({
      resource: target,
      context: { 'aws:ResourceTag/modeshift:project': 'shop' },
    });
  });

  it('authorises a web ACL change on the ACL its name, scope and id make, with the tags it was created with', () => {
    const acl = `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/shop--main/acl-1`;
    const calls = [
      call(
        'step/EnsureWebAcl',
        'wafv2',
        'CreateWebACL',
        { Name: 'shop--main', Scope: 'REGIONAL', Tags: TAGS },
        { created: [acl] },
      ),
      call('step/DeleteLoadBalancer', 'wafv2', 'DeleteWebACL', {
        Name: 'shop--main',
        Scope: 'REGIONAL',
        Id: 'acl-1',
        LockToken: 't',
      }),
    ];
    const { requests } = authorizationRequests(calls, PLACE, serviceCalls);

    expect(requests.find((request) => request.action === 'wafv2:DeleteWebACL')).toMatchObject({
      resource: acl,
      context: { 'aws:ResourceTag/modeshift:project': 'shop' },
    });
  });

  it('reads a role that does not exist yet by its name, and one that does by its path', () => {
    const reads = replayed()
      .filter((request) => request.action === 'iam:GetRole')
      .map((request) => request.resource);
    expect(reads).toEqual([`arn:aws:iam::${ACCOUNT}:role/shop--main--web`]);
    const put = replayed().find((request) => request.action === 'iam:PutRolePolicy');
    expect(put?.resource).toBe(EXECUTION_ROLE);
  });

  it('checks iam:PassRole on a role handed to ECS, conditioned on the service it goes to', () => {
    const pass = replayed().find((request) => request.action === 'iam:PassRole');
    expect(pass).toMatchObject({
      principal: 'step/RolloutServices',
      resource: EXECUTION_ROLE,
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
  });

  it('checks what ECS does with the task execution role against the policy the step put on it', () => {
    const byRole = replayed().filter((request) => request.principal === `role/${EXECUTION_ROLE}`);
    expect(byRole.map((request) => `${request.action} ${request.resource}`).sort()).toEqual(
      ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']
        .map((action) => `${action} ${REPOSITORY}`)
        .concat([
          'ecr:GetAuthorizationToken *',
          `logs:CreateLogStream arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/modeshift/shop/main/web:log-stream:ecs/web/0123456789abcdef`,
          `logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/modeshift/shop/main/web:log-stream:ecs/web/0123456789abcdef`,
          `ssm:GetParameters ${PARAMETER}`,
        ])
        .sort(),
    );
    expect(byRole[0]?.policies).toEqual([executionPolicy(true)]);
  });

  it("gives a resource made by a create whose process was killed before its answer was logged that create's tags", () => {
    const listener = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/shop--main/0a/0b`;
    const { requests } = authorizationRequests(
      [
        call(
          'step/EnsureListeners',
          'elasticloadbalancingv2',
          'CreateListener',
          { Port: 443, Tags: TAGS },
          { id: '7-1', pending: true },
        ),
        call('step/EnsureListeners', 'elasticloadbalancingv2', 'ModifyListener', {
          ListenerArn: listener,
          Port: 443,
        }),
      ],
      PLACE,
      serviceCalls,
    );
    expect(requests).toEqual([
      expect.objectContaining({
        action: 'elasticloadbalancing:ModifyListener',
        resource: listener,
        context: {
          'aws:ResourceTag/modeshift:project': 'shop',
          'aws:ResourceTag/modeshift:environment': 'main',
        },
      }),
    ]);
  });

  it('reports an S3 operation modeshift has no IAM action for as unknown', () => {
    const { unknownActions } = authorizationRequests(
      [call('step/EnsureLoadBalancer', 's3', 'PutBucketAnalyticsConfiguration', { Bucket: 'b' })],
      PLACE,
      serviceCalls,
    );
    expect(unknownActions).toEqual([
      expect.objectContaining({
        action: 's3:PutBucketAnalyticsConfiguration',
        principal: 'step/EnsureLoadBalancer',
      }),
    ]);
  });
});

describe('the IAM check', () => {
  it('allows every call of the log under the policies modeshift derives', async () => {
    const { report } = await check(deployLog());
    expect(report.denied).toEqual([]);
    expect(report.unknownActions).toEqual([]);
    expect(report.principals).toEqual([
      `role/${EXECUTION_ROLE}`,
      'step/EnsureCluster',
      'step/RolloutServices',
    ]);
  });

  it('fails, naming the call, when a statement is taken out of a derived policy', async () => {
    const result = await check(deployLog(), (principal, statements) =>
      principal === 'step/EnsureCluster'
        ? statements.filter((statement) => !statement.Action.includes('ecs:PutClusterCapacityProviders'))
        : statements,
    );
    expect(result.passed).toBe(false);
    expect(result.report.denied).toEqual([
      expect.objectContaining({
        reason: 'denied',
        request: expect.objectContaining({
          principal: 'step/EnsureCluster',
          action: 'ecs:PutClusterCapacityProviders',
          resource: CLUSTER,
          because: 'step/EnsureCluster ecs:PutClusterCapacityProviders',
        }),
      }),
    ]);
  });

  it('fails when the policy a step puts on a role it hands to ECS cannot read a secret the task names', async () => {
    const { report } = await check(deployLog({ withParameter: false }));
    expect(
      report.denied.map(({ request }) => `${request.principal} ${request.action} ${request.resource}`),
    ).toEqual([`role/${EXECUTION_ROLE} ssm:GetParameters ${PARAMETER}`]);
  });

  it('reports an action misspelt in a policy', async () => {
    const result = await check(deployLog(), (principal, statements) =>
      principal === 'step/EnsureCluster'
        ? statements.map((statement) => ({
            ...statement,
            Action: statement.Action.map((action) =>
              action === 'ecs:CreateCluster' ? 'ecs:CreateClustr' : action,
            ),
          }))
        : statements,
    );
    expect(result.passed).toBe(false);
    expect(result.lint).toContainEqual({
      principal: 'step/EnsureCluster',
      finding: expect.objectContaining({ kind: 'unknown-action', action: 'ecs:CreateClustr' }),
    });
    expect(result.report.denied.map(({ request }) => request.action)).toContain('ecs:CreateCluster');
  });

  it('names the principals a full run must cover and did not', async () => {
    const { report, passed } = await check(deployLog());
    expect(passed).toBe(false);
    expect(report.uncovered).toContain('workflow/deploy');
    expect(report.uncovered).toContain('step/DeleteNetwork');
    expect(report.uncovered).toContain('role/<a CodeBuild role>');
    expect(report.uncovered).not.toContain('step/EnsureCluster');
    expect(report.uncovered).not.toContain('role/<a task execution role>');
  });

  it('fails on an empty log', async () => {
    expect((await check([])).passed).toBe(false);
  });
});
