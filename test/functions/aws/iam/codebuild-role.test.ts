import {
  CreateRoleCommand,
  type CreateRoleCommandInput,
  DeleteRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../../core/execution-input.ts';
import { environmentNames, serviceNames } from '../../../../core/names.ts';
import {
  type BuildAccess,
  CODEBUILD_POLICY_NAME,
  codeBuildRolePolicy,
  deleteCodeBuildRole,
  ensureCodeBuildRole,
} from '../../../../functions/aws/iam/codebuild-role.ts';
import { isAllowed } from '../../../support/iam-simulate.ts';

const ACCOUNT = '123456789012';
const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const tags = modeshiftTags('shop', 'pr-42', 'development', 'deploy-1');
const ROLE_NAME = environmentNames('shop', 'pr-42').codeBuildRole;
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/modeshift/shop/pr-42/${ROLE_NAME}`;

const access: BuildAccess = {
  project: 'shop',
  environment: 'pr-42',
  services: ['web', 'api'],
  artifactBuckets: ['modeshift-artifacts'],
  accountId: ACCOUNT,
  region: 'us-east-1',
};

const allows = (action: string, resource: string) =>
  isAllowed(codeBuildRolePolicy(access), { principal: PRINCIPAL, action, resource });

beforeEach(() => {
  iam.reset();
  iam.on(PutRolePolicyCommand).resolves({});
  iam.on(UpdateAssumeRolePolicyCommand).resolves({});
});

describe('codeBuildRolePolicy', () => {
  it("lets a build push to its environment's repositories, and not to another environment's", async () => {
    const repository = (project: string, environment: string, service: string) =>
      arn('ecr', `repository/${serviceNames(project, environment, service).ecrRepository}`);

    expect(await allows('ecr:PutImage', repository('shop', 'pr-42', 'web'))).toBe(true);
    expect(await allows('ecr:UploadLayerPart', repository('shop', 'pr-42', 'api'))).toBe(true);
    expect(await allows('ecr:PutImage', repository('shop', 'pr-43', 'web'))).toBe(false);
    expect(await allows('ecr:PutImage', repository('billing', 'pr-42', 'web'))).toBe(false);
    expect(await allows('ecr:PutImage', repository('shop', 'pr-42', 'worker'))).toBe(false);
    expect(await allows('ecr:GetAuthorizationToken', '*')).toBe(true);
  });

  it("lets a build read its environment's contexts, and not another environment's", async () => {
    const context = (key: string) => `arn:aws:s3:::modeshift-artifacts/${key}`;

    expect(await allows('s3:GetObject', context('shop/pr-42/web/context.tar.gz'))).toBe(true);
    expect(await allows('s3:GetObjectVersion', context('shop/pr-42/api/context.tar.gz'))).toBe(true);
    expect(await allows('s3:GetObject', context('shop/pr-43/web/context.tar.gz'))).toBe(false);
    expect(await allows('s3:GetObject', context('shop/pr-42-x/web/context.tar.gz'))).toBe(false);
    expect(await allows('s3:GetObject', context('billing/pr-42/web/context.tar.gz'))).toBe(false);
    expect(await allows('s3:PutObject', context('shop/pr-42/web/context.tar.gz'))).toBe(false);
  });

  it("lets a build read its environment's config values and write its own projects' logs only", async () => {
    expect(await allows('ssm:GetParameters', arn('ssm', 'parameter/modeshift/shop/pr-42/NPM_TOKEN'))).toBe(
      true,
    );
    expect(await allows('ssm:GetParameters', arn('ssm', 'parameter/modeshift/shop/pr-43/NPM_TOKEN'))).toBe(
      false,
    );
    expect(
      await allows(
        'logs:PutLogEvents',
        arn('logs', 'log-group:/aws/codebuild/shop--pr-42--web:log-stream:x'),
      ),
    ).toBe(true);
    expect(
      await allows(
        'logs:PutLogEvents',
        arn('logs', 'log-group:/aws/codebuild/shop--pr-43--web:log-stream:x'),
      ),
    ).toBe(false);
  });
});

describe('codeBuildRolePolicy — logs', () => {
  const group = (project: string) => arn('logs', `log-group:/aws/codebuild/${project}`);

  it("lets a build create its own project's log group, and its streams in it", async () => {
    expect(await allows('logs:CreateLogGroup', group('shop--pr-42--web'))).toBe(true);
    expect(await allows('logs:CreateLogStream', `${group('shop--pr-42--web')}:log-stream:build-1`)).toBe(
      true,
    );
    expect(await allows('logs:CreateLogGroup', group('shop--pr-43--web'))).toBe(false);
  });

  it('grants the stream actions on the streams of its log groups only, and the group action on the groups', () => {
    const statements = codeBuildRolePolicy(access).Statement;
    const resourcesOf = (action: string) =>
      statements
        .filter((statement) => statement.Action.includes(action))
        .flatMap((statement) => statement.Resource);

    expect(resourcesOf('logs:CreateLogGroup')).toEqual([
      group('shop--pr-42--api'),
      group('shop--pr-42--web'),
    ]);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      expect(resourcesOf(action)).toEqual([
        `${group('shop--pr-42--api')}:*`,
        `${group('shop--pr-42--web')}:*`,
      ]);
    }
  });
});

describe('ensureCodeBuildRole', () => {
  it("creates the environment's role under its path, tagged, trusted by CodeBuild for its own projects only", async () => {
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'none', $metadata: {} }));
    iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
      Role: { Arn: `arn:aws:iam::${ACCOUNT}:role${input.Path}${input.RoleName}`, Tags: input.Tags },
    }));

    const roleArn = await ensureCodeBuildRole(access, tags, client);

    expect(roleArn).toBe(PRINCIPAL);
    const created = iam.commandCalls(CreateRoleCommand)[0]?.args[0].input;
    expect(created?.Path).toBe('/modeshift/shop/pr-42/');
    expect(created?.Tags).toEqual(tags);
    expect(JSON.parse(created?.AssumeRolePolicyDocument ?? '{}').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'codebuild.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: {
            'aws:SourceArn': [
              arn('codebuild', 'project/shop--pr-42--api'),
              arn('codebuild', 'project/shop--pr-42--web'),
            ],
          },
        },
      },
    ]);
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      RoleName: ROLE_NAME,
      PolicyName: CODEBUILD_POLICY_NAME,
      PolicyDocument: JSON.stringify(codeBuildRolePolicy(access)),
    });
  });

  it("refuses a role of the environment's name that carries another environment's tags", async () => {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: ROLE_NAME,
        Arn: PRINCIPAL,
        Path: '/',
        RoleId: 'x',
        CreateDate: new Date(),
        Tags: modeshiftTags('shop', 'other', 'development', 'd'),
      },
    });

    await expect(ensureCodeBuildRole(access, tags, client)).rejects.toThrow(ROLE_NAME);
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});

describe('deleteCodeBuildRole', () => {
  it("deletes the environment's role and leaves one of another environment alone", async () => {
    const role = (environment: string) => ({
      Role: {
        RoleName: ROLE_NAME,
        Arn: PRINCIPAL,
        Path: '/',
        RoleId: 'x',
        CreateDate: new Date(),
        Tags: modeshiftTags('shop', environment, 'development', 'd'),
      },
    });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iam.on(DeleteRoleCommand).resolves({});

    iam.on(GetRoleCommand).resolves(role('other'));
    await deleteCodeBuildRole(client, { project: 'shop', environment: 'pr-42' });
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);

    iam.on(GetRoleCommand).resolves(role('pr-42'));
    await deleteCodeBuildRole(client, { project: 'shop', environment: 'pr-42' });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
  });
});
