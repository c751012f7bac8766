/**
 * Tag conditions on the actions that change things, decided per action from
 * the Service Authorization Reference (core/iam/authorization-reference.ts):
 *
 * - a change to an existing resource (`Delete*`, `Modify*`, `Update*`, `Put*`,
 *   …) is allowed only on resources whose `modeshift:project` tag is one of
 *   the projects this modeshift serves (`aws:ResourceTag/modeshift:project`);
 * - a create is allowed only when the request tags the new resource so
 *   (`aws:RequestTag/modeshift:project`);
 * - a tag action is allowed on resources that already carry the tag, or as
 *   the tag-on-create check of a create (`<service>:CreateAction` where the
 *   service has that key; otherwise on a request that carries the tag).
 *
 * Where an action touches several resource types and only some of them carry
 * the condition key (EC2's `CreateSubnet` creates a subnet in a VPC), it is
 * split per resource type: each type gets the condition it supports, and the
 * others are granted on their own ARN pattern (a team's VPC, which a security
 * group is created in, without a condition: TEAM_OWNED_PARENTS). An action
 * that supports no tag
 * condition keeps its resources: its scope is its ARN (modeshift's names) or
 * it is listed in core/iam/unscopable.ts with the reason.
 */

import type { AccountContext } from './arns.ts';
import {
  type ActionReference,
  type ActionResourceType,
  actionReference,
  isMutating,
  isTagging,
  typeArn,
} from './authorization-reference.ts';
import type { Grant, PolicyCondition } from './policy.ts';

export const PROJECT_TAG = 'modeshift:project';
/** How the reference spells the tag condition keys (a literal `$` `{TagKey}`, not a template). */
const TAG_KEY = '$' + '{TagKey}';
const RESOURCE_TAG = `aws:ResourceTag/${TAG_KEY}`;
export const REQUEST_TAG = `aws:RequestTag/${TAG_KEY}`;

/**
 * Services left to their ARN scope: S3 evaluates bucket tags only on buckets
 * with attribute-based access turned on, so the access-log bucket is scoped by
 * its name (with the account's hash in it); the roles modeshift creates are
 * under `role/modeshift/`; RDS's managed secrets are `rds!*` and created by RDS
 * on modeshift's behalf; the KMS key is AWS-managed; EventBridge Scheduler
 * schedules carry no tags (they are scoped by name); CloudWatch's PutMetricAlarm
 * both creates and changes an alarm, so no one tag condition fits it: the
 * deployment alarms are scoped by their names. modeshift's own table,
 * bus, functions and executions are exact ARNs.
 */
const SCOPED_BY_NAME = new Set([
  's3',
  'iam',
  'secretsmanager',
  'kms',
  'scheduler',
  'cloudwatch',
  'dynamodb',
  'events',
  'lambda',
  'states',
]);

/**
 * Actions that create a resource or, when it exists, change it: granted on new resources the
 * request tags and on existing ones tagged so.
 */
const UPSERTS: ReadonlySet<string> = new Set(['application-autoscaling:RegisterScalableTarget']);

/**
 * Resources a create names that need not be modeshift's: an environment in a
 * team's own VPC (the request's `vpc`) creates its security groups in that
 * VPC, which carries no modeshift tag. The security group itself is still
 * granted only when the request tags it for a served project, and a security
 * group on its own lets nothing in or out of anything.
 */
const TEAM_OWNED_PARENTS: Readonly<Record<string, readonly string[]>> = {
  'ec2:CreateSecurityGroup': ['vpc'],
};

/** The projects this modeshift serves, as `StringLike` patterns. @default ['*'] (any project: the tag must exist) */
export function servedProjects(context: Pick<AccountContext, 'projects'>): string[] {
  const projects = [...(context.projects ?? [])].filter((project) => project !== '');
  return projects.length === 0 ? ['*'] : projects.sort();
}

const value = (projects: readonly string[]) =>
  projects.length === 1 ? (projects[0] as string) : [...projects];

/** The resource carries the project tag of a served project. */
export function resourceTagged(projects: readonly string[]): PolicyCondition {
  return { StringLike: { [`aws:ResourceTag/${PROJECT_TAG}`]: value(projects) } };
}

/** The request tags the resource with a served project. */
export function requestTagged(projects: readonly string[]): PolicyCondition {
  return { StringLike: { [`aws:RequestTag/${PROJECT_TAG}`]: value(projects) } };
}

/** Whether AWS checks a call of `operation` as creating a resource (so tags in it are request tags). */
function createsResource(action: string): boolean {
  const operation = action.split(':')[1] ?? '';
  return /^(Create|Register|Request|Allocate|Run)[A-Z]/.test(operation) && operation !== 'CreateTags';
}

const allSupport = (types: readonly ActionResourceType[], key: (type: ActionResourceType) => boolean) =>
  types.length > 0 && types.every(key);

/** One grant per resource type, each with what `conditionOf` says for it. */
function perType(
  grant: Grant,
  reference: ActionReference,
  context: Required<Pick<AccountContext, 'partition'>> & AccountContext,
  conditionOf: (type: ActionResourceType) => PolicyCondition | undefined,
): Grant[] {
  return reference.resourceTypes.map((type) => {
    const condition = conditionOf(type);
    return {
      action: grant.action,
      resources: [typeArn(type, context)],
      ...(condition ? { condition } : {}),
    };
  });
}

/**
 * The grant with the tag condition its action supports (see the top of this
 * file), or split per resource type. Grants that already carry a condition,
 * reads, and services scoped by name are returned as they are.
 *
 * @throws IamDerivationError for an action the reference does not know.
 */
export function tagScoped(grant: Grant, context: AccountContext): Grant[] {
  const prefix = grant.action.split(':')[0] ?? '';
  if (grant.condition !== undefined || grant.byName || SCOPED_BY_NAME.has(prefix)) return [grant];
  const reference = actionReference(grant.action);
  if (!isMutating(reference)) return [grant];
  const projects = servedProjects(context);
  const full = { ...context, partition: context.partition ?? 'aws' };
  const types = reference.resourceTypes;
  const everywhere = grant.resources.length === 1 && grant.resources[0] === '*';
  const tagged = (type: ActionResourceType) => type.resourceKeys.has(RESOURCE_TAG);
  const tagging = (type: ActionResourceType) => type.actionKeys.has(REQUEST_TAG);

  if (isTagging(reference)) {
    const grants: Grant[] = [];
    if (reference.conditionKeys.has(REQUEST_TAG) || allSupport(types, tagging)) {
      const createAction = `${prefix}:CreateAction`;
      grants.push({
        ...grant,
        condition: reference.conditionKeys.has(createAction)
          ? { ...requestTagged(projects), Null: { [createAction]: 'false' } }
          : requestTagged(projects),
      });
    }
    if (allSupport(types, tagged) || reference.conditionKeys.has(RESOURCE_TAG)) {
      grants.push({ ...grant, condition: resourceTagged(projects) });
    }
    return grants.length > 0 ? grants : [grant];
  }

  const requestLevel = reference.conditionKeys.has(REQUEST_TAG);
  if (createsResource(grant.action) && (requestLevel || types.some(tagging))) {
    // Registering a scalable target again changes the one there, with no tags in the request.
    if (UPSERTS.has(grant.action) && allSupport(types, tagged))
      return [
        { ...grant, condition: requestTagged(projects) },
        { ...grant, condition: resourceTagged(projects) },
      ];
    if (requestLevel || allSupport(types, tagging)) return [{ ...grant, condition: requestTagged(projects) }];
    if (!everywhere) return [grant];
    return perType(grant, reference, full, (type) => {
      if (tagging(type)) return requestTagged(projects);
      if (TEAM_OWNED_PARENTS[grant.action]?.includes(type.name)) return undefined;
      return tagged(type) ? resourceTagged(projects) : undefined;
    });
  }

  if (types.length === 0) return [grant];
  if (allSupport(types, tagged)) return [{ ...grant, condition: resourceTagged(projects) }];
  if (!everywhere || !types.some(tagged)) return [grant];
  return perType(grant, reference, full, (type) => (tagged(type) ? resourceTagged(projects) : undefined));
}
