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

/** The values of the modeshift ownership tags in a tag list, as any AWS API spells it. */
function ownershipTags(tags: readonly AnyTag[] | undefined): { project?: string; environment?: string } {
  const values = new Map<string, string | undefined>();
  for (const tag of tags ?? []) {
    if ('Key' in tag && tag.Key !== undefined) values.set(tag.Key, tag.Value);
    else if ('key' in tag && tag.key !== undefined) values.set(tag.key, tag.value);
  }
  const project = values.get(PROJECT_TAG);
  const environment = values.get(ENVIRONMENT_TAG);
  return { ...(project ? { project } : {}), ...(environment ? { environment } : {}) };
}

/**
 * The error for a resource found by this environment's name that is not this
 * environment's: it names the resource and its owner, and modeshift leaves it
 * alone. `Modeshift.NotOwned` is not retried; the workflow goes to its failure
 * path (lock released, failure recorded).
 *
 * @param what the resource as a person would name it: `ECS service web in cluster shop--pr-1`
 * @param tags the resource's tags, in any AWS spelling; `undefined` when it has none
 */
export function notOwned(
  what: string,
  tags: readonly AnyTag[] | undefined,
  owner: EnvironmentIdentity,
): StepError {
  const found = ownershipTags(tags);
  const whose =
    found.project === undefined && found.environment === undefined
      ? 'has no modeshift tags'
      : `belongs to ${found.project ?? '(no project)'}/${found.environment ?? '(no environment)'}`;
  return new StepError(
    'Modeshift.NotOwned',
    `${what} ${whose}, not ${owner.project}/${owner.environment}: modeshift leaves it alone ` +
      '(find out whose it is; remove or rename it, or choose another project or environment name)',
  );
}

/** Throws {@link notOwned} unless the resource's tags say it is this environment's. */
export function assertOwned(
  what: string,
  tags: readonly AnyTag[] | undefined,
  owner: EnvironmentIdentity,
): void {
  if (!isTaggedForEnvironment(tags, owner)) throw notOwned(what, tags, owner);
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
