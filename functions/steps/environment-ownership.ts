/**
 * Whether a resource found by its derived name belongs to this environment.
 * Derived names alone cannot tell: project `a-b` with environment `c` and
 * project `a` with environment `b-c` share the prefix `a-b-c`. The
 * `modeshift:project` and `modeshift:environment` tags can.
 */
import { StepError } from './step-error.ts';

export const PROJECT_TAG = 'modeshift:project';
export const ENVIRONMENT_TAG = 'modeshift:environment';

/** The environment a step works for. */
export interface EnvironmentOwner {
  readonly project: string;
  readonly environment: string;
}

/** A tag as the AWS SDKs return it (ELBv2 and S3 alike). */
export interface FoundTag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

/** true when `tags` carry both this environment's project and environment tag. */
export function belongsToEnvironment(
  tags: readonly FoundTag[] | undefined,
  owner: EnvironmentOwner,
): boolean {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value;
  return value(PROJECT_TAG) === owner.project && value(ENVIRONMENT_TAG) === owner.environment;
}

/**
 * The error for a resource that carries this environment's name but not its
 * tags: a person must find out whose it is before modeshift touches it.
 */
export function resourceConflict(what: string, id: string, owner: EnvironmentOwner): StepError {
  return new StepError(
    'Modeshift.ResourceConflict',
    `${what} "${id}" exists but is not tagged ${PROJECT_TAG}=${owner.project} and ` +
      `${ENVIRONMENT_TAG}=${owner.environment}: it belongs to another environment or was not created by ` +
      'modeshift. Rename or remove it, or choose another project or environment name.',
  );
}
