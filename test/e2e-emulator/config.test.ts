// End-to-end on the local AWS (moto): config values through the CLI, and the deploy that needs them.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetProjectsCommand,
  type CodeBuildClient,
  type StartBuildCommandInput,
} from '@aws-sdk/client-codebuild';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTaskDefinitionCommand, type ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ListTagsForResourceCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import type { AwsClient, ClientFactory } from '../../engine/clients.ts';
import { readEnvironment } from '../../local/records.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import { runCli } from '../support/cli.ts';
import { isAllowed } from '../support/iam-simulate.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

/** An API and a worker that read MAIL_API_KEY (both) and SIGNING_SECRET (the API) as config values. */
const MAILER = 'test/fixtures/compose/mailer/compose.yaml';
const ENV = ['--env', 'pr-7', '-f', MAILER];

/** Runs the CLI against the local AWS of this file. */
const onLocalAws = (args: readonly string[], piped?: string) =>
  runCli([...args, '--endpoint', aws.endpoint()], {}, piped === undefined ? undefined : { piped });

const ssm = () => aws.target().clients('ssm') as SSMClient;

describe('modeshift config on the local AWS', () => {
  it('sets a value as a tagged SecureString, lists it without its value, overwrites it and removes it', async () => {
    const set = await onLocalAws(['config', 'set', 'MAIL_API_KEY', ...ENV], 'key-1\n');

    expect(set.code).toBe(0);
    const stored = await ssm().send(
      new GetParameterCommand({ Name: '/modeshift/mailer/pr-7/MAIL_API_KEY', WithDecryption: true }),
    );
    expect(stored.Parameter).toMatchObject({ Type: 'SecureString', Value: 'key-1', Version: 1 });
    const { TagList } = await ssm().send(
      new ListTagsForResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/modeshift/mailer/pr-7/MAIL_API_KEY',
      }),
    );
    expect(TagList).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'mailer' },
        { Key: 'modeshift:environment', Value: 'pr-7' },
      ]),
    );

    const listed = await onLocalAws(['config', 'ls', ...ENV, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'MAIL_API_KEY', lastModified: expect.any(String) }]);
    expect(listed.stdout).not.toContain('key-1');

    const overwritten = await onLocalAws(['config', 'set', 'MAIL_API_KEY', ...ENV], 'key-2');
    expect(overwritten.stdout).toContain('updated config value MAIL_API_KEY of mailer/pr-7');
    const rotated = await ssm().send(
      new GetParameterCommand({ Name: '/modeshift/mailer/pr-7/MAIL_API_KEY', WithDecryption: true }),
    );
    expect(rotated.Parameter).toMatchObject({ Type: 'SecureString', Value: 'key-2', Version: 2 });

    const removed = await onLocalAws(['config', 'rm', 'MAIL_API_KEY', ...ENV]);
    expect(removed.code).toBe(0);
    const left = await ssm().send(new GetParametersByPathCommand({ Path: '/modeshift/mailer/pr-7' }));
    expect(left.Parameters).toEqual([]);

    const again = await onLocalAws(['config', 'rm', 'MAIL_API_KEY', ...ENV]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('config value MAIL_API_KEY is not set for mailer/pr-7');
  });

  it('lists only the environment’s own values, not another environment’s', async () => {
    await onLocalAws(['config', 'set', 'MAIL_API_KEY', '--env', 'pr-7', '--project', 'mailer'], 'mine');
    await onLocalAws(['config', 'set', 'MAIL_API_KEY', '--env', 'pr-70', '--project', 'mailer'], 'theirs');

    const listed = await onLocalAws(['config', 'ls', '--env', 'pr-7', '--project', 'mailer', '--json']);

    expect(JSON.parse(listed.stdout).map((entry: { name: string }) => entry.name)).toEqual(['MAIL_API_KEY']);
    const table = await onLocalAws(['config', 'ls', '--env', 'pr-8', '--project', 'mailer']);
    expect(table.stdout).toBe(`no config values for mailer/pr-8 at ${aws.endpoint()}\n`);
  });
});

describe('deploy on the local AWS — config values', () => {
  const deploy = () => onLocalAws(['deploy', ...ENV, '--mode', 'dev', '--deployment-id', 'mail-1', '--json']);

  it('refuses a deploy that lacks a config value, naming each, and creates nothing', async () => {
    await onLocalAws(['config', 'set', 'SIGNING_SECRET', ...ENV], 'signing');

    const refused = await deploy();

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'error: services.api.environment.MAIL_API_KEY: config value MAIL_API_KEY is not set (also needed by worker): modeshift config set MAIL_API_KEY --env pr-7 --project mailer\n',
    );
    expect(refused.stderr).not.toContain('SIGNING_SECRET');
    expect(JSON.parse(refused.stdout)).toEqual({
      error: {
        kind: 'MissingConfigValuesError',
        problems: [expect.objectContaining({ path: 'services.api.environment.MAIL_API_KEY' })],
      },
    });
    const ecs = aws.target().clients('ecs') as ECSClient;
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    const dynamodb = aws.target().clients('dynamodb') as DynamoDBClient;
    expect(await readEnvironment(dynamodb, aws.target().names.tableName, 'mailer', 'pr-7')).toBeUndefined();
  });

  it('deploys once every value is set, each container reading its values from the parameters', async () => {
    await onLocalAws(['config', 'set', 'SIGNING_SECRET', ...ENV], 'signing');
    await onLocalAws(['config', 'set', 'MAIL_API_KEY', ...ENV], 'key-1');

    const deployed = await deploy();

    expect(deployed.code).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({
      status: 'SUCCEEDED',
      executionName: 'mailer--pr-7--mail-1',
    });
    const ecs = aws.target().clients('ecs') as ECSClient;
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'mailer--pr-7--api' }),
    );
    const secrets = taskDefinition?.containerDefinitions?.[0]?.secrets ?? [];
    expect(secrets.map((secret) => secret.name).sort()).toEqual(['MAIL_API_KEY', 'SIGNING_SECRET']);
    expect(secrets.find((secret) => secret.name === 'MAIL_API_KEY')?.valueFrom).toMatch(
      /^arn:aws:ssm:us-east-1:\d{12}:parameter\/modeshift\/mailer\/pr-7\/MAIL_API_KEY$/,
    );
    expect(JSON.stringify(taskDefinition)).not.toContain('key-1');
  });

  it('refuses a deploy that would put a stored config value inside a plain variable, saying how to pass it', async () => {
    await onLocalAws(['config', 'set', 'DB_PASS', ...ENV], 'pw-from-config');
    const folder = mkdtempSync(join(tmpdir(), 'modeshift-url-'));
    const file = join(folder, 'compose.yaml');
    writeFileSync(
      file,
      [
        'name: mailer',
        'services:',
        '  api:',
        '    image: public.ecr.aws/docker/library/nginx:1.27',
        '    environment:',
        // The compose file's own ${…}: interpolated by modeshift, not by JavaScript.
        `      DATABASE_URL: postgres://mailer:$\{DB_PASS}@db.example.com/mailer`,
        '',
      ].join('\n'),
    );

    const refused = await runCli(
      ['deploy', '-f', file, '--env', 'pr-7', '--mode', 'dev', '--endpoint', aws.endpoint(), '--json'],
      { DB_PASS: 'pw-from-shell' },
    );

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /services\.api\.environment\.DATABASE_URL: .*plain text.*modeshift config set DATABASE_URL/,
    );
    expect(refused.stdout + refused.stderr).not.toContain('pw-from-shell');
    const ecs = aws.target().clients('ecs') as ECSClient;
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });
});

/** A client factory whose CodeBuild client records each StartBuild it sends (moto does not keep its variables). */
function recordingStartBuilds(sent: StartBuildCommandInput[]) {
  const recorded = new WeakSet<AwsClient>();
  return (clients: ClientFactory): ClientFactory =>
    (service) => {
      const client = clients(service);
      if (service === 'codebuild' && !recorded.has(client)) {
        recorded.add(client);
        client.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'StartBuildCommand') sent.push(args.input as StartBuildCommandInput);
            return next(args);
          },
          { step: 'initialize', name: 'recordStartBuild' },
        );
      }
      return client;
    };
}

describe('deploy on the local AWS — build args read from config values', () => {
  it("starts the build with the arg as a Parameter Store variable, no value in the call, and the context set to expire, as the environment's own CodeBuild role, which down deletes", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'modeshift-build-args-'));
    const file = join(folder, 'compose.yaml');
    writeFileSync(join(folder, 'Dockerfile'), 'FROM nginx:1.27\nARG NPM_TOKEN\n');
    writeFileSync(
      file,
      'name: builder\nservices:\n  web:\n    build:\n      context: .\n      args:\n        NODE_ENV: production\n        NPM_TOKEN:\n',
    );
    const set = await onLocalAws(
      ['config', 'set', 'NPM_TOKEN', '--env', 'pr-9', '-f', file],
      'npm_value-from-config',
    );
    expect(set.code).toBe(0);
    const composed = loadComposeFile(file, {
      environment: 'pr-9',
      mode: 'development',
      deploymentId: 'build-1',
      variables: {},
      configNames: new Set(['NPM_TOKEN']),
    });
    const sent: StartBuildCommandInput[] = [];

    const report = await deployOnTarget(
      aws.target(),
      { ...composed, resolved: resolvePolicy(composed.request.mode) },
      { clients: recordingStartBuilds(sent) },
    );

    expect(report.status).toBe('SUCCEEDED');
    expect(sent.map((input) => input.projectName)).toEqual(['builder--pr-9--web']);
    expect(sent[0]?.environmentVariablesOverride).toEqual(
      expect.arrayContaining([
        { name: 'CONFIG_ARG_NPM_TOKEN', value: '/modeshift/builder/pr-9/NPM_TOKEN', type: 'PARAMETER_STORE' },
        { name: 'CONFIG_ARGS', value: 'NPM_TOKEN', type: 'PLAINTEXT' },
        { name: 'BUILD_ARGS', value: 'NODE_ENV=production', type: 'PLAINTEXT' },
      ]),
    );
    expect(JSON.stringify(sent)).not.toContain('npm_value-from-config');
    const s3 = aws.target().clients('s3') as S3Client;
    const bucket = aws.target().names.artifactBucket;
    const { Rules = [] } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(Rules).toContainEqual(
      expect.objectContaining({
        ID: 'expire-build-contexts',
        Status: 'Enabled',
        Filter: { Tag: { Key: 'modeshift:artifact', Value: 'build-context' } },
        Expiration: expect.objectContaining({ Days: 7 }),
      }),
    );
    // The context's key is the digest of what decides the image (core/build-digest.ts).
    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'builder/pr-9/web/' }),
    );
    expect(Contents.map((object) => object.Key)).toEqual([
      expect.stringMatching(/^builder\/pr-9\/web\/[0-9a-f]{64}\.tar\.gz$/),
    ]);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: Contents[0]?.Key }));
    expect(TagSet).toEqual([{ Key: 'modeshift:artifact', Value: 'build-context' }]);

    // The build runs as the environment's own role, which reaches only its own repository and contexts.
    const codebuild = aws.target().clients('codebuild') as CodeBuildClient;
    const iam = aws.target().clients('iam') as IAMClient;
    const roleName = environmentNames('builder', 'pr-9').codeBuildRole;
    const roleArn = `arn:aws:iam::123456789012:role/modeshift/builder/pr-9/${roleName}`;

    const { projects = [] } = await codebuild.send(
      new BatchGetProjectsCommand({ names: ['builder--pr-9--web'] }),
    );
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const { PolicyDocument = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'modeshift-codebuild' }),
    );
    const policy = JSON.parse(decodeURIComponent(PolicyDocument));
    const allows = (action: string, resource: string) =>
      isAllowed(policy, { principal: roleArn, action, resource });

    expect(projects[0]?.serviceRole).toBe(roleArn);
    expect(Role?.Arn).toBe(roleArn);
    expect(Role?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: 'builder' },
        { Key: 'modeshift:environment', Value: 'pr-9' },
      ]),
    );
    const repository = (environment: string) =>
      `arn:aws:ecr:us-east-1:123456789012:repository/builder/${environment}/web`;
    expect(await allows('ecr:PutImage', repository('pr-9'))).toBe(true);
    expect(await allows('ecr:PutImage', repository('pr-7'))).toBe(false);
    expect(await allows('s3:GetObject', `arn:aws:s3:::${bucket}/builder/pr-9/web/context.tar.gz`)).toBe(true);
    expect(await allows('s3:GetObject', `arn:aws:s3:::${bucket}/builder/pr-7/web/context.tar.gz`)).toBe(
      false,
    );

    const down = await downOnTarget(aws.target(), { project: 'builder', environment: 'pr-9' });

    expect(down.status).toBe('SUCCEEDED');
    await expect(iam.send(new GetRoleCommand({ RoleName: roleName }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });
});
