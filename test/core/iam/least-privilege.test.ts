/**
 * Every role modeshift derives a policy for: each action that changes
 * something (its access level in the Service Authorization Reference is not
 * Read or List) carries a tag condition, or is scoped to modeshift's names, or
 * is in the documented list of actions nothing can scope. The list of actions
 * is read from the policies, never kept by hand.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modeshiftArns } from '../../../core/iam/arns.ts';
import { actionReference, isMutating } from '../../../core/iam/authorization-reference.ts';
import type { PolicyStatement } from '../../../core/iam/policy.ts';
import {
  requestHandlerPolicy,
  schedulerPolicy,
  sweepPolicy,
  trustPolicy,
} from '../../../core/iam/service-policies.ts';
import { stepPolicy } from '../../../core/iam/step-policy.ts';
import { UNSCOPABLE_ACTIONS } from '../../../core/iam/unscopable.ts';
import { workflowPolicy } from '../../../core/iam/workflow-policy.ts';
import { databaseNames, environmentNames } from '../../../core/names.ts';
import { workflowDefinition } from '../../../core/workflow-definitions.ts';
import { STEPS } from '../../../state-machines/workflows.ts';
import { isAllowed } from '../../support/iam-simulate.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const PLACE = {
  account: ACCOUNT,
  region: REGION,
  tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/modeshift-environments`,
};
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const TABLE = arn('dynamodb', 'table/modeshift-environments');
const BUS = arn('events', 'event-bus/modeshift');
const DEPLOY = arn('states', 'stateMachine:modeshift-ci-deploy');
const DOWN = arn('states', 'stateMachine:modeshift-ci-down');
const ROLES = {
  SchedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/modeshift-scheduler`,
};
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/modeshift-step`;

function workflowContext(projects?: readonly string[]) {
  return {
    ...PLACE,
    ...(projects ? { projects } : {}),
    tableArn: TABLE,
    busArn: BUS,
    lambdaFunctionArns: Object.fromEntries(
      Object.keys(STEPS).map((step) => [step, arn('lambda', `function:modeshift-${step}`)]),
    ),
    passRoles: ROLES,
  };
}

/** Every policy modeshift derives, by role. */
function everyPolicy(): Array<[string, PolicyStatement[]]> {
  return [
    ...Object.values(STEPS).map((step): [string, PolicyStatement[]] => [
      `step ${step.name}`,
      stepPolicy(step, PLACE),
    ]),
    ['workflow deploy', workflowPolicy(workflowDefinition('deploy'), workflowContext())],
    ['workflow down', workflowPolicy(workflowDefinition('down'), workflowContext())],
    [
      'request handler',
      requestHandlerPolicy({
        ...PLACE,
        tableArn: TABLE,
        busArn: BUS,
        deployStateMachineArn: DEPLOY,
        downStateMachineArn: DOWN,
        readsConfigValues: true,
      }),
    ],
    ['sweep', sweepPolicy({ tableArn: TABLE, busArn: BUS })],
    ['scheduler role', schedulerPolicy(BUS, PLACE)],
  ];
}

/** The resources modeshift names: its own patterns and the exact ARNs of its app. */
function namedResources(): Set<string> {
  const names = Object.values(modeshiftArns(PLACE)).filter((value) => typeof value === 'string');
  return new Set<string>([
    ...names,
    TABLE,
    `${TABLE}/index/*`,
    BUS,
    DEPLOY,
    DOWN,
    `${DEPLOY.replace(':stateMachine:', ':execution:')}:*`,
    `${DOWN.replace(':stateMachine:', ':execution:')}:*`,
    ...Object.values(ROLES),
    ...Object.values(workflowContext().lambdaFunctionArns),
  ]);
}

/** Actions that change something, granted on resources that are not modeshift's names, with no condition. */
function unscoped(policy: readonly PolicyStatement[]): string[] {
  const named = namedResources();
  return policy
    .filter((statement) => statement.Condition === undefined)
    .filter((statement) => statement.Resource.some((resource) => !named.has(resource)))
    .flatMap((statement) => statement.Action)
    .filter((action) => isMutating(actionReference(action)));
}

describe('least privilege — every role', () => {
  for (const [role, policy] of everyPolicy()) {
    it(`${role}: every action that changes something is tag-conditioned, name-scoped or documented as unscopable`, () => {
      const undocumented = unscoped(policy).filter((action) => UNSCOPABLE_ACTIONS[action] === undefined);

      expect(undocumented).toEqual([]);
    });
  }

  it('finds the destructive actions from the policies themselves (Delete*, Modify*, Put*, … are all checked)', () => {
    const mutating = new Set(
      everyPolicy().flatMap(([, policy]) =>
        policy
          .flatMap((statement) => statement.Action)
          .filter((action) => isMutating(actionReference(action))),
      ),
    );

    for (const action of [
      'rds:DeleteDBInstance',
      'ec2:DeleteVpc',
      'elasticloadbalancing:DeleteLoadBalancer',
      'ecs:DeleteService',
      'acm:DeleteCertificate',
      'route53:DeleteHostedZone',
      'ec2:ModifyVpcAttribute',
      'ecs:UpdateService',
      'logs:PutRetentionPolicy',
    ]) {
      expect(mutating).toContain(action);
    }
  });

  it('documents only actions some role really holds unscoped, and each in the README with its reason', () => {
    const readme = readFileSync('README.md', 'utf8');
    const held = new Set(everyPolicy().flatMap(([, policy]) => unscoped(policy)));

    for (const [action, { why }] of Object.entries(UNSCOPABLE_ACTIONS)) {
      expect(held).toContain(action);
      expect(readme).toContain(`| \`${action}\` | ${why} |`);
    }
  });

  it('names only actions that exist in the Service Authorization Reference', () => {
    for (const [, policy] of everyPolicy()) {
      for (const action of policy.flatMap((statement) => statement.Action)) {
        expect(() => actionReference(action)).not.toThrow();
      }
    }
  });

  it('conditions only on tag keys the action supports (a key it does not support would deny it in AWS)', () => {
    for (const [role, policy] of everyPolicy()) {
      for (const statement of policy) {
        const keys = Object.values(statement.Condition ?? {}).flatMap((block) => Object.keys(block));
        for (const key of keys.filter((k) => /^aws:(Resource|Request)Tag\//.test(k))) {
          const generic = key.replace(/\/.*$/, '/$' + '{TagKey}');
          for (const action of statement.Action) {
            const reference = actionReference(action);
            const supported =
              reference.conditionKeys.has(generic) ||
              reference.resourceTypes.some((type) => type.resourceKeys.has(generic));
            expect(supported, `${role}: ${action} ${key}`).toBe(true);
          }
        }
      }
    }
  });
});

describe('least privilege — what the tag condition allows (IAM evaluated as AWS does)', () => {
  const database = arn('rds', `db:${databaseNames('shop', 'pr-1', 'db').instance}`);
  const deleteDatabase = (projects: readonly string[] | undefined, tags: Record<string, string>) =>
    isAllowed(
      {
        Version: '2012-10-17',
        Statement: stepPolicy(STEPS.DeleteDatabases as never, {
          ...PLACE,
          ...(projects ? { projects } : {}),
        }),
      },
      {
        principal: PRINCIPAL,
        action: 'rds:DeleteDBInstance',
        resource: database,
        context: Object.fromEntries(
          Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
        ),
      },
    );

  it('lets DeleteDatabases delete a database of a project it serves', async () => {
    expect(await deleteDatabase(['shop'], { 'modeshift:project': 'shop' })).toBe(true);
  });

  it('refuses DeleteDatabases a database tagged for another project', async () => {
    expect(await deleteDatabase(['shop'], { 'modeshift:project': 'billing' })).toBe(false);
  });

  it('refuses DeleteDatabases an untagged database, whatever projects it serves', async () => {
    expect(await deleteDatabase(['shop'], {})).toBe(false);
    expect(await deleteDatabase(undefined, {})).toBe(false);
    expect(await deleteDatabase(undefined, { owner: 'payments' })).toBe(false);
  });

  it('refuses the down workflow deleting a subnet group tagged for another project, and allows its own', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: workflowPolicy(workflowDefinition('down'), workflowContext(['shop', 'blog-*'])),
    };
    const subnetGroup = arn('rds', `subgrp:${environmentNames('shop', 'pr-1').dbSubnetGroup}`);
    const remove = (project?: string) =>
      isAllowed(policy, {
        principal: PRINCIPAL,
        action: 'rds:DeleteDBSubnetGroup',
        resource: subnetGroup,
        context: project === undefined ? {} : { 'aws:ResourceTag/modeshift:project': project },
      });

    expect(await remove('shop')).toBe(true);
    expect(await remove('blog-eu')).toBe(true);
    expect(await remove('billing')).toBe(false);
    expect(await remove()).toBe(false);
  });

  it('lets EnsureNetwork create a VPC only when the request tags it with a served project', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: stepPolicy(STEPS.EnsureNetwork as never, { ...PLACE, projects: ['shop'] }),
    };
    const create = (project?: string) =>
      isAllowed(policy, {
        principal: PRINCIPAL,
        action: 'ec2:CreateVpc',
        resource: arn('ec2', 'vpc/vpc-0123'),
        context: project === undefined ? {} : { 'aws:RequestTag/modeshift:project': project },
      });

    expect(await create('shop')).toBe(true);
    expect(await create('billing')).toBe(false);
    expect(await create()).toBe(false);
  });

  it('refuses EnsureNetwork tagging an existing foreign security group, outside a create', async () => {
    const policy = { Version: '2012-10-17', Statement: stepPolicy(STEPS.EnsureNetwork as never, PLACE) };
    const tag = (context: Record<string, string>) =>
      isAllowed(policy, {
        principal: PRINCIPAL,
        action: 'ec2:CreateTags',
        resource: arn('ec2', 'security-group/sg-0123'),
        context: { 'aws:RequestTag/modeshift:project': 'shop', ...context },
      });

    expect(await tag({})).toBe(false);
    expect(await tag({ 'ec2:CreateAction': 'CreateSecurityGroup' })).toBe(true);
    expect(await tag({ 'aws:ResourceTag/modeshift:project': 'shop' })).toBe(true);
  });
});

describe('least privilege — trust policies', () => {
  it('trusts a service only on behalf of this account, and of the resources named', () => {
    const trust = trustPolicy('codebuild.amazonaws.com', {
      account: ACCOUNT,
      arns: [arn('codebuild', 'project/*')],
    });

    expect(trust.Statement[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': arn('codebuild', 'project/*') },
    });
    expect(trustPolicy('lambda.amazonaws.com', { account: ACCOUNT }).Statement[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
    });
  });

  it('has every stack pass its roles through trustPolicy or lambdaTrust, never a bare principal', () => {
    for (const file of [
      'service-roles.ts',
      'workflows.ts',
      'request-handlers.ts',
      'sweep.ts',
      'workflow-steps.ts',
    ]) {
      const source = readFileSync(`stacks/${file}`, 'utf8');

      expect(source, file).not.toMatch(/Principal:\s*\{\s*Service/);
      expect(source, file).toMatch(/trustPolicy\(|lambdaTrust\(/);
    }
  });
});
