import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
  InvalidInputException,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUILDSPEC, ensureBuildProject } from '../../../../functions/aws/codebuild/build-project.ts';

const codebuild = mockClient(CodeBuildClient);
const clients = () => ({ codebuild: new CodeBuildClient({ region: 'us-east-1' }) });

const input = {
  build: {
    service: 'web',
    project: 'shop-pr-1-web',
    repository: 'shop/pr-1/web',
    sourceLocation: 'modeshift-artifacts/shop/pr-1/web/context.tar.gz',
    dockerfile: 'Dockerfile',
    target: '',
    buildArgs: '',
    configArgs: [],
  },
  computeType: 'BUILD_GENERAL1_MEDIUM',
  tags: [
    { Key: 'modeshift:project', Value: 'shop' },
    { Key: 'modeshift:environment', Value: 'pr-1' },
  ],
  serviceRoleArn: 'arn:aws:iam::123456789012:role/modeshift-codebuild',
};

function existing(computeType: string) {
  return {
    name: 'shop-pr-1-web',
    environment: {
      type: 'LINUX_CONTAINER' as const,
      image: 'x',
      computeType: computeType as 'BUILD_GENERAL1_SMALL',
    },
    source: { type: 'S3' as const, location: input.build.sourceLocation, buildspec: BUILDSPEC },
    tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
    serviceRole: input.serviceRoleArn,
  };
}

beforeEach(() => {
  codebuild.reset();
  codebuild.on(BatchGetProjectsCommand).resolves({ projects: [] });
});

describe('EnsureBuildProject', () => {
  it('creates the project with the mode’s compute type, privileged for docker builds, tagged', async () => {
    const result = await ensureBuildProject(input, clients());

    expect(result).toEqual({
      name: 'shop-pr-1-web',
      computeType: 'BUILD_GENERAL1_MEDIUM',
      action: 'created',
    });
    expect(codebuild).toHaveReceivedCommandWith(CreateProjectCommand, {
      name: 'shop-pr-1-web',
      environment: expect.objectContaining({ computeType: 'BUILD_GENERAL1_MEDIUM', privilegedMode: true }),
      source: expect.objectContaining({ type: 'S3', location: input.build.sourceLocation }),
      serviceRole: input.serviceRoleArn,
      tags: [
        { key: 'modeshift:project', value: 'shop' },
        { key: 'modeshift:environment', value: 'pr-1' },
      ],
    });
  });

  it('leaves a project that already has the mode’s settings alone', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [existing('BUILD_GENERAL1_MEDIUM')] });

    const result = await ensureBuildProject(input, clients());

    expect(result.action).toBe('unchanged');
    expect(codebuild).not.toHaveReceivedCommand(CreateProjectCommand);
    expect(codebuild).not.toHaveReceivedCommand(UpdateProjectCommand);
  });

  it('updates the compute type when the mode changed', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [existing('BUILD_GENERAL1_SMALL')] });

    const result = await ensureBuildProject(input, clients());

    expect(result.action).toBe('updated');
    expect(codebuild).toHaveReceivedCommandWith(UpdateProjectCommand, {
      name: 'shop-pr-1-web',
      environment: expect.objectContaining({ computeType: 'BUILD_GENERAL1_MEDIUM' }),
    });
  });

  it('recreates the project where the endpoint does not implement UpdateProject', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [existing('BUILD_GENERAL1_SMALL')] });
    codebuild
      .on(UpdateProjectCommand)
      .rejects(
        Object.assign(new Error('not found'), { name: 'UnknownError', $metadata: { httpStatusCode: 404 } }),
      );

    await ensureBuildProject(input, clients());

    expect(codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop-pr-1-web' });
    expect(codebuild).toHaveReceivedCommandWith(CreateProjectCommand, {
      environment: expect.objectContaining({ computeType: 'BUILD_GENERAL1_MEDIUM' }),
    });
  });

  it('recreates the project where the endpoint answers UpdateProject with a page that is not JSON', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [existing('BUILD_GENERAL1_SMALL')] });
    codebuild.on(UpdateProjectCommand).rejects(
      Object.assign(new Error('Unexpected token <'), {
        name: 'SyntaxError',
        $metadata: { httpStatusCode: 500 },
      }),
    );

    await ensureBuildProject(input, clients());

    expect(codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop-pr-1-web' });
  });

  it('lets any other update error through', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [existing('BUILD_GENERAL1_SMALL')] });
    codebuild
      .on(UpdateProjectCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(ensureBuildProject(input, clients())).rejects.toThrow('denied');
    expect(codebuild).not.toHaveReceivedCommand(DeleteProjectCommand);
  });

  it('refuses a project of its name that belongs to another environment, and changes nothing', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({
      projects: [
        {
          ...existing('BUILD_GENERAL1_SMALL'),
          tags: [
            { key: 'modeshift:project', value: 'shop-sec' },
            { key: 'modeshift:environment', value: 'x' },
          ],
        },
      ],
    });

    await expect(ensureBuildProject(input, clients())).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('belongs to shop-sec/x'),
    });
    expect(codebuild).not.toHaveReceivedCommand(UpdateProjectCommand);
    expect(codebuild).not.toHaveReceivedCommand(DeleteProjectCommand);
  });

  it('updates a project that builds as another role (the shared role of earlier versions)', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({
      projects: [{ ...existing('BUILD_GENERAL1_MEDIUM'), serviceRole: 'arn:aws:iam::1:role/old' }],
    });
    codebuild.on(UpdateProjectCommand).resolves({});

    const result = await ensureBuildProject(input, clients());

    expect(result.action).toBe('updated');
    expect(codebuild).toHaveReceivedCommandWith(UpdateProjectCommand, { serviceRole: input.serviceRoleArn });
  });
});

describe('EnsureBuildProject — a role CodeBuild cannot assume yet', () => {
  const notYetAssumable = () =>
    new InvalidInputException({
      message: 'CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::123456789012:role/x',
      $metadata: {},
    });

  it('retries the create, waiting longer each time, until IAM has propagated the new role', async () => {
    const waits: number[] = [];
    codebuild
      .on(CreateProjectCommand)
      .rejectsOnce(notYetAssumable())
      .rejectsOnce(notYetAssumable())
      .resolves({});

    const result = await ensureBuildProject(input, clients(), {
      delaysMs: [10, 20, 40],
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    expect(result.action).toBe('created');
    expect(waits).toEqual([10, 20]);
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 3);
  });

  it('gives up after the last wait, with CodeBuild’s error', async () => {
    codebuild.on(CreateProjectCommand).rejects(notYetAssumable());

    await expect(
      ensureBuildProject(input, clients(), { delaysMs: [1, 1], sleep: async () => {} }),
    ).rejects.toThrow(/sts:AssumeRole/);
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 3);
  });

  it('does not retry another invalid input', async () => {
    codebuild
      .on(CreateProjectCommand)
      .rejects(new InvalidInputException({ message: 'Invalid compute type', $metadata: {} }));

    await expect(
      ensureBuildProject(input, clients(), { delaysMs: [1], sleep: async () => {} }),
    ).rejects.toThrow('Invalid compute type');
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 1);
  });
});
