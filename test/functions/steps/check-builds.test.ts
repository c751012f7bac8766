import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkBuilds } from '../../../functions/steps/check-builds.ts';

const codebuild = mockClient(CodeBuildClient);
const clients = () => ({ codebuild: new CodeBuildClient({ region: 'us-east-1' }) });
const started = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ service: `s${index}`, id: `p${index}:b1` }));
const statuses = (status: (id: string) => string) => (asked: { ids: string[] }) => ({
  builds: asked.ids.map((id) => ({ id, buildStatus: status(id) })),
});

beforeEach(() => {
  codebuild.reset();
});

describe('CheckBuilds', () => {
  it('is done when every build succeeded, asking for a hundred builds a call', async () => {
    codebuild.on(BatchGetBuildsCommand).callsFake(statuses(() => 'SUCCEEDED'));

    await expect(checkBuilds({ builds: started(150) }, clients())).resolves.toEqual({ done: true });
    expect(codebuild).toHaveReceivedCommandTimes(BatchGetBuildsCommand, 2);
  });

  it('is not done while a build is still running', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .callsFake(statuses((id) => (id === 'p1:b1' ? 'IN_PROGRESS' : 'SUCCEEDED')));

    await expect(checkBuilds({ builds: started(3) }, clients())).resolves.toMatchObject({ done: false });
  });

  it('fails with Modeshift.BuildFailed naming the services whose builds failed', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .callsFake(statuses((id) => (id === 'p2:b1' ? 'FAILED' : 'IN_PROGRESS')));

    await expect(checkBuilds({ builds: started(3) }, clients())).rejects.toMatchObject({
      name: 'Modeshift.BuildFailed',
      message: expect.stringContaining('s2 (p2:b1: FAILED)'),
    });
  });

  it('fails when CodeBuild does not know a build', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [] });

    await expect(checkBuilds({ builds: started(1) }, clients())).rejects.toMatchObject({
      name: 'Modeshift.BuildFailed',
    });
  });
});
