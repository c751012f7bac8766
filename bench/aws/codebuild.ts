/** In-memory CodeBuild: projects, and builds that succeed when the latency model says. */
import type {
  BatchGetBuildsCommandInput,
  BatchGetProjectsCommandInput,
  CreateProjectCommandInput,
  Project,
  StartBuildCommandInput,
} from '@aws-sdk/client-codebuild';
import type { World } from '../world.ts';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryCodeBuild(world: World): InMemoryService {
  const projects = new Map<string, Project>();
  const builds = new Map<string, string>();
  let started = 0;
  const build = (id: string) => ({
    id,
    projectName: builds.get(id),
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
      builds.set(id, input.projectName ?? '');
      world.restart(`build:${id}`, 'codebuild:StartBuild');
      return { build: build(id) };
    },
    BatchGetBuilds: (input: BatchGetBuildsCommandInput) => ({
      builds: (input.ids ?? []).filter((id) => builds.has(id)).map(build),
      buildsNotFound: (input.ids ?? []).filter((id) => !builds.has(id)),
    }),
  };
}
