/**
 * In-memory CodeBuild: projects, and builds that succeed when the latency
 * model says and push their image (IMAGE_TAG into REPOSITORY_URI) to the
 * in-memory ECR.
 */
import type {
  BatchGetBuildsCommandInput,
  BatchGetProjectsCommandInput,
  CreateProjectCommandInput,
  ListBuildsForProjectCommandInput,
  Project,
  StartBuildCommandInput,
} from '@aws-sdk/client-codebuild';
import type { World } from '../world.ts';
import type { PushedImages } from './ecr.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryCodeBuild(world: World, images: PushedImages): InMemoryService {
  const projects = new Map<string, Project>();
  const builds = new Map<string, StartBuildCommandInput>();
  let started = 0;
  const build = (id: string) => ({
    id,
    projectName: builds.get(id)?.projectName,
    environment: { environmentVariables: builds.get(id)?.environmentVariablesOverride ?? [] },
    buildStatus: world.ready(`build:${id}`) ? 'SUCCEEDED' : 'IN_PROGRESS',
  });
  return {
    BatchGetProjects: (input: BatchGetProjectsCommandInput) => ({
      projects: (input.names ?? []).flatMap((name) => {
        const project = projects.get(name);
        return project ? [project] : [];
      }),
    }),
    CreateProject: (input: CreateProjectCommandInput) => {
      if (projects.has(input.name ?? ''))
        throw awsError('codebuild', 'ResourceAlreadyExistsException', 'exists');
      projects.set(input.name ?? '', { ...input } as Project);
      return { project: input };
    },
    UpdateProject: (input: CreateProjectCommandInput) => {
      projects.set(input.name ?? '', { ...projects.get(input.name ?? ''), ...input } as Project);
      return { project: input };
    },
    DeleteProject: (input: { name?: string }) => {
      projects.delete(input.name ?? '');
      return {};
    },
    ListProjects: () => ({ projects: [...projects.keys()] }),
    StartBuild: (input: StartBuildCommandInput) => {
      if (!projects.has(input.projectName ?? ''))
        throw awsError('codebuild', 'ResourceNotFoundException', 'no project');
      started += 1;
      const id = `${input.projectName}:${started}`;
      builds.set(id, input);
      world.restart(`build:${id}`, 'codebuild:StartBuild');
      const variable = (name: string) =>
        input.environmentVariablesOverride?.find((candidate) => candidate.name === name)?.value;
      const repository = variable('REPOSITORY_URI')?.split('/').slice(1).join('/');
      const tag = variable('IMAGE_TAG');
      if (repository !== undefined && tag !== undefined) images.set(`${repository}:${tag}`, `build:${id}`);
      return { build: build(id) };
    },
    ListBuildsForProject: (input: ListBuildsForProjectCommandInput) => ({
      ids: [...builds]
        .filter(([, build]) => build.projectName === input.projectName)
        .map(([id]) => id)
        .reverse(),
    }),
    BatchGetBuilds: (input: BatchGetBuildsCommandInput) => ({
      builds: (input.ids ?? []).filter((id) => builds.has(id)).map(build),
      buildsNotFound: (input.ids ?? []).filter((id) => !builds.has(id)),
    }),
  };
}
