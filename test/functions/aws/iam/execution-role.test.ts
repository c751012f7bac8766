import {
  CreateRoleCommand,
  type CreateRoleCommandInput,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../../core/execution-input.ts';
import { environmentNames } from '../../../../core/names.ts';
import {
  EXECUTION_POLICY_NAME,
  type ExecutionAccess,
  ensureExecutionRole,
  environmentExecutionRoles,
  executionPolicy,
} from '../../../../functions/aws/iam/execution-role.ts';

const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const tags = modeshiftTags('shop', 'pr-42', 'development', 'deploy-1');
const PARAMETER = 'arn:aws:ssm:us-east-1:123456789012:parameter/modeshift/shop/pr-42/STRIPE_KEY';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf';

const access: ExecutionAccess = {
  project: 'shop',
  environment: 'pr-42',
  service: 'api',
  built: true,
  parameters: [PARAMETER],
  secrets: [SECRET],
  accountId: '123456789012',
  region: 'us-east-1',
};

beforeEach(() => {
  iam.reset();
  iam.on(PutRolePolicyCommand).resolves({});
});

describe('executionPolicy', () => {
  it("allows the service's own logs, its own image, and exactly the secrets it names", () => {
    expect(executionPolicy(access).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ['arn:aws:logs:us-east-1:123456789012:log-group:/modeshift/shop/pr-42/api:*'],
      },
      { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: ['arn:aws:ecr:us-east-1:123456789012:repository/shop/pr-42/api'],
      },
      { Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [PARAMETER] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [SECRET] },
    ]);
  });

  it('allows no image pull, parameter or secret to a service that runs a public image with none', () => {
    const statements = executionPolicy({ ...access, built: false, parameters: [], secrets: [] }).Statement;

    expect(statements.flatMap((statement) => statement.Action)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });
});

describe('ensureExecutionRole', () => {
  it('creates the role under the environment path, trusted by ECS tasks of this account only, and sets its policy', async () => {
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'none', $metadata: {} }));
    iam.on(CreateRoleCommand).callsFake((asked: CreateRoleCommandInput) => ({
      Role: {
        RoleName: asked.RoleName,
        Arn: `arn:aws:iam::123456789012:role${asked.Path}${asked.RoleName}`,
        Tags: asked.Tags,
      },
    }));

    const arn = await ensureExecutionRole(access, tags, client);

    expect(arn).toBe('arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--api');
    const created = iam.commandCalls(CreateRoleCommand)[0]?.args[0].input;
    expect(created).toMatchObject({
      RoleName: 'shop--pr-42--api',
      Path: '/modeshift/shop/pr-42/',
      Tags: tags,
    });
    expect(JSON.parse(created?.AssumeRolePolicyDocument ?? '{}').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:us-east-1:123456789012:*' },
        },
      },
    ]);
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      RoleName: 'shop--pr-42--api',
      PolicyName: EXECUTION_POLICY_NAME,
      PolicyDocument: JSON.stringify(executionPolicy(access)),
    });
  });

  it('updates the policy of the role it created before, without creating it again', async () => {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'shop--pr-42--api',
        Arn: 'arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--api',
        Tags: tags,
      } as never,
    });

    await ensureExecutionRole({ ...access, secrets: [] }, tags, client);

    expect(iam).not.toHaveReceivedCommand(CreateRoleCommand);
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      PolicyDocument: JSON.stringify(executionPolicy({ ...access, secrets: [] })),
    });
  });

  it('leaves alone a role of that name that is not tagged for the environment', async () => {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'shop--pr-42--api',
        Arn: 'arn:aws:iam::123456789012:role/shop--pr-42--api',
        Tags: modeshiftTags('shop', 'pr-4', 'development', 'x'),
      } as never,
    });

    await expect(ensureExecutionRole(access, tags, client)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});

describe('environmentExecutionRoles', () => {
  it("leaves out the environment's CodeBuild role, which shares their path, so pruning keeps it", async () => {
    const role = (RoleName: string) => ({
      RoleName,
      Arn: `arn:aws:iam::123456789012:role/modeshift/shop/pr-42/${RoleName}`,
      Path: '/modeshift/shop/pr-42/',
      RoleId: RoleName,
      CreateDate: new Date(),
    });
    iam.on(ListRolesCommand).resolves({
      Roles: [role('shop--pr-42--api'), role(environmentNames('shop', 'pr-42').codeBuildRole)],
    });
    iam
      .on(GetRoleCommand)
      .callsFake((input: { RoleName: string }) => ({ Role: { ...role(input.RoleName), Tags: tags } }));

    const roles = await environmentExecutionRoles(client, { project: 'shop', environment: 'pr-42' });

    expect([...roles.keys()]).toEqual(['shop--pr-42--api']);
  });
});
