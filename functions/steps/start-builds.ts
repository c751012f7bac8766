/**
 * StartBuilds: the environment's CodeBuild role (functions/aws/iam/codebuild-role.ts),
 * every built service's ECR repository and CodeBuild project
 * (with the mode's compute type), and its image build, started, in one step.
 * functions/steps/check-builds.ts then waits for all of them with one BatchGetBuilds a look,
 * instead of one `.sync` task and its states per build.
 *
 * Idempotent: a repository that exists is kept, a project is brought to the
 * mode's settings, and a build of the same image tag that is running or has
 * succeeded (an earlier attempt of this step) is used instead of a new one.
 */
import {
  BatchGetBuildsCommand,
  BatchGetProjectsCommand,
  type Build,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
  PutImageTagMutabilityCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { configParameterName } from '../../core/config-values.ts';
import { serviceNames } from '../../core/names.ts';
import { CONFIG_ARG_PREFIX, ensureBuildProject } from '../aws/codebuild/build-project.ts';
import { assertRepositoryOwned } from '../aws/ecr/environment-repositories.ts';
import { builtImage } from '../aws/ecr/image-uri.ts';
import { type EnvironmentIdentity, environmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { ensureCodeBuildRole } from '../aws/iam/codebuild-role.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { BuildSpec, NamedBuild, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface StartBuildsInput {
  readonly project: string;
  readonly environment: string;
  readonly builds: readonly BuildSpec[];
  /** The mode's CodeBuild compute type. */
  readonly computeType: string;
  /** The tag every image of this deployment gets: the deployment id. */
  readonly imageTag: string;
  readonly tags: readonly Tag[];
  readonly accountId: string;
  readonly region: string;
}

/** A build started (or found running) for a service. */
export interface StartedBuild {
  readonly service: string;
  readonly id: string;
}

export interface StartBuildsOutput {
  readonly builds: readonly StartedBuild[];
}

/** Services set up and started at once. */
const CONCURRENCY = 5;
/** How many of a project's latest builds are looked at for one of this image tag. */
const RECENT_BUILDS = 5;

export const startBuilds = defineStep({
  name: 'StartBuilds',
  clients: { codebuild: CodeBuildClient, ecr: ECRClient, iam: IAMClient },
  sends: [
    BatchGetBuildsCommand,
    BatchGetProjectsCommand,
    CreateProjectCommand,
    DeleteProjectCommand,
    ListBuildsForProjectCommand,
    StartBuildCommand,
    UpdateProjectCommand,
    CreateRepositoryCommand,
    PutImageTagMutabilityCommand,
    DescribeRepositoriesCommand,
    ListTagsForResourceCommand,
    CreateRoleCommand,
    GetRoleCommand,
    PutRolePolicyCommand,
    UpdateAssumeRolePolicyCommand,
  ],
  async run(input: StartBuildsInput, clients): Promise<StartBuildsOutput> {
    const named = input.builds.map((build): NamedBuild => {
      const names = serviceNames(input.project, input.environment, build.service);
      return { ...build, project: names.codeBuildProject, repository: names.ecrRepository };
    });
    const owner = environmentIdentity(input.tags);
    const serviceRoleArn = await ensureCodeBuildRole(
      {
        project: input.project,
        environment: input.environment,
        services: named.map((build) => build.service),
        // A source location is `bucket/key`.
        artifactBuckets: named.map((build) => build.sourceLocation.split('/')[0] ?? ''),
        accountId: input.accountId,
        region: input.region,
      },
      input.tags,
      clients.iam,
    );
    const builds = await mapConcurrently(named, CONCURRENCY, async (build) => {
      await ensureRepository(clients.ecr, build.repository, input.tags, owner);
      const project = await ensureBuildProject(
        { build, computeType: input.computeType, tags: input.tags, serviceRoleArn },
        clients,
      );
      const running =
        project.action === 'created' ? undefined : await buildOfTag(clients.codebuild, build, input.imageTag);
      const id = running ?? (await startBuild(clients.codebuild, build, input));
      return { service: build.service, id };
    });
    return { builds };
  },
});

/**
 * The service's repository, with immutable tags: an image tag is the
 * deployment's, so nothing may later push other code under it. A rerun of the
 * same deployment reuses the build of its tag (buildOfTag) rather than push it twice.
 * One of that name that is not this environment's is refused.
 */
async function ensureRepository(
  ecr: ECRClient,
  repositoryName: string,
  tags: readonly Tag[],
  owner: EnvironmentIdentity,
): Promise<void> {
  try {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'IMMUTABLE',
        tags: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      }),
    );
  } catch (error) {
    if (!hasAwsErrorName(error, 'RepositoryAlreadyExistsException')) throw error;
    await assertRepositoryOwned(ecr, repositoryName, owner);
    // A repository created before tags were immutable becomes so.
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability: 'IMMUTABLE' }));
  }
}

/** A running or succeeded build of the project for this image tag, if an earlier attempt started one. */
async function buildOfTag(
  codebuild: CodeBuildClient,
  build: NamedBuild,
  imageTag: string,
): Promise<string | undefined> {
  const { ids = [] } = await codebuild.send(
    new ListBuildsForProjectCommand({ projectName: build.project, sortOrder: 'DESCENDING' }),
  );
  if (ids.length === 0) return undefined;
  const { builds = [] } = await codebuild.send(
    new BatchGetBuildsCommand({ ids: ids.slice(0, RECENT_BUILDS) }),
  );
  const tagOf = (candidate: Build) =>
    candidate.environment?.environmentVariables?.find((variable) => variable.name === 'IMAGE_TAG')?.value;
  return builds.find(
    (candidate) =>
      tagOf(candidate) === imageTag &&
      (candidate.buildStatus === 'IN_PROGRESS' || candidate.buildStatus === 'SUCCEEDED'),
  )?.id;
}

async function startBuild(
  codebuild: CodeBuildClient,
  build: NamedBuild,
  input: StartBuildsInput,
): Promise<string> {
  const repositoryUri = builtImage(
    input.accountId,
    input.region,
    build.repository,
    input.imageTag,
  ).repositoryUri;
  const variable = (name: string, value: string) => ({ name, value, type: 'PLAINTEXT' as const });
  // The variable's value is the parameter's name; CodeBuild reads the value when the build starts.
  const configArg = (name: string) => ({
    name: `${CONFIG_ARG_PREFIX}${name}`,
    value: configParameterName(input, name),
    type: 'PARAMETER_STORE' as const,
  });
  const { build: started } = await codebuild.send(
    new StartBuildCommand({
      projectName: build.project,
      environmentVariablesOverride: [
        variable('REPOSITORY_URI', repositoryUri),
        variable('IMAGE_TAG', input.imageTag),
        variable('DOCKERFILE', build.dockerfile),
        variable('BUILD_TARGET', build.target),
        variable('BUILD_ARGS', build.buildArgs),
        variable('CONFIG_ARGS', build.configArgs.join('\n')),
        ...build.configArgs.map(configArg),
      ],
    }),
  );
  if (started?.id === undefined)
    throw new Error(`CodeBuild StartBuild of ${build.project} returned no build id`);
  return started.id;
}

export const handler = lambdaHandler(startBuilds);
