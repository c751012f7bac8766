/**
 * FinishPruning: what is left of the services a compose file no longer has,
 * once PruneServices (functions/steps/prune-services.ts) has retired them and
 * no task of theirs can start again: their execution roles, CodeBuild
 * projects and ECR repositories. And the databases the request no longer
 * has, which a deploy never deletes: reported in `keptDatabases` and
 * `warning`, with their private DNS records left as they are; only down
 * deletes them, with a final snapshot where the mode says so.
 *
 * Everything is found by the environment's tags (and the roles by their
 * path), never by name alone, and found anew on every call.
 */
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  DeleteProjectCommand,
  ListProjectsCommand,
} from '@aws-sdk/client-codebuild';
import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand as ListRepositoryTagsCommand,
} from '@aws-sdk/client-ecr';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { serviceNames } from '../../core/names.ts';
import { deleteBuildProjects, environmentBuildProjects } from '../aws/codebuild/environment-projects.ts';
import { deleteRepositories, environmentRepositories } from '../aws/ecr/environment-repositories.ts';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { deleteExecutionRole, environmentExecutionRoles } from '../aws/iam/execution-role.ts';
import { environmentDatabases } from '../aws/rds/environment-databases.ts';
import { mapConcurrently } from '../bounded-concurrency.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

/** Input of FinishPruning, as the deploy workflow passes it. */
export interface FinishPruningInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  /** The names of the services the request deploys: every other service's roles and builds go. */
  readonly services: readonly string[];
  /**
   * The services whose task role modeshift creates (`x-modeshift.policies`, or the ECS Exec channel):
   * every other created task role goes. @default none (a run that predates task roles)
   */
  readonly taskRoles?: readonly string[];
  /** The request's databases: every other database of the environment is kept and reported. */
  readonly databases: ReadonlyArray<{ readonly instance: string }>;
}

export interface FinishPruningOutput {
  /** The environment's RDS instances the request no longer has, which the deploy keeps. */
  readonly keptDatabases: readonly string[];
  /** What the deploy's history says about them; empty when none is kept. */
  readonly warning: string;
}

/** Roles handled at once. */
const CONCURRENCY = 10;

export const finishPruning = defineStep({
  name: 'FinishPruning',
  clients: { iam: IAMClient, codebuild: CodeBuildClient, ecr: ECRClient, rds: RDSClient },
  sends: [
    ListRolesCommand,
    GetRoleCommand,
    ListRolePoliciesCommand,
    DeleteRolePolicyCommand,
    DeleteRoleCommand,
    ListProjectsCommand,
    BatchGetProjectsCommand,
    DeleteProjectCommand,
    DescribeRepositoriesCommand,
    ListRepositoryTagsCommand,
    DeleteRepositoryCommand,
    DescribeDBInstancesCommand,
    ListAttachedRolePoliciesCommand,
    DetachRolePolicyCommand,
  ],
  async run(input: FinishPruningInput, clients): Promise<FinishPruningOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const derived = input.services.map((service) => serviceNames(input.project, input.environment, service));
    const wanted = {
      roles: new Set([
        ...derived.map((names) => names.executionRole),
        ...(input.taskRoles ?? []).map(
          (service) => serviceNames(input.project, input.environment, service).taskRole,
        ),
      ]),
      buildProjects: new Set(derived.map((names) => names.codeBuildProject)),
      repositories: new Set(derived.map((names) => names.ecrRepository)),
      databases: new Set(input.databases.map((database) => database.instance)),
    };
    const roles = await environmentExecutionRoles(clients.iam, owner);
    await mapConcurrently(
      [...roles.keys()].filter((role) => !wanted.roles.has(role)),
      CONCURRENCY,
      (role) => deleteExecutionRole(clients.iam, role),
    );
    const projects = await environmentBuildProjects(clients.codebuild, input.names.prefix, owner);
    await deleteBuildProjects(
      clients.codebuild,
      projects.filter((project) => !wanted.buildProjects.has(project)),
    );
    const repositories = await environmentRepositories(clients.ecr, owner);
    await deleteRepositories(
      clients.ecr,
      repositories.filter((repository) => !wanted.repositories.has(repository)),
    );
    const keptDatabases = (await environmentDatabases(clients.rds, owner))
      .map((instance) => instance.DBInstanceIdentifier as string)
      .filter((instance) => !wanted.databases.has(instance))
      .sort();
    return { keptDatabases, warning: keptDatabasesWarning(keptDatabases) };
  },
});

/** The history's warning about the databases a deploy kept. */
export function keptDatabasesWarning(instances: readonly string[]): string {
  if (instances.length === 0) return '';
  const [subject, verb, pronoun] =
    instances.length === 1 ? ['database', 'is', 'it'] : ['databases', 'are', 'them'];
  return (
    `${subject} ${instances.join(', ')} ${verb} no longer in the compose file and ${verb} kept: ` +
    `a deploy never deletes a database; down deletes ${pronoun}`
  );
}

export const handler = lambdaHandler(finishPruning);
