/**
 * EnsureBuildProject: the CodeBuild project that builds one service's image,
 * with the mode's compute type. Created when absent; an existing project gets
 * the mode's compute type and the current source when they differ (the
 * compute type changes with the mode).
 */
import {
  BatchGetProjectsCommand,
  type CodeBuildClient,
  type ComputeType,
  CreateProjectCommand,
  DeleteProjectCommand,
  type Project,
  type ProjectEnvironment,
  type ProjectSource,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import type { NamedBuild, Tag } from '../../resource-refs.ts';
import { assertOwned, environmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName, isUnsupportedOperation } from '../errors.ts';

/**
 * The prefix of the variables that hold the build args read from config values: `CONFIG_ARG_NPM_TOKEN`
 * is a Parameter Store variable, which CodeBuild resolves when the build starts. The build exports
 * each as its arg's own name and passes `--build-arg NAME` alone, so docker reads the value from the
 * environment and it is on no command line.
 */
export const CONFIG_ARG_PREFIX = 'CONFIG_ARG_';

/**
 * Logs in to ECR, builds with the service's Dockerfile, target, build args (`BUILD_ARGS`, `KEY=value`
 * lines) and config build args (`CONFIG_ARGS`, one name a line), and pushes the image.
 */
export const BUILDSPEC = [
  'version: 0.2',
  'env:',
  '  shell: bash',
  'phases:',
  '  pre_build:',
  '    commands:',
  '      - aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$(echo "$REPOSITORY_URI" | cut -d/ -f1)"',
  '  build:',
  '    commands:',
  `      - set --; while IFS= read -r line; do if [ -n "$line" ]; then set -- "$@" --build-arg "$line"; fi; done <<< "$BUILD_ARGS"; while IFS= read -r name; do if [ -n "$name" ]; then value_of="${CONFIG_ARG_PREFIX}$name"; export "$name=\${!value_of}"; set -- "$@" --build-arg "$name"; fi; done <<< "$CONFIG_ARGS"; if [ -n "$BUILD_TARGET" ]; then set -- "$@" --target "$BUILD_TARGET"; fi; docker build -f "$DOCKERFILE" "$@" -t "$REPOSITORY_URI:$IMAGE_TAG" .`,
  '  post_build:',
  '    commands:',
  '      - docker push "$REPOSITORY_URI:$IMAGE_TAG"',
  // The deploying deployment's id as a second tag, for tracing: a tag pushed already (tags are immutable) is left.
  '      - if [ -n "$TRACE_TAG" ]; then docker tag "$REPOSITORY_URI:$IMAGE_TAG" "$REPOSITORY_URI:$TRACE_TAG" && docker push "$REPOSITORY_URI:$TRACE_TAG" || echo "trace tag $TRACE_TAG not pushed"; fi',
  '',
].join('\n');

export interface EnsureBuildProjectInput {
  readonly build: NamedBuild;
  /** The mode's CodeBuild compute type. */
  readonly computeType: string;
  readonly tags: readonly Tag[];
  /** The role CodeBuild runs the build as. */
  readonly serviceRoleArn: string;
}

export interface EnsureBuildProjectOutput {
  readonly name: string;
  readonly computeType: string;
  readonly action: 'created' | 'updated' | 'unchanged';
}

function settings(input: EnsureBuildProjectInput) {
  const source: ProjectSource = { type: 'S3', location: input.build.sourceLocation, buildspec: BUILDSPEC };
  const environment: ProjectEnvironment = {
    type: 'LINUX_CONTAINER',
    image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
    computeType: input.computeType as ComputeType,
    privilegedMode: true,
  };
  return { name: input.build.project, source, environment, serviceRole: input.serviceRoleArn };
}

function isCurrent(project: Project, wanted: ReturnType<typeof settings>): boolean {
  return (
    project.serviceRole === wanted.serviceRole &&
    project.environment?.computeType === wanted.environment.computeType &&
    project.source?.location === wanted.source.location &&
    project.source?.buildspec === wanted.source.buildspec
  );
}

/**
 * Waits between attempts while CodeBuild cannot yet assume a role IAM has just created or changed
 * (it takes seconds to reach CodeBuild): a minute in all, then the error stands.
 */
export const ROLE_PROPAGATION_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000, 15000, 15000, 15000];

/** CodeBuild's answer while the service role is not yet assumable. */
export function isRoleNotYetAssumable(error: unknown): boolean {
  return (
    hasAwsErrorName(error, 'InvalidInputException') &&
    /not authorized to perform:? sts:AssumeRole/i.test((error as Error).message)
  );
}

/** Runs `send`, again after each of `delays` while CodeBuild cannot yet assume the role. */
async function whileRolePropagates<T>(
  send: () => Promise<T>,
  delays: readonly number[],
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (const delay of delays) {
    try {
      return await send();
    } catch (error) {
      if (!isRoleNotYetAssumable(error)) throw error;
      await sleep(delay);
    }
  }
  return send();
}

/** How {@link ensureBuildProject} waits for a new role. */
export interface RolePropagationOptions {
  /** @default ROLE_PROPAGATION_DELAYS_MS */
  readonly delaysMs?: readonly number[];
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function ensureBuildProject(
  input: EnsureBuildProjectInput,
  clients: { codebuild: CodeBuildClient },
  options: RolePropagationOptions = {},
): Promise<EnsureBuildProjectOutput> {
  const wanted = settings(input);
  const tags = input.tags.map((tag) => ({ key: tag.Key, value: tag.Value }));
  const retried = <T>(send: () => Promise<T>) =>
    whileRolePropagates(send, options.delaysMs ?? ROLE_PROPAGATION_DELAYS_MS, options.sleep ?? wait);
  const create = () =>
    retried(() =>
      clients.codebuild.send(
        new CreateProjectCommand({ ...wanted, artifacts: { type: 'NO_ARTIFACTS' }, tags }),
      ),
    );
  const { projects = [] } = await clients.codebuild.send(
    new BatchGetProjectsCommand({ names: [wanted.name] }),
  );
  const existing = projects.find((project) => project.name === wanted.name);
  const result = (action: EnsureBuildProjectOutput['action']) => ({
    name: wanted.name,
    computeType: wanted.environment.computeType ?? '',
    action,
  });
  if (existing === undefined) {
    await create();
    return result('created');
  }
  assertOwned(`CodeBuild project ${wanted.name}`, existing.tags, environmentIdentity(input.tags));
  if (isCurrent(existing, wanted)) return result('unchanged');
  try {
    await retried(() => clients.codebuild.send(new UpdateProjectCommand({ ...wanted, tags })));
  } catch (error) {
    if (!isUnsupportedOperation(error)) throw error;
    // The project holds no state modeshift needs to keep: recreate it with the new settings.
    await clients.codebuild.send(new DeleteProjectCommand({ name: wanted.name }));
    await create();
  }
  return result('updated');
}
