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
 * Content-addressed: a build whose image tag (the digest of its sources,
 * core/build-digest.ts) is in the repository already is not started at all.
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
  DescribeImagesCommand,
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
import { imageExists } from '../aws/ecr/image-exists.ts';
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
  /**
   * The deployment id: the tag of a build with no `imageTag` of its own, and a second tag, for
   * tracing, on every image this deployment pushes.
   */
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
  /** The builds started, or found running or succeeded for the same image tag. */
  readonly builds: readonly StartedBuild[];
  /** Services whose image (its digest's tag) is in their repository already: not built again. */
  readonly reused: readonly string[];
  /** Services whose image is being built: the services of `builds`, for the deploy's history. */
  readonly built: readonly string[];
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
    DescribeImagesCommand,
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
    const outcomes = await mapConcurrently(named, CONCURRENCY, async (build) => {
      await ensureRepository(clients.ecr, build.repository, input.tags, owner);
      const imageTag = build.imageTag ?? input.imageTag;
      // The project is kept at the mode's settings even when nothing is built: a mode change that
      // reuses every image still leaves no project at the old mode's compute type (modeshift audit).
      // Unchanged, it costs one read.
      const project = await ensureBuildProject(
        { build, computeType: input.computeType, tags: input.tags, serviceRoleArn },
        clients,
      );
      // A content-addressed image that exists is what this build would make: it is not built again.
      if (build.imageTag !== undefined && (await imageExists(clients.ecr, build.repository, imageTag)))
        return { service: build.service };
      const running =
        project.action === 'created' ? undefined : await buildOfTag(clients.codebuild, build, imageTag);
      const id = running ?? (await startBuild(clients.codebuild, build, imageTag, input));
      return { service: build.service, id };
    });
    return {
      builds: outcomes.flatMap((outcome) =>
        outcome.id === undefined ? [] : [{ service: outcome.service, id: outcome.id }],
      ),
      reused: outcomes.filter((outcome) => outcome.id === undefined).map((outcome) => outcome.service),
      built: outcomes.filter((outcome) => outcome.id !== undefined).map((outcome) => outcome.service),
    };
  },
});

/**
 * The service's repository, with immutable tags: an image tag is a digest of
 * the image's sources (or the deployment's id), so nothing may later push
 * other code under it. A rerun of the
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
  imageTag: string,
  input: StartBuildsInput,
): Promise<string> {
  const repositoryUri = builtImage(input.accountId, input.region, build.repository, imageTag).repositoryUri;
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
        variable('IMAGE_TAG', imageTag),
        // The deployment that pushed it, as a second tag, for tracing.
        variable('TRACE_TAG', imageTag === input.imageTag ? '' : input.imageTag),
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
