/**
 * The shared network (`network: shared`): one VPC and one load balancer for
 * all of a project's environments of a mode. Its pieces belong to a
 * pseudo-environment, `shared.<mode>`, in their modeshift tags: `.` occurs in
 * no environment name (core/request.ts), so no environment can own them, and
 * the IAM grants, which are scoped on the project tag, cover them as they
 * cover the project's environments. Its names join the project, the mode and
 * `shared` with `--`, which occurs in no environment name either, so they
 * never equal an environment's (core/names.ts).
 */
import { fitName } from './names.ts';
import { MODES, type Mode } from './policy.ts';

/** What the environment tag of a shared network's pieces starts with. */
export const SHARED_NETWORK_PREFIX = 'shared.';

/** The pseudo-environment a shared network's pieces are tagged with: `shared.<mode>`. */
export function sharedNetworkEnvironment(mode: Mode): string {
  return `${SHARED_NETWORK_PREFIX}${mode}`;
}

/** Whether an environment tag names a shared network rather than an environment. */
export function isSharedNetworkEnvironment(environment: string | undefined): environment is string {
  return environment?.startsWith(SHARED_NETWORK_PREFIX) === true;
}

/** The mode whose shared network an environment tag names; undefined when it names none. */
export function sharedNetworkMode(environment: string | undefined): Mode | undefined {
  if (!isSharedNetworkEnvironment(environment)) return undefined;
  const mode = environment.slice(SHARED_NETWORK_PREFIX.length);
  return MODES.find((candidate) => candidate === mode);
}

/** The names of a shared network's pieces. */
export type SharedNetworkNames = ReturnType<typeof sharedNetworkNames>;

export function sharedNetworkNames(project: string, mode: Mode) {
  const prefix = `${project}--${mode}--shared`;
  return {
    prefix,
    /** DynamoDB key of the lease that serializes changes to the shared pieces. */
    recordKey: `${project}#${sharedNetworkEnvironment(mode)}`,
    vpc: prefix,
    /** ≤ 32 characters (ELB); cut with a hash of the whole when longer. */
    loadBalancer: fitName(prefix, 32),
    albSecurityGroup: `${prefix}-alb`,
  };
}

/** The shared network of an environment, as the deploy workflow carries it. */
export interface SharedNetworkSpec {
  readonly mode: Mode;
  /** `shared.<mode>`: the environment tag of the shared pieces. */
  readonly environment: string;
  readonly names: SharedNetworkNames;
  /** The shared pieces' tags: project, `shared.<mode>`, the mode, and `shared` as the deployment. */
  readonly tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /**
   * Whether the environment's public services sit behind the shared load balancer. Host rules tell
   * environments apart on it, so only an environment with a domain does; one without keeps a load
   * balancer of its own in the shared VPC.
   */
  readonly loadBalancer: boolean;
}

export function sharedNetworkSpec(project: string, mode: Mode, hasDomain: boolean): SharedNetworkSpec {
  const environment = sharedNetworkEnvironment(mode);
  return {
    mode,
    environment,
    names: sharedNetworkNames(project, mode),
    tags: [
      { Key: 'modeshift:project', Value: project },
      { Key: 'modeshift:environment', Value: environment },
      { Key: 'modeshift:mode', Value: mode },
      { Key: 'modeshift:deployment', Value: 'shared' },
    ],
    loadBalancer: hasDomain,
  };
}
