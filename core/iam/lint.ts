/**
 * Policy lint: what every policy modeshift derives must satisfy, checked
 * against the Service Authorization Reference (core/iam/authorization-reference.ts)
 * rather than against the code that derived it.
 *
 * - every action exists (a misspelt action is silently useless in AWS);
 * - no action is a wildcard (`*`, `ecs:*`, `ecs:Describe*`);
 * - every resource other than `*` could name a resource of at least one of
 *   the action's resource types (an ARN that names none grants nothing);
 * - `*` is granted only to an action that takes no resource (wildcard-only
 *   in the reference), or with a reason written down ({@link JUSTIFIED_WILDCARDS}).
 *
 * "Could name" is decided on globs: a resource type's ARN pattern becomes a
 * glob with every `${Variable}` (partition, region and account too) as `*`,
 * and the resource and that glob must have a string in common
 * ({@link globsOverlap}).
 */
import { type ActionReference, actionReference } from './authorization-reference.ts';
import { IamDerivationError } from './policy.ts';

/** What is wrong with one action (and, for resource findings, one resource) of a statement. */
export type PolicyFindingKind =
  | 'unknown-action'
  | 'wildcard-action'
  | 'resource-mismatch'
  | 'unjustified-wildcard-resource';

/** One problem of a policy; `message` names the statement, the action, the resource and the problem. */
export interface PolicyFinding {
  readonly kind: PolicyFindingKind;
  readonly action: string;
  /** The resource the finding is about (resource findings only). */
  readonly resource?: string;
  /** The statement's Sid, when it has one. */
  readonly sid?: string;
  readonly message: string;
}

/** A statement as IAM's JSON spells it: what {@link lintPolicy} reads of it. */
export interface LintedStatement {
  readonly Sid?: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: unknown;
}

/** What {@link lintPolicy} accepts besides the statements. */
export interface PolicyLintOptions {
  /**
   * Why an action that has resource types is granted on `*` anyway, by
   * action (`ec2:CreateVpc`) or by service (`ec2:*`: every action of the
   * service); an action's own entry wins over its service's.
   * @default {} (no `*` on an action that takes a resource)
   */
  readonly justifiedWildcards?: Readonly<Record<string, string>>;
}

/** Why a service's resources cannot be named in advance: AWS assigns their ids. */
const AWS_ASSIGNED_IDS = (what: string) =>
  `${what} get ids AWS assigns, unknown until they exist (core/iam/step-policy.ts, core/iam/workflow-policy.ts); ` +
  'changes carry the modeshift:project tag condition where the service supports it';

/** A step's change on a service its policy does not scope per command. */
const STEP_CHANGE =
  "a step's role: core/iam/step-policy.ts grants this service's actions on `*` rather than keep a scope per command; " +
  'the change carries the modeshift:project tag condition';

/** A step's read on a service its policy does not scope per command. */
const STEP_READ =
  "a step's role: core/iam/step-policy.ts grants this service's actions on `*` rather than keep a scope per command; " +
  'a read, not conditioned';

/**
 * Why the policies modeshift derives grant `*` to actions that do take a
 * resource. Keys are a service (`ec2:*`: every action of it, for services
 * whose resources all have AWS-assigned ids) or one action (where `*` is a
 * choice of the step policy, not a necessity). The lint's test holds every
 * derived policy to this list, and the list to what the policies grant today.
 */
export const JUSTIFIED_WILDCARDS: Readonly<Record<string, string>> = {
  'ec2:*': AWS_ASSIGNED_IDS(
    'VPCs, subnets, gateways, route tables, DHCP options, addresses and security groups',
  ),
  'route53:*':
    'hosted zone ids are assigned by AWS and hosted zones support no tag condition keys; ' +
    'the changes nothing can scope are in core/iam/unscopable.ts',
  'servicediscovery:*': AWS_ASSIGNED_IDS('namespaces, services and operations'),
  'acm:*': AWS_ASSIGNED_IDS('certificates'),
  'application-autoscaling:*': AWS_ASSIGNED_IDS('scalable targets (scalable-target/<id>)'),
  'ecs:CreateCluster': STEP_CHANGE,
  'ecs:CreateService': STEP_CHANGE,
  'ecs:DeleteService': STEP_CHANGE,
  'ecs:PutClusterCapacityProviders': STEP_CHANGE,
  'ecs:RegisterTaskDefinition': STEP_CHANGE,
  'ecs:RunTask': STEP_CHANGE,
  'ecs:StopTask': STEP_CHANGE,
  'ecs:TagResource': STEP_CHANGE,
  'ecs:UpdateService': STEP_CHANGE,
  'ecs:DescribeClusters': STEP_READ,
  'ecs:DescribeServices': STEP_READ,
  'ecs:DescribeTasks': STEP_READ,
  'ecs:ListTasks': STEP_READ,
  'elasticloadbalancing:AddTags': STEP_CHANGE,
  'elasticloadbalancing:CreateListener': STEP_CHANGE,
  'elasticloadbalancing:CreateLoadBalancer': STEP_CHANGE,
  'elasticloadbalancing:CreateRule': STEP_CHANGE,
  'elasticloadbalancing:CreateTargetGroup': STEP_CHANGE,
  'elasticloadbalancing:DeleteListener': STEP_CHANGE,
  'elasticloadbalancing:DeleteLoadBalancer': STEP_CHANGE,
  'elasticloadbalancing:DeleteRule': STEP_CHANGE,
  'elasticloadbalancing:DeleteTargetGroup': STEP_CHANGE,
  'elasticloadbalancing:ModifyListener': STEP_CHANGE,
  'elasticloadbalancing:AddListenerCertificates': STEP_CHANGE,
  'elasticloadbalancing:RemoveListenerCertificates': STEP_CHANGE,
  'elasticloadbalancing:ModifyLoadBalancerAttributes': STEP_CHANGE,
  'elasticloadbalancing:ModifyRule': STEP_CHANGE,
  'elasticloadbalancing:ModifyTargetGroup': STEP_CHANGE,
  'elasticloadbalancing:SetSecurityGroups': STEP_CHANGE,
  'elasticloadbalancing:SetSubnets': STEP_CHANGE,
  'elasticache:AddTagsToResource': STEP_CHANGE,
  'elasticache:DecreaseReplicaCount': STEP_CHANGE,
  'elasticache:DeleteReplicationGroup': STEP_CHANGE,
  'elasticache:IncreaseReplicaCount': STEP_CHANGE,
  'elasticache:ModifyReplicationGroup': STEP_CHANGE,
  'elasticache:DescribeCacheSubnetGroups': STEP_READ,
  'elasticache:DescribeReplicationGroups': STEP_READ,
  'elasticache:DescribeSnapshots': STEP_READ,
  'elasticache:ListTagsForResource': STEP_READ,
  'rds:AddTagsToResource': STEP_CHANGE,
  'rds:CreateDBInstance': STEP_CHANGE,
  'rds:CreateDBSnapshot': STEP_CHANGE,
  'rds:DeleteDBInstance': STEP_CHANGE,
  'rds:ModifyDBInstance': STEP_CHANGE,
  'rds:RestoreDBInstanceFromDBSnapshot': STEP_CHANGE,
  'rds:DescribeDBInstances': STEP_READ,
  'rds:DescribeDBSnapshots': STEP_READ,
  'rds:DescribeDBSubnetGroups': STEP_READ,
  'rds:ListTagsForResource': STEP_READ,
};

/**
 * Whether the globs at `a[i]` and `b[j]` match a string in common, given
 * `rest(di, dj)`: whether they do from `a[i + di]` and `b[j + dj]`.
 */
function overlapsFrom(
  x: string | undefined,
  y: string | undefined,
  rest: (di: number, dj: number) => boolean,
): boolean {
  if (x === undefined && y === undefined) return true;
  // A star may match nothing.
  if (x === '*' && rest(1, 0)) return true;
  if (y === '*' && rest(0, 1)) return true;
  if (x === undefined || y === undefined) return false;
  // Or the next character of the common string: a star stays to match more, a character or `?` is used up.
  if (x === '*' && y === '*') return false; // either star matching nothing covers this
  if (x === '*') return rest(0, 1);
  if (y === '*') return rest(1, 0);
  return (x === y || x === '?' || y === '?') && rest(1, 1);
}

/**
 * Whether two globs (`*`: any run of characters, `/` and `:` included; `?`:
 * any one character; anything else itself) match a string in common. Every
 * pair of positions is decided once, from the ends of both globs back.
 */
export function globsOverlap(a: string, b: string): boolean {
  const width = b.length + 1;
  const decided = new Uint8Array((a.length + 1) * width);
  const at = (i: number, j: number) => decided[i * width + j] === 1;
  for (let i = a.length; i >= 0; i -= 1) {
    for (let j = b.length; j >= 0; j -= 1) {
      const overlaps = overlapsFrom(a[i], b[j], (di, dj) => at(i + di, j + dj));
      decided[i * width + j] = overlaps ? 1 : 0;
    }
  }
  return at(0, 0);
}

/** A resource type's ARN pattern as a glob: every `${Variable}` is `*`. */
function typeGlob(arn: string): string {
  return arn.replace(/\$\{[A-Za-z0-9]+\}/g, '*');
}

function listOf(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

/** The justification of `*` for an action: its own entry, else its service's. */
function wildcardReason(action: string, justified: Readonly<Record<string, string>>): string | undefined {
  const prefix = action.split(':')[0] ?? '';
  return justified[action] ?? justified[`${prefix}:*`];
}

function referenceOf(action: string): ActionReference | string {
  try {
    return actionReference(action);
  } catch (error) {
    if (error instanceof IamDerivationError) return error.message;
    throw error;
  }
}

function resourceFinding(
  reference: ActionReference,
  resource: string,
  justified: Readonly<Record<string, string>>,
): { readonly kind: PolicyFindingKind; readonly problem: string } | undefined {
  const types = reference.resourceTypes;
  if (resource === '*') {
    if (types.length === 0 || wildcardReason(reference.action, justified) !== undefined) return undefined;
    return {
      kind: 'unjustified-wildcard-resource',
      problem: `takes resources (${types.map((type) => type.name).join(', ')}) but is granted on "*" with no reason in justifiedWildcards`,
    };
  }
  if (types.length === 0) {
    return {
      kind: 'resource-mismatch',
      problem: 'takes no resource (the reference authorises it on "*" only), so this grants nothing',
    };
  }
  if (types.some((type) => globsOverlap(resource, typeGlob(type.arn)))) return undefined;
  return {
    kind: 'resource-mismatch',
    problem: `names none of its resource types (${types.map((type) => `${type.name} ${type.arn}`).join(', ')})`,
  };
}

/**
 * The problems of a policy's statements, in statement order (see the list at
 * the top of this file). An unknown or wildcard action gets one finding and
 * its resources are not checked; any other action gets one finding per
 * resource at fault.
 */
export function lintPolicy(
  statements: readonly LintedStatement[],
  options: PolicyLintOptions = {},
): PolicyFinding[] {
  const justified = options.justifiedWildcards ?? {};
  const findings: PolicyFinding[] = [];
  for (const statement of statements) {
    const sid = statement.Sid;
    const at = sid === undefined ? '' : `statement ${sid}: `;
    const about = sid === undefined ? {} : { sid };
    for (const action of listOf(statement.Action)) {
      if (/[*?]/.test(action)) {
        findings.push({
          kind: 'wildcard-action',
          action,
          ...about,
          message: `${at}"${action}" is a wildcard action; name each action`,
        });
        continue;
      }
      const reference = referenceOf(action);
      if (typeof reference === 'string') {
        const problem = reference.includes(action) ? reference : `${action}: ${reference}`;
        findings.push({ kind: 'unknown-action', action, ...about, message: `${at}${problem}` });
        continue;
      }
      for (const resource of listOf(statement.Resource)) {
        const found = resourceFinding(reference, resource, justified);
        if (found === undefined) continue;
        findings.push({
          kind: found.kind,
          action,
          resource,
          ...about,
          message: `${at}${action} on "${resource}": ${found.problem}`,
        });
      }
    }
  }
  return findings;
}
