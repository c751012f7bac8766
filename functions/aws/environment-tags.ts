/**
 * How steps recognise a resource as their environment's: it carries the tags
 * `modeshift:project` and `modeshift:environment` with this project's and this
 * environment's names. Derived names alone cannot tell: project `a-b` with
 * environment `c` and project `a` with environment `b-c` share the prefix
 * `a-b-c`. The mode and deployment tags change between deployments, so they
 * never decide ownership.
 */
import type { Tag } from '../../core/execution-input.ts';
import { StepError } from '../step-errors.ts';

export const PROJECT_TAG = 'modeshift:project';
export const ENVIRONMENT_TAG = 'modeshift:environment';

/** The project and environment a resource must be tagged with to be this environment's. */
export interface EnvironmentIdentity {
  readonly project: string;
  readonly environment: string;
}

/**
 * A tag as the AWS APIs spell it: RDS, ECR and Cloud Map use `Key`/`Value`,
 * ECS and CodeBuild `key`/`value`.
 */
export type AnyTag =
  | { readonly Key?: string | undefined; readonly Value?: string | undefined }
  | { readonly key?: string | undefined; readonly value?: string | undefined };

/** The project and environment named by a deployment's tags; throws when either tag is missing. */
export function environmentIdentity(tags: readonly Tag[]): EnvironmentIdentity {
  const project = tags.find((tag) => tag.Key === PROJECT_TAG)?.Value;
  const environment = tags.find((tag) => tag.Key === ENVIRONMENT_TAG)?.Value;
  if (!project || !environment) {
    throw new StepError(
      'Modeshift.InvalidInput',
      `tags: ${JSON.stringify(tags)} lack ${PROJECT_TAG} or ${ENVIRONMENT_TAG} (expected the deployment's modeshift tags)`,
    );
  }
  return { project, environment };
}

/** Whether a resource's tags say it belongs to this project and environment. */
export function isTaggedForEnvironment(
  tags: readonly AnyTag[] | undefined,
  identity: EnvironmentIdentity,
): boolean {
  const values = new Map<string, string | undefined>();
  for (const tag of tags ?? []) {
    if ('Key' in tag && tag.Key !== undefined) values.set(tag.Key, tag.Value);
    else if ('key' in tag && tag.key !== undefined) values.set(tag.key, tag.value);
  }
  return values.get(PROJECT_TAG) === identity.project && values.get(ENVIRONMENT_TAG) === identity.environment;
}

/**
 * The error for a resource that carries this environment's name but not its
 * tags: a person must find out whose it is before modeshift touches it.
 */
export function resourceConflict(what: string, id: string, owner: EnvironmentIdentity): StepError {
  return new StepError(
    'Modeshift.ResourceConflict',
    `${what} "${id}" exists but is not tagged ${PROJECT_TAG}=${owner.project} and ` +
      `${ENVIRONMENT_TAG}=${owner.environment}: it belongs to another environment or was not created by ` +
      'modeshift. Rename or remove it, or choose another project or environment name.',
  );
}

/** The value of one tag in an AWS tag list, if it is there. */
export function tagValue(
  tags: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined,
  key: string,
): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/** Whether a resource's tags lack one of `wanted` or carry another value for it. */
export function lacksTags(
  tags: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined,
  wanted: readonly Tag[],
): boolean {
  return wanted.some((tag) => tagValue(tags, tag.Key) !== tag.Value);
}
