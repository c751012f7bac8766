/**
 * The WAF web ACL in front of a production environment's load balancer: it
 * lets every request through but those AWS's managed rule groups block (common
 * exploits, known bad inputs, addresses with a bad reputation), and counts
 * both in CloudWatch (AWS/WAFV2) under the metric names `ps` reads. Found by
 * its name, created or brought up to date, associated with the load balancer;
 * down disassociates and deletes it.
 *
 * WAF changes are guarded by a lock token: each write takes the token of the
 * ACL as last read and is refused (WAFOptimisticLockException) when the ACL
 * changed since, so a write reads the ACL again and tries once more. A web ACL
 * just created can take a moment before AWS lets it be associated
 * (WAFUnavailableEntityException), and one just disassociated before it can
 * be deleted (WAFAssociatedItemException): the step that calls these retries
 * on those names.
 */
import {
  AssociateWebACLCommand,
  CreateWebACLCommand,
  type CreateWebACLCommandInput,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  type Rule,
  UpdateWebACLCommand,
  type VisibilityConfig,
  type WAFV2Client,
  type WebACL,
  type WebACLSummary,
} from '@aws-sdk/client-wafv2';
import type { Tag } from '../../../core/execution-input.ts';
import { MANAGED_RULE_GROUP_NAMES } from '../../../core/waf-rules.ts';
import { assertOwned, type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** A load balancer's web ACL is regional (CloudFront's are global). */
const SCOPE = 'REGIONAL';

/** Sampled requests on, and a CloudWatch metric under `metricName`. */
function visibility(metricName: string): VisibilityConfig {
  return { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metricName };
}

/** An AWS managed rule group, applied as its vendor set it (no action overridden); its metric is its name. */
function managedRuleGroup(name: string, priority: number): Rule {
  return {
    Name: name,
    Priority: priority,
    Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } },
    OverrideAction: { None: {} },
    VisibilityConfig: visibility(name),
  };
}

/** The rules of every web ACL modeshift makes, in the order WAF evaluates them. */
export const MANAGED_RULE_GROUPS: readonly Rule[] = MANAGED_RULE_GROUP_NAMES.map(managedRuleGroup);

/** The CloudWatch metric names (AWS/WAFV2 `WebACL` and `Rule` dimensions) of the web ACL `name`. */
export interface WebAclMetricNames {
  /** The ACL's own metric: every request it saw. */
  readonly webAcl: string;
  /** Each rule's metric, in the order of MANAGED_RULE_GROUPS. */
  readonly rules: readonly string[];
}

/** The metric names `ps` reads the web ACL's counts under: the ACL's own is its name. */
export function webAclMetricNames(name: string): WebAclMetricNames {
  return {
    webAcl: name,
    rules: MANAGED_RULE_GROUPS.map((rule) => rule.VisibilityConfig?.MetricName ?? rule.Name ?? ''),
  };
}

export interface WebAclOptions {
  /** The web ACL's name (letters, digits, `-` and `_`), also its metric name. */
  readonly name: string;
  /** The deployment's tags, set when the ACL is created. */
  readonly tags: readonly Tag[];
  /** The load balancer it protects. */
  readonly loadBalancerArn: string;
  /** The environment it must be tagged for: an ACL of its name that is another's stops the step. */
  readonly owner: EnvironmentIdentity;
}

export interface WebAclIdentity {
  readonly arn: string;
  readonly id: string;
}

/** The regional web ACL called `name`, when there is one. */
export async function findWebAcl(waf: WAFV2Client, name: string): Promise<WebACLSummary | undefined> {
  let marker: string | undefined;
  do {
    const page = await waf.send(
      new ListWebACLsCommand({ Scope: SCOPE, ...(marker !== undefined ? { NextMarker: marker } : {}) }),
    );
    const found = page.WebACLs?.find((acl) => acl.Name === name);
    if (found) return found;
    // WAF may hand back a marker with the last page; an empty page ends the list all the same.
    marker = (page.WebACLs ?? []).length > 0 ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return undefined;
}

function identity(
  summary: { ARN?: string | undefined; Id?: string | undefined },
  name: string,
): WebAclIdentity {
  if (summary.ARN === undefined || summary.Id === undefined) {
    throw new Error(`WAF returned no ARN or id for the web ACL "${name}"`);
  }
  return { arn: summary.ARN, id: summary.Id };
}

/** What of a rule modeshift sets, as one comparable string. */
function ruleSignature(rule: Rule): string {
  const group = rule.Statement?.ManagedRuleGroupStatement;
  return JSON.stringify([
    rule.Name,
    rule.Priority,
    group?.VendorName,
    group?.Name,
    group?.Version,
    (group?.ExcludedRules ?? []).length,
    (group?.RuleActionOverrides ?? []).length,
    rule.OverrideAction?.None !== undefined,
    rule.VisibilityConfig?.SampledRequestsEnabled,
    rule.VisibilityConfig?.CloudWatchMetricsEnabled,
    rule.VisibilityConfig?.MetricName,
  ]);
}

/** Whether the ACL allows by default and has exactly the managed rule groups, as modeshift sets them. */
export function webAclIsCurrent(acl: WebACL): boolean {
  const byPriority = (a: Rule, b: Rule) => (a.Priority ?? 0) - (b.Priority ?? 0);
  const have = [...(acl.Rules ?? [])].sort(byPriority).map(ruleSignature);
  const want = [...MANAGED_RULE_GROUPS].sort(byPriority).map(ruleSignature);
  return (
    acl.DefaultAction?.Allow !== undefined &&
    acl.DefaultAction.Block === undefined &&
    acl.VisibilityConfig?.CloudWatchMetricsEnabled === true &&
    acl.VisibilityConfig.MetricName === acl.Name &&
    have.length === want.length &&
    have.every((signature, index) => signature === want[index])
  );
}

/**
 * Runs `write` with the ACL as just read and its lock token; when someone
 * changed the ACL in between (WAFOptimisticLockException), reads it again
 * and writes once more.
 */
async function withFreshLockToken(
  waf: WAFV2Client,
  acl: { name: string; id: string },
  write: (current: WebACL, lockToken: string) => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const { WebACL: current, LockToken } = await waf.send(
      new GetWebACLCommand({ Name: acl.name, Scope: SCOPE, Id: acl.id }),
    );
    if (current === undefined || LockToken === undefined) {
      throw new Error(`WAF returned no web ACL or lock token for "${acl.name}" (${acl.id})`);
    }
    try {
      await write(current, LockToken);
      return;
    } catch (error) {
      if (attempt >= 2 || !hasAwsErrorName(error, 'WAFOptimisticLockException')) throw error;
    }
  }
}

/** What CreateWebACL and UpdateWebACL both set: allow by default, the managed rules, the ACL's metric. */
function desiredSettings(name: string): Omit<CreateWebACLCommandInput, 'Tags'> {
  return {
    Name: name,
    Scope: SCOPE,
    DefaultAction: { Allow: {} },
    Rules: [...MANAGED_RULE_GROUPS],
    VisibilityConfig: visibility(name),
    Description: 'modeshift: AWS managed rule groups in front of the load balancer',
  };
}

/** Creates the web ACL, or finds the one created meanwhile under its name. */
async function createWebAcl(waf: WAFV2Client, options: WebAclOptions): Promise<WebAclIdentity> {
  try {
    const { Summary } = await waf.send(
      new CreateWebACLCommand({ ...desiredSettings(options.name), Tags: [...options.tags] }),
    );
    return identity(Summary ?? {}, options.name);
  } catch (error) {
    if (!hasAwsErrorName(error, 'WAFDuplicateItemException')) throw error;
  }
  const existing = await findWebAcl(waf, options.name);
  if (existing === undefined) throw new Error(`the web ACL "${options.name}" was created and is not there`);
  return identity(existing, options.name);
}

/**
 * The load balancer's web ACL, as modeshift sets it: created when missing,
 * its rules put back when they differ, and associated with the load balancer
 * unless it already is. Returns its ARN and id.
 */
export async function ensureWebAcl(waf: WAFV2Client, options: WebAclOptions): Promise<WebAclIdentity> {
  const existing = await findWebAcl(waf, options.name);
  if (existing !== undefined) await assertAclOwned(waf, existing, options.owner);
  const acl = existing === undefined ? await createWebAcl(waf, options) : identity(existing, options.name);
  if (existing !== undefined) {
    await withFreshLockToken(waf, { name: options.name, id: acl.id }, async (current, lockToken) => {
      if (webAclIsCurrent(current)) return;
      await waf.send(
        new UpdateWebACLCommand({ ...desiredSettings(options.name), Id: acl.id, LockToken: lockToken }),
      );
    });
  }
  const { WebACL: associated } = await waf.send(
    new GetWebACLForResourceCommand({ ResourceArn: options.loadBalancerArn }),
  );
  if (associated?.ARN !== acl.arn) {
    await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.arn, ResourceArn: options.loadBalancerArn }));
  }
  return acl;
}

export interface DeleteWebAclOptions {
  /** The web ACL's name. */
  readonly name: string;
  /** The load balancer to take it off first. @default no association is removed */
  readonly loadBalancerArn?: string;
  /** The environment it must be tagged for: an ACL of its name that is another's stops the step. */
  readonly owner: EnvironmentIdentity;
}

/** The web ACL on the resource; none when the resource is gone. */
export async function aclOf(waf: WAFV2Client, resourceArn: string): Promise<WebACL | undefined> {
  try {
    return (await waf.send(new GetWebACLForResourceCommand({ ResourceArn: resourceArn }))).WebACL;
  } catch (error) {
    if (hasAwsErrorName(error, 'WAFNonexistentItemException')) return undefined;
    throw error;
  }
}

/** The web ACL called `name` when it is tagged for `owner`: one of its name that is another's is not theirs to show. */
export async function findEnvironmentWebAcl(
  waf: WAFV2Client,
  name: string,
  owner: EnvironmentIdentity,
): Promise<WebACLSummary | undefined> {
  const found = await findWebAcl(waf, name);
  if (found === undefined) return undefined;
  const { TagInfoForResource } = await waf.send(new ListTagsForResourceCommand({ ResourceARN: found.ARN }));
  return isTaggedForEnvironment(TagInfoForResource?.TagList, owner) ? found : undefined;
}

/** Stops with `Modeshift.NotOwned` when the ACL is not tagged for `owner`. */
async function assertAclOwned(
  waf: WAFV2Client,
  acl: WebACLSummary,
  owner: EnvironmentIdentity,
): Promise<void> {
  const { TagInfoForResource } = await waf.send(new ListTagsForResourceCommand({ ResourceARN: acl.ARN }));
  assertOwned(`web ACL ${acl.Name}`, TagInfoForResource?.TagList, owner);
}

/**
 * Takes the web ACL off the load balancer and deletes it; returns whether
 * there was one. An ACL already gone, or a load balancer that has none, is fine.
 */
export async function deleteWebAcl(waf: WAFV2Client, options: DeleteWebAclOptions): Promise<boolean> {
  const existing = await findWebAcl(waf, options.name);
  if (existing === undefined) return false;
  await assertAclOwned(waf, existing, options.owner);
  const acl = identity(existing, options.name);
  const associated =
    options.loadBalancerArn === undefined ? undefined : await aclOf(waf, options.loadBalancerArn);
  // Only this ACL is taken off the load balancer.
  if (options.loadBalancerArn !== undefined && associated?.ARN === acl.arn) {
    try {
      await waf.send(new DisassociateWebACLCommand({ ResourceArn: options.loadBalancerArn }));
    } catch (error) {
      if (!hasAwsErrorName(error, 'WAFNonexistentItemException')) throw error;
    }
  }
  try {
    await withFreshLockToken(waf, { name: options.name, id: acl.id }, async (_current, lockToken) => {
      await waf.send(
        new DeleteWebACLCommand({ Name: options.name, Scope: SCOPE, Id: acl.id, LockToken: lockToken }),
      );
    });
  } catch (error) {
    if (!hasAwsErrorName(error, 'WAFNonexistentItemException')) throw error;
  }
  return true;
}
