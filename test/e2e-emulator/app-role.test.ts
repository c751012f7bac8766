// The app's task role on the local AWS, read back: a role modeshift creates for
// x-modeshift.policies carries the account's app boundary and exactly those
// policies (plus the ECS Exec channel where the mode has it); a pre-created
// role under /modeshift-app/ is named as it is and never changed; a service
// without either gets no credentials; down removes only what modeshift created.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { EXEC_CHANNEL_ACTIONS } from '../../core/exec-channel.ts';
import { appBoundaryArn } from '../../core/iam/app-boundary.ts';
import { serviceNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { runCli } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
// Customer managed policies: moto knows AWS's own only when told to load them all, which slows every reset.
const S3_READ = 'arn:aws:iam::123456789012:policy/creds/reports-reader';
const SQS_FULL = 'arn:aws:iam::123456789012:policy/creds/queue-writer';

async function createPolicies(target: Target): Promise<void> {
  for (const arn of [S3_READ, SQS_FULL]) {
    await iam(target).send(
      new CreatePolicyCommand({
        PolicyName: arn.split('/').at(-1),
        Path: '/creds/',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::creds-reports/*' }],
        }),
      }),
    );
  }
}

function composeFile(apiAccess: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-app-role-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: creds
services:
  web:
    image: nginx:1.27
  api:
    image: nginx:1.27
    x-modeshift:
${apiAccess}`,
  );
  return file;
}

let deployments = 0;

async function deploy(target: Target, file: string, mode: Mode = 'development') {
  deployments += 1;
  const composed = loadComposeFile(file, {
    environment: 'main',
    mode,
    deploymentId: `role-${deployments}`,
    variables: {},
  });
  const report = await deployOnTarget(target, {
    ...composed,
    resolved: resolvePolicy(composed.request.mode),
  });
  expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
}

const iam = (target: Target) => target.clients('iam') as IAMClient;

async function taskRoleArnOf(target: Target, service: string): Promise<string | undefined> {
  const { taskDefinition } = await (target.clients('ecs') as ECSClient).send(
    new DescribeTaskDefinitionCommand({ taskDefinition: serviceNames('creds', 'main', service).taskFamily }),
  );
  return taskDefinition?.taskRoleArn || undefined;
}

async function roleOf(target: Target, service: string) {
  const name = serviceNames('creds', 'main', service).taskRole;
  try {
    const { Role } = await iam(target).send(new GetRoleCommand({ RoleName: name }));
    const { AttachedPolicies = [] } = await iam(target).send(
      new ListAttachedRolePoliciesCommand({ RoleName: name }),
    );
    const { PolicyNames = [] } = await iam(target).send(new ListRolePoliciesCommand({ RoleName: name }));
    return {
      role: Role,
      attached: AttachedPolicies.map((policy) => policy.PolicyArn).sort(),
      inline: PolicyNames,
    };
  } catch {
    return undefined;
  }
}

describe('the app role on the local AWS', () => {
  it('creates the role under the app boundary with exactly the policies asked for, and the Exec channel in development', async () => {
    const target = aws.target();
    await createPolicies(target);
    await deploy(target, composeFile(`      policies: [${S3_READ}]\n`));

    const api = await roleOf(target, 'api');
    const boundary = appBoundaryArn(target.names.accountId);
    expect(api?.role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(boundary);
    expect(api?.role?.Path).toBe('/modeshift/creds/main/');
    expect(api?.role?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'creds' },
        { Key: 'modeshift:environment', Value: 'main' },
      ]),
    );
    const trust = JSON.parse(decodeURIComponent(api?.role?.AssumeRolePolicyDocument ?? '{}'));
    expect(trust.Statement[0].Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
    expect(api?.attached).toEqual([S3_READ]);
    expect(api?.inline).toEqual(['modeshift-ecs-exec']);
    const exec = await iam(target).send(
      new GetRolePolicyCommand({
        RoleName: serviceNames('creds', 'main', 'api').taskRole,
        PolicyName: 'modeshift-ecs-exec',
      }),
    );
    const channel = JSON.parse(decodeURIComponent(exec.PolicyDocument ?? '{}'));
    expect(channel.Statement.map((statement: { Action: string[] }) => statement.Action)).toEqual([
      [...EXEC_CHANNEL_ACTIONS],
    ]);
    expect(await taskRoleArnOf(target, 'api')).toBe(api?.role?.Arn);

    const web = await roleOf(target, 'web');
    expect(web?.attached, 'a service without policies gets no AWS access').toEqual([]);
    expect(web?.inline).toEqual(['modeshift-ecs-exec']);
    expect(await taskRoleArnOf(target, 'web')).toBe(web?.role?.Arn);

    const { Policy } = await iam(target).send(new GetPolicyCommand({ PolicyArn: boundary }));
    const { PolicyVersion } = await iam(target).send(
      new GetPolicyVersionCommand({ PolicyArn: boundary, VersionId: Policy?.DefaultVersionId }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? '{}'));
    expect(
      document.Statement.find((statement: { Sid: string }) => statement.Sid === 'NoIdentityChanges'),
    ).toMatchObject({
      Effect: 'Deny',
      Action: ['iam:*', 'organizations:*', 'account:*'],
    });
  });

  it('attaches a newly listed policy and detaches a dropped one on the next deploy; down deletes the roles it created', async () => {
    const target = aws.target();
    await createPolicies(target);
    await deploy(target, composeFile(`      policies: [${S3_READ}]\n`));

    await deploy(target, composeFile(`      policies: [${SQS_FULL}]\n`));

    expect((await roleOf(target, 'api'))?.attached).toEqual([SQS_FULL]);

    const down = await downOnTarget(target, { project: 'creds', environment: 'main' });
    expect(down.status, `${down.failedState}: ${down.error} ${down.cause ?? ''}`).toBe('SUCCEEDED');
    expect(await roleOf(target, 'api')).toBeUndefined();
    expect(await roleOf(target, 'web')).toBeUndefined();
  });

  it('refuses a deploy naming a policy or a role the account does not have, with exit 2, naming the field, before anything is created', async () => {
    const target = aws.target();
    const deploy = (access: string) =>
      runCli([
        'deploy',
        '-f',
        composeFile(access),
        '--env',
        'main',
        '--mode',
        'development',
        '--endpoint',
        aws.endpoint(),
      ]);

    const policy = await deploy(`      policies: [${S3_READ}]\n`);
    const role = await deploy('      role: arn:aws:iam::123456789012:role/modeshift-app/nobody\n');

    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain(
      `services.api.x-modeshift.policies[0]: the managed policy ${S3_READ} does not exist in this account (or cannot be attached)`,
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain(
      'services.api.x-modeshift.role: the role arn:aws:iam::123456789012:role/modeshift-app/nobody does not exist in this account: create it under /modeshift-app/ first',
    );
    const { Vpcs = [] } = await (target.clients('ec2') as EC2Client).send(new DescribeVpcsCommand({}));
    expect(
      Vpcs.filter((vpc) => vpc.Tags?.some((tag) => tag.Key === 'modeshift:project')),
      'nothing was created',
    ).toEqual([]);
  });

  it('runs production with the pre-created role as it is, and gives a service without one no credentials', async () => {
    const target = aws.target();
    const { Role } = await iam(target).send(
      new CreateRoleCommand({
        RoleName: 'creds-api',
        Path: '/modeshift-app/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );

    await deploy(target, composeFile(`      role: ${Role?.Arn}\n`), 'production');

    expect(await taskRoleArnOf(target, 'api')).toBe(Role?.Arn);
    expect(await taskRoleArnOf(target, 'web'), 'production has ECS Exec off: no role at all').toBeUndefined();
    expect(await roleOf(target, 'api')).toBeUndefined();
    expect(await roleOf(target, 'web')).toBeUndefined();

    const down = await downOnTarget(target, { project: 'creds', environment: 'main', confirm: 'main' });
    expect(down.status, `${down.failedState}: ${down.error} ${down.cause ?? ''}`).toBe('SUCCEEDED');
    const kept = await iam(target).send(new GetRoleCommand({ RoleName: 'creds-api' }));
    expect(kept.Role?.Arn, 'the pre-created role is the team’s: down leaves it').toBe(Role?.Arn);
  });
});
