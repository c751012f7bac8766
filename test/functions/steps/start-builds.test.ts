// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` and bash `${!name}` are what these tests feed in and read
import {
  BatchGetBuildsCommand,
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  PutImageTagMutabilityCommand,
  RepositoryAlreadyExistsException,
} from '@aws-sdk/client-ecr';
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { composeToRequest } from '../../../core/compose.ts';
import { buildDeployInput } from '../../../core/execution-input.ts';
import { resolvePolicy } from '../../../core/policy.ts';
import { BUILDSPEC } from '../../../functions/aws/codebuild/build-project.ts';
import { startBuilds } from '../../../functions/steps/start-builds.ts';

const codebuild = mockClient(CodeBuildClient);
const ecr = mockClient(ECRClient);
const iam = mockClient(IAMClient);
const clients = () => ({
  codebuild: new CodeBuildClient({ region: 'us-east-1' }),
  ecr: new ECRClient({ region: 'us-east-1' }),
  iam: new IAMClient({ region: 'us-east-1' }),
});

const build = (service: string) => ({
  service,
  sourceLocation: `modeshift-artifacts/shop/pr-1/${service}/context.tar.gz`,
  dockerfile: 'Dockerfile',
  target: '',
  buildArgs: '',
  configArgs: [] as string[],
});
const input = {
  project: 'shop',
  environment: 'pr-1',
  builds: [build('web'), build('api')],
  computeType: 'BUILD_GENERAL1_MEDIUM',
  imageTag: 'deploy-7',
  tags: [
    { Key: 'modeshift:project', Value: 'shop' },
    { Key: 'modeshift:environment', Value: 'pr-1' },
  ],
  accountId: '123456789012',
  region: 'us-east-1',
};

beforeEach(() => {
  iam.reset();
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no role', $metadata: {} }));
  iam.on(CreateRoleCommand).callsFake((created: { RoleName: string; Path: string; Tags: unknown }) => ({
    Role: { Arn: `arn:aws:iam::123456789012:role${created.Path}${created.RoleName}`, Tags: created.Tags },
  }));
  iam.on(PutRolePolicyCommand).resolves({});
  codebuild.reset();
  ecr.reset();
  ecr.onAnyCommand().resolves({});
  codebuild.on(BatchGetProjectsCommand).resolves({ projects: [] });
  codebuild.on(CreateProjectCommand).resolves({});
  codebuild
    .on(StartBuildCommand)
    .callsFake((started: { projectName: string }) => ({ build: { id: `${started.projectName}:b1` } }));
});

describe('StartBuilds', () => {
  it('creates each repository and project (the mode’s compute type) and starts each build with its image tag', async () => {
    const result = await startBuilds(input, clients());

    expect(result).toEqual({
      builds: [
        { service: 'web', id: 'shop--pr-1--web:b1' },
        { service: 'api', id: 'shop--pr-1--api:b1' },
      ],
      reused: [],
      built: ['web', 'api'],
    });
    expect(ecr).toHaveReceivedCommandWith(CreateRepositoryCommand, {
      repositoryName: 'shop/pr-1/web',
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: 'IMMUTABLE',
    });
    expect(codebuild).toHaveReceivedCommandWith(CreateProjectCommand, {
      name: 'shop--pr-1--api',
      environment: expect.objectContaining({ computeType: 'BUILD_GENERAL1_MEDIUM' }),
    });
    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName: 'shop--pr-1--web',
      environmentVariablesOverride: expect.arrayContaining([
        {
          name: 'REPOSITORY_URI',
          value: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/pr-1/web',
          type: 'PLAINTEXT',
        },
        { name: 'IMAGE_TAG', value: 'deploy-7', type: 'PLAINTEXT' },
        { name: 'TRACE_TAG', value: '', type: 'PLAINTEXT' },
      ]),
    });
    expect(codebuild).not.toHaveReceivedCommand(ListBuildsForProjectCommand);
    // A build with no digest of its own is never looked for in the repository.
    expect(ecr).not.toHaveReceivedCommand(DescribeImagesCommand);
  });

  it('keeps a repository that exists', async () => {
    ecr
      .on(CreateRepositoryCommand)
      .rejects(new RepositoryAlreadyExistsException({ message: 'exists', $metadata: {} }));

    await expect(startBuilds(input, clients())).resolves.toMatchObject({ builds: expect.any(Array) });
    expect(ecr).toHaveReceivedCommandWith(PutImageTagMutabilityCommand, {
      repositoryName: 'shop/pr-1/web',
      imageTagMutability: 'IMMUTABLE',
    });
  });

  it('uses the build an earlier attempt started for the same image tag instead of starting another', async () => {
    codebuild.on(BatchGetProjectsCommand).callsFake((asked: { names: string[] }) => ({
      projects: asked.names.map((name) => ({
        name,
        tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
        environment: { computeType: 'BUILD_GENERAL1_MEDIUM' },
        source: {
          location: `modeshift-artifacts/shop/pr-1/${name.replace('shop-pr-1-', '')}/context.tar.gz`,
          buildspec: BUILDSPEC,
        },
      })),
    }));
    codebuild.on(ListBuildsForProjectCommand).callsFake((asked: { projectName: string }) => ({
      ids: [`${asked.projectName}:b0`],
    }));
    codebuild.on(BatchGetBuildsCommand).callsFake((asked: { ids: string[] }) => ({
      builds: asked.ids.map((id) => ({
        id,
        buildStatus: 'IN_PROGRESS',
        environment: { environmentVariables: [{ name: 'IMAGE_TAG', value: 'deploy-7' }] },
      })),
    }));

    const result = await startBuilds(input, clients());

    expect(result.builds).toEqual([
      { service: 'web', id: 'shop--pr-1--web:b0' },
      { service: 'api', id: 'shop--pr-1--api:b0' },
    ]);
    expect(codebuild).not.toHaveReceivedCommand(StartBuildCommand);
  });
});

describe('StartBuilds — content-addressed images', () => {
  const addressed = {
    ...input,
    builds: [
      { ...build('web'), imageTag: 'src-aaaa' },
      { ...build('api'), imageTag: 'src-bbbb' },
    ],
  };

  it('starts no build for an image whose digest tag is in its repository, and says so', async () => {
    ecr.on(DescribeImagesCommand, { repositoryName: 'shop/pr-1/web' }).resolves({
      imageDetails: [{ imageTags: ['src-aaaa', 'deploy-6'] }],
    });
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'shop/pr-1/api' })
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));

    const result = await startBuilds(addressed, clients());

    expect(result).toEqual({
      builds: [{ service: 'api', id: 'shop--pr-1--api:b1' }],
      reused: ['web'],
      built: ['api'],
    });
    expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
      repositoryName: 'shop/pr-1/web',
      imageIds: [{ imageTag: 'src-aaaa' }],
    });
    expect(codebuild).toHaveReceivedCommandTimes(StartBuildCommand, 1);
    expect(codebuild).not.toHaveReceivedCommandWith(StartBuildCommand, { projectName: 'shop--pr-1--web' });
    // Its project, missing here, is made at the mode's settings all the same (modeshift audit: missing).
    expect(codebuild).toHaveReceivedCommandWith(CreateProjectCommand, { name: 'shop--pr-1--web' });
  });

  it('keeps a reused image’s project at the mode’s compute type, and writes nothing to one already at it', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['src-aaaa', 'src-bbbb'] }] });
    // Each project as StartBuilds makes it, but for its compute type.
    const existing = (name: string, computeType: string) => ({
      name,
      serviceRole: 'arn:aws:iam::123456789012:role/modeshift/shop/pr-1/shop--pr-1.codebuild',
      environment: { computeType },
      source: { location: build(name.split('--').at(-1) ?? '').sourceLocation, buildspec: BUILDSPEC },
      tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
    });
    codebuild.on(BatchGetProjectsCommand).callsFake((asked: { names: string[] }) => ({
      projects: asked.names.map((name) =>
        existing(name, name.endsWith('web') ? 'BUILD_GENERAL1_SMALL' : 'BUILD_GENERAL1_MEDIUM'),
      ),
    }));

    const result = await startBuilds(addressed, clients());

    expect(result).toEqual({ builds: [], reused: ['web', 'api'], built: [] });
    expect(codebuild).toHaveReceivedCommandWith(UpdateProjectCommand, {
      name: 'shop--pr-1--web',
      environment: expect.objectContaining({ computeType: 'BUILD_GENERAL1_MEDIUM' }),
    });
    expect(codebuild).not.toHaveReceivedCommandWith(UpdateProjectCommand, { name: 'shop--pr-1--api' });
    expect(codebuild).not.toHaveReceivedCommand(StartBuildCommand);
  });

  it('builds a missing image under its digest tag, with the deployment id as its trace tag', async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));

    await startBuilds(addressed, clients());

    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName: 'shop--pr-1--web',
      environmentVariablesOverride: expect.arrayContaining([
        { name: 'IMAGE_TAG', value: 'src-aaaa', type: 'PLAINTEXT' },
        { name: 'TRACE_TAG', value: 'deploy-7', type: 'PLAINTEXT' },
      ]),
    });
  });

  it('stops on an error other than a missing image', async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(startBuilds(addressed, clients())).rejects.toThrow('denied');
    expect(codebuild).not.toHaveReceivedCommand(StartBuildCommand);
  });

  it('pushes the trace tag after the image, and a trace tag that exists does not fail the build', () => {
    const push = BUILDSPEC.indexOf('docker push "$REPOSITORY_URI:$IMAGE_TAG"');
    const trace = BUILDSPEC.indexOf('docker push "$REPOSITORY_URI:$TRACE_TAG" || echo');

    expect(push).toBeGreaterThan(0);
    expect(trace).toBeGreaterThan(push);
  });
});

describe('StartBuilds — build args read from config values', () => {
  /** A compose file whose web service builds with one plain arg and one config arg, through the execution input. */
  function configArgBuild() {
    const { request } = composeToRequest(
      'name: shop\nservices:\n  web:\n    build:\n      context: s3://modeshift-artifacts/shop/pr-1/web/context.tar.gz\n      args:\n        NODE_ENV: production\n        NPM_TOKEN: ${NPM_TOKEN}\n',
      {
        environment: 'pr-1',
        mode: 'development',
        deploymentId: 'deploy-7',
        variables: { NPM_TOKEN: 'npm_s3cr3t-from-the-shell' },
        configNames: new Set(['NPM_TOKEN']),
      },
    );
    const deploy = buildDeployInput(request, resolvePolicy(request.mode), new Date('2026-11-26T07:00:00Z'));
    return { ...input, builds: deploy.builds };
  }

  it('passes them as Parameter Store variables naming the parameter, and the names to the build', async () => {
    await startBuilds({ ...configArgBuild(), builds: configArgBuild().builds.slice(0, 1) }, clients());

    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName: 'shop--pr-1--web',
      environmentVariablesOverride: expect.arrayContaining([
        { name: 'CONFIG_ARG_NPM_TOKEN', value: '/modeshift/shop/pr-1/NPM_TOKEN', type: 'PARAMETER_STORE' },
        { name: 'CONFIG_ARGS', value: 'NPM_TOKEN', type: 'PLAINTEXT' },
        { name: 'BUILD_ARGS', value: 'NODE_ENV=production', type: 'PLAINTEXT' },
      ]),
    });
  });

  it('puts no value of a config arg in the StartBuild call', async () => {
    await startBuilds(configArgBuild(), clients());

    const sent = JSON.stringify(codebuild.commandCalls(StartBuildCommand).map((call) => call.args[0].input));
    expect(sent).toContain('CONFIG_ARG_NPM_TOKEN');
    expect(sent).not.toContain('npm_s3cr3t-from-the-shell');
  });

  it('exports each config arg under its own name and passes it to docker by name only', () => {
    expect(BUILDSPEC).toContain('export "$name=${!value_of}"; set -- "$@" --build-arg "$name"');
    expect(BUILDSPEC).toContain('value_of="CONFIG_ARG_$name"');
  });
});
