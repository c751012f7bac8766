import { describe, expect, it } from 'vitest';
import type { Machine, TaskState } from '../../../core/asl.ts';
import { modeshiftTags } from '../../../core/execution-input.ts';
import type { PolicyStatement } from '../../../core/iam/policy.ts';
import { stepPolicy } from '../../../core/iam/step-policy.ts';
import {
  rolesPassedToSteps,
  type WorkflowIamContext,
  WorkflowIamError,
  workflowPolicy,
} from '../../../core/iam/workflow-policy.ts';
import { environmentNames } from '../../../core/names.ts';
import { type WorkflowName, workflowDefinition } from '../../../core/workflow-definitions.ts';
import { ensureCluster } from '../../../functions/steps/ensure-cluster.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const ROLES = {
  SchedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/modeshift-scheduler`,
  CodeBuildRoleArn: `arn:aws:iam::${ACCOUNT}:role/modeshift-codebuild`,
  TaskExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/modeshift-task-execution`,
};
const functionArn = (step: string) => arn('lambda', `function:modeshift-${step}`);

// ---------------------------------------------------------------------------
// The expectation, computed from the ASL independently of core/iam/workflow-policy.ts.

interface Task {
  readonly name: string;
  readonly resource: string;
  readonly parameters: unknown;
}

/** Every Task state, walking Map (ItemProcessor/Iterator) and Parallel branches. */
function tasksOf(states: Record<string, Record<string, unknown>>): Task[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task'
      ? [{ name, resource: state.Resource as string, parameters: state.Parameters }]
      : []),
    ...[(state.ItemProcessor ?? state.Iterator) as { States: never } | undefined]
      .filter((processor) => processor !== undefined)
      .flatMap((processor) => tasksOf(processor.States)),
    ...((state.Branches ?? []) as Array<{ States: never }>).flatMap((branch) => tasksOf(branch.States)),
  ]);
}

function tasks(name: WorkflowName): Task[] {
  return tasksOf(workflowDefinition(name).States as unknown as Record<string, Record<string, unknown>>);
}

const IAM_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  rds: 'rds',
  elasticache: 'elasticache',
  elasticloadbalancingv2: 'elasticloadbalancing',
  cloudwatchlogs: 'logs',
  route53: 'route53',
  servicediscovery: 'servicediscovery',
  scheduler: 'scheduler',
  ecs: 'ecs',
  ecr: 'ecr',
  codebuild: 'codebuild',
  acm: 'acm',
  s3: 's3',
  dynamodb: 'dynamodb',
  eventbridge: 'events',
};

const SDK_PACKAGE: Record<string, string> = {
  rds: '@aws-sdk/client-rds',
  elasticache: '@aws-sdk/client-elasticache',
  elasticloadbalancingv2: '@aws-sdk/client-elastic-load-balancing-v2',
  cloudwatchlogs: '@aws-sdk/client-cloudwatch-logs',
  scheduler: '@aws-sdk/client-scheduler',
  ecs: '@aws-sdk/client-ecs',
  ecr: '@aws-sdk/client-ecr',
};

const capitalised = (action: string) => action.charAt(0).toUpperCase() + action.slice(1);

/** What AWS checks besides the called action when a create carries tags (written out on purpose). */
const TAG_ON_CREATE: Record<WorkflowName, string[]> = {
  deploy: ['elasticache:AddTagsToResource', 'rds:AddTagsToResource'],
  down: [],
};

/** Actions that make AWS create the service's service-linked role in an account that has none yet. */
const FIRST_USE_CREATES_ROLE = [
  'ecs:CreateCluster',
  'ecs:CreateService',
  'elasticloadbalancing:CreateLoadBalancer',
  'rds:CreateDBInstance',
];

function expectedActions(name: WorkflowName): string[] {
  const actions = new Set<string>(TAG_ON_CREATE[name]);
  for (const task of tasks(name)) {
    const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(task.resource);
    const optimized = /^arn:aws:states:::(\w+):(\w+)(\.sync)?$/.exec(task.resource);
    if (sdk) {
      const action = `${IAM_PREFIX[sdk[1] as string]}:${capitalised(sdk[2] as string)}`;
      actions.add(action);
      if (FIRST_USE_CREATES_ROLE.includes(action)) actions.add('iam:CreateServiceLinkedRole');
      if (JSON.stringify(task.parameters).includes('RoleArn}')) actions.add('iam:PassRole');
    } else if (task.resource.endsWith('FunctionArn}')) {
      actions.add('lambda:InvokeFunction');
    } else if (optimized?.[1] === 'codebuild') {
      for (const action of ['StartBuild', 'StopBuild', 'BatchGetBuilds']) actions.add(`codebuild:${action}`);
      for (const action of ['PutTargets', 'PutRule', 'DescribeRule']) actions.add(`events:${action}`);
    } else if (optimized) {
      actions.add(`${optimized[1]}:${capitalised(optimized[2] as string)}`);
    } else {
      throw new Error(`the test does not know ${task.resource}`);
    }
  }
  return [...actions].sort();
}

// ---------------------------------------------------------------------------
// A small evaluator: does the policy allow this action on this resource, with these condition keys?

function matches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function conditionHolds(statement: PolicyStatement, keys: Readonly<Record<string, string>>): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, value]) => {
      if (operator === 'Null') return (keys[key] === undefined) === (value === 'true');
      if (operator === 'StringEquals') return [value].flat().includes(keys[key] ?? '');
      if (operator === 'StringLike') {
        const present = keys[key];
        return present !== undefined && [value].flat().some((pattern) => matches(pattern, present));
      }
      throw new Error(`the test does not evaluate ${operator}`);
    }),
  );
}

function allows(
  policy: readonly PolicyStatement[],
  action: string,
  resource: string,
  keys: Readonly<Record<string, string>> = {},
): boolean {
  return policy.some(
    (statement) =>
      statement.Action.includes(action) &&
      statement.Resource.some((pattern) => matches(pattern, resource)) &&
      conditionHolds(statement, keys),
  );
}

const TAGGED = { 'aws:ResourceTag/modeshift:project': 'shop' };
const TAGGING = { 'aws:RequestTag/modeshift:project': 'shop' };

function context(overrides: Partial<WorkflowIamContext> = {}): WorkflowIamContext {
  const steps = new Set(
    [...tasks('deploy'), ...tasks('down')].flatMap(
      (task) => /^\$\{(\w+)FunctionArn\}$/.exec(task.resource)?.[1] ?? [],
    ),
  );
  return {
    account: ACCOUNT,
    region: REGION,
    tableArn: arn('dynamodb', 'table/modeshift-environments'),
    busArn: arn('events', 'event-bus/modeshift'),
    lambdaFunctionArns: Object.fromEntries([...steps].map((step) => [step, functionArn(step)])),
    passRoles: ROLES,
    ...overrides,
  };
}

const policyOf = (name: WorkflowName) => workflowPolicy(workflowDefinition(name), context());
const actionsOf = (policy: readonly PolicyStatement[]) =>
  [...new Set(policy.flatMap((statement) => statement.Action))].sort();

/** A workflow with one Task, nested in a Parallel branch and a Map (legacy Iterator). */
function nested(task: Partial<TaskState>): Machine {
  return {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Parallel',
        End: true,
        Branches: [
          {
            StartAt: 'Each',
            States: {
              Each: {
                Type: 'Map',
                End: true,
                Iterator: {
                  StartAt: 'Inner',
                  States: { Inner: { Type: 'Task', Resource: '', End: true, ...task } },
                },
              },
            },
          },
        ],
      },
    },
  };
}

describe('workflowPolicy — deploy workflow', () => {
  it('lets the first ECS cluster of an account create ECS’s service-linked role, and no other', () => {
    // EnsureCluster, a step, creates the cluster: its role holds the grant, and the workflow's does not.
    expect(
      allows(
        policyOf('deploy'),
        'iam:CreateServiceLinkedRole',
        `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
        { 'iam:AWSServiceName': 'ecs.amazonaws.com' },
      ),
    ).toBe(false);
    const policy = stepPolicy(ensureCluster, { account: ACCOUNT, region: REGION });
    const ecsRole = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;
    const rdsRole = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`;

    expect(
      allows(policy, 'iam:CreateServiceLinkedRole', ecsRole, { 'iam:AWSServiceName': 'ecs.amazonaws.com' }),
    ).toBe(true);
    expect(
      allows(policy, 'iam:CreateServiceLinkedRole', rdsRole, { 'iam:AWSServiceName': 'rds.amazonaws.com' }),
    ).toBe(false);
    expect(
      allows(policy, 'iam:CreateServiceLinkedRole', ecsRole, { 'iam:AWSServiceName': 'rds.amazonaws.com' }),
    ).toBe(false);
  });

  it('grants every action the ASL needs and nothing else', () => {
    expect(actionsOf(policyOf('deploy'))).toEqual(expectedActions('deploy'));
  });

  it('spells each aws-sdk action as the SDK names its command', async () => {
    const policy = policyOf('deploy');
    for (const task of tasks('deploy')) {
      const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(task.resource);
      if (!sdk) continue;
      const exports = (await import(SDK_PACKAGE[sdk[1] as string] as string)) as Record<string, unknown>;
      const command = Object.keys(exports).find(
        (name) => name.toLowerCase() === `${sdk[2]}Command`.toLowerCase(),
      ) as string;
      expect(actionsOf(policy)).toContain(
        `${IAM_PREFIX[sdk[1] as string]}:${command.replace(/Command$/, '')}`,
      );
    }
    expect(actionsOf(policy)).toContain('rds:CreateDBSubnetGroup');
    expect(actionsOf(policy)).toContain('elasticache:CreateCacheSubnetGroup');
    expect(actionsOf(policy)).toContain('scheduler:CreateSchedule');
  });

  it('invokes exactly the Lambda steps the ASL references', () => {
    const referenced = [
      ...new Set(
        tasks('deploy').flatMap((task) => /^\$\{(\w+)FunctionArn\}$/.exec(task.resource)?.[1] ?? []),
      ),
    ];
    const invoked = policyOf('deploy')
      .filter((statement) => statement.Action.includes('lambda:InvokeFunction'))
      .flatMap((statement) => statement.Resource)
      .sort();

    expect(invoked).toEqual(referenced.map(functionArn).sort());
    expect(invoked).not.toContain(functionArn('DeleteNetwork'));
  });

  it('lets only the scheduler role be passed, and only to EventBridge Scheduler', () => {
    const policy = policyOf('deploy');
    const passRole = policy.filter((statement) => statement.Action.includes('iam:PassRole'));

    expect(passRole).toHaveLength(1);
    expect(passRole[0]?.Resource).toEqual([ROLES.SchedulerRoleArn]);
    expect(passRole[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    expect(JSON.stringify(policy)).not.toContain(ROLES.CodeBuildRoleArn);
    expect(JSON.stringify(policy)).not.toContain(ROLES.TaskExecutionRoleArn);
  });

  it('leaves repositories, builds and log groups to its steps: the workflow itself gets none of their actions', () => {
    const actions = actionsOf(policyOf('deploy'));

    expect(actions.filter((action) => /^(codebuild|ecr|logs):/.test(action))).toEqual([]);
    expect(actions).not.toContain('events:PutRule');
    expect(JSON.stringify(policyOf('deploy'))).not.toContain(
      'StepFunctionsGetEventForCodeBuildStartBuildRule',
    );
  });

  it('arms only the expiry schedules, in the default group', () => {
    const policy = policyOf('deploy');
    const schedule = arn('scheduler', `schedule/default/${environmentNames('shop', 'pr-1').expirySchedule}`);

    for (const action of [
      'scheduler:CreateSchedule',
      'scheduler:UpdateSchedule',
      'scheduler:DeleteSchedule',
    ]) {
      expect(allows(policy, action, schedule)).toBe(true);
    }
    expect(allows(policy, 'scheduler:CreateSchedule', arn('scheduler', 'schedule/default/nightly'))).toBe(
      false,
    );
  });

  it('changes only the attributes of tagged modeshift load balancers, and clusters only through EnsureCluster', () => {
    const policy = policyOf('deploy');
    const names = environmentNames('shop', 'pr-1');
    const loadBalancer = arn(
      'elasticloadbalancing',
      `loadbalancer/app/${names.loadBalancer}/50dc6c495c0c9188`,
    );
    const cluster = arn('ecs', `cluster/${names.cluster}`);

    expect(allows(policy, 'elasticloadbalancing:ModifyLoadBalancerAttributes', loadBalancer, TAGGED)).toBe(
      true,
    );
    expect(allows(policy, 'elasticloadbalancing:ModifyLoadBalancerAttributes', loadBalancer)).toBe(false);
    expect(allows(policy, 'ecs:CreateCluster', cluster, TAGGING)).toBe(false);
    expect(allows(policy, 'ecs:PutClusterCapacityProviders', cluster, TAGGED)).toBe(false);
    const step = stepPolicy(ensureCluster, { account: ACCOUNT, region: REGION });
    expect(allows(step, 'ecs:CreateCluster', cluster, TAGGING)).toBe(true);
    expect(allows(step, 'ecs:PutClusterCapacityProviders', cluster, TAGGED)).toBe(true);
  });

  it('hands a Lambda step only the scheduler role, to ScheduleJobs: StartBuilds creates and passes its environment’s own CodeBuild role', () => {
    expect(rolesPassedToSteps(workflowDefinition('deploy'))).toEqual({ ScheduleJobs: ['SchedulerRoleArn'] });
  });
});

describe('workflowPolicy — down workflow', () => {
  it('grants every action the ASL needs and nothing else', () => {
    expect(actionsOf(policyOf('down'))).toEqual(expectedActions('down'));
  });

  it('invokes exactly the Lambda steps the ASL references', () => {
    const referenced = tasks('down').flatMap(
      (task) => /^\$\{(\w+)FunctionArn\}$/.exec(task.resource)?.[1] ?? [],
    );
    const invoked = policyOf('down')
      .filter((statement) => statement.Action.includes('lambda:InvokeFunction'))
      .flatMap((statement) => statement.Resource);

    expect(invoked.sort()).toEqual([...new Set(referenced)].map(functionArn).sort());
    expect(invoked).not.toContain(functionArn('EnsureNetwork'));
  });

  it('passes no role', () => {
    expect(actionsOf(policyOf('down'))).not.toContain('iam:PassRole');
  });

  it('leaves deleting the databases to its step, and deletes only tagged modeshift subnet groups', () => {
    const policy = policyOf('down');

    expect(actionsOf(policy)).not.toContain('rds:DeleteDBInstance');
    expect(
      allows(
        policy,
        'rds:DeleteDBSubnetGroup',
        arn('rds', `subgrp:${environmentNames('shop', 'pr-1').dbSubnetGroup}`),
        TAGGED,
      ),
    ).toBe(true);
  });

  it('reads and writes only the environments table', () => {
    const policy = policyOf('down');

    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      expect(allows(policy, action, context().tableArn)).toBe(true);
      expect(allows(policy, action, arn('dynamodb', 'table/other'))).toBe(false);
    }
  });
});

describe('workflowPolicy — every workflow', () => {
  for (const name of ['deploy', 'down'] as const) {
    it(`${name}: grants no wildcard action, and every statement has a unique alphanumeric Sid`, () => {
      const policy = policyOf(name);

      for (const statement of policy) {
        expect(statement.Effect).toBe('Allow');
        for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
      }
      expect(new Set(policy.map((statement) => statement.Sid)).size).toBe(policy.length);
    });

    it(`${name}: merges actions that share resources and condition into one statement`, () => {
      const keys = policyOf(name).map((statement) =>
        JSON.stringify([statement.Resource, statement.Condition ?? null]),
      );

      expect(new Set(keys).size).toBe(keys.length);
    });

    it(`${name}: does not depend on the order of the states`, () => {
      const definition = workflowDefinition(name);
      const reversed = {
        ...definition,
        States: Object.fromEntries(Object.entries(definition.States).reverse()),
      };

      expect(workflowPolicy(reversed, context())).toEqual(policyOf(name));
    });
  }

  it('conditions on the project tag modeshift puts on everything it creates', () => {
    const keys = modeshiftTags('shop', 'pr-1', 'development', 'd-1').map((tag) => tag.Key);
    const conditionKeys = [...policyOf('deploy'), ...policyOf('down')].flatMap((statement) =>
      Object.keys(statement.Condition?.StringLike ?? {}),
    );

    expect(conditionKeys.length).toBeGreaterThan(0);
    for (const key of conditionKeys) expect(keys).toContain(key.split('/')[1]);
  });

  it('builds ARNs in the partition given', () => {
    const policy = workflowPolicy(workflowDefinition('down'), context({ partition: 'aws-cn' }));

    expect(policy.find((statement) => statement.Action.includes('ecs:DeleteCluster'))?.Resource).toEqual([
      `arn:aws-cn:ecs:${REGION}:${ACCOUNT}:cluster/*--*`,
    ]);
  });
});

describe('workflowPolicy — derivation', () => {
  it('walks Parallel branches and Map iterators', () => {
    const policy = workflowPolicy(
      nested({ Resource: 'arn:aws:states:::aws-sdk:ecs:deleteCluster' }),
      context(),
    );

    expect(actionsOf(policy)).toEqual(['ecs:DeleteCluster']);
  });

  it('takes the capitalisation of an action from the SDK command', () => {
    const policy = workflowPolicy(
      nested({ Resource: 'arn:aws:states:::aws-sdk:rds:describeDbInstances', Parameters: {} }),
      context(),
    );

    expect(actionsOf(policy)).toEqual(['rds:DescribeDBInstances']);
  });

  it('asks for the tag action only when a create carries tags', () => {
    const untagged = workflowPolicy(
      nested({
        Resource: 'arn:aws:states:::aws-sdk:ecr:createRepository',
        Parameters: { RepositoryName: 'x' },
      }),
      context(),
    );

    expect(actionsOf(untagged)).toEqual(['ecr:CreateRepository']);
    expect(untagged[0]?.Condition).toBeUndefined();
  });

  it('refuses an unknown service id, naming the state', () => {
    const definition = nested({ Resource: 'arn:aws:states:::aws-sdk:quantumledger:getThing' });

    expect(() => workflowPolicy(definition, context())).toThrow(WorkflowIamError);
    expect(() => workflowPolicy(definition, context())).toThrow(
      /state "Outer\/Each\/Inner".*"quantumledger"/,
    );
  });

  it('refuses an action the SDK does not have, naming the state', () => {
    const definition = nested({ Resource: 'arn:aws:states:::aws-sdk:ecs:launchRocket' });

    expect(() => workflowPolicy(definition, context())).toThrow(/state "Outer\/Each\/Inner".*launchRocket/);
  });

  it('refuses a Lambda step without a function ARN, naming the state', () => {
    const { EnsureNetwork: _, ...others } = context().lambdaFunctionArns;

    expect(() =>
      workflowPolicy(workflowDefinition('deploy'), context({ lambdaFunctionArns: others })),
    ).toThrow(/state "EnsureNetwork".*EnsureNetworkFunctionArn/);
  });

  it('refuses a passed role without an ARN, naming the state', () => {
    const { SchedulerRoleArn: _, ...others } = ROLES;

    expect(() => workflowPolicy(workflowDefinition('deploy'), context({ passRoles: others }))).toThrow(
      /state "CreateExpirySchedule".*SchedulerRoleArn/,
    );
  });

  it('refuses a role passed to an action that takes none, naming the state', () => {
    const definition = nested({
      Resource: 'arn:aws:states:::aws-sdk:ecs:deleteCluster',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder token, as the workflows write them
      Parameters: { Cluster: 'x', RoleArn: '${SchedulerRoleArn}' },
    });

    expect(() => workflowPolicy(definition, context())).toThrow(
      /state "Outer\/Each\/Inner".*ecs:DeleteCluster/,
    );
  });

  it('refuses an action it has no resource scope for, naming the state', () => {
    const definition = nested({ Resource: 'arn:aws:states:::aws-sdk:iam:createRole' });

    expect(() => workflowPolicy(definition, context())).toThrow(/state "Outer\/Each\/Inner".*iam:CreateRole/);
  });

  it('refuses a Resource it does not know, naming the state', () => {
    const definition = nested({ Resource: 'arn:aws:states:::sqs:sendMessage' });

    expect(() => workflowPolicy(definition, context())).toThrow(
      /state "Outer\/Each\/Inner".*sqs:sendMessage/,
    );
  });
});
