import {
  AssociateWebACLCommand,
  CreateWebACLCommand,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  UpdateWebACLCommand,
  WAFAssociatedItemException,
  WAFDuplicateItemException,
  WAFNonexistentItemException,
  WAFOptimisticLockException,
  WAFV2Client,
  type WebACL,
} from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  deleteWebAcl,
  ensureWebAcl,
  MANAGED_RULE_GROUPS,
  webAclIsCurrent,
  webAclMetricNames,
} from '../../../../functions/aws/wafv2/web-acl.ts';
import { callIndex, sentAmong } from '../../../support/aws-mocks.ts';

const waf = mockClient(WAFV2Client);
const client = new WAFV2Client({ region: 'us-east-1' });

const NAME = 'shop-live';
const ID = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const ARN = `arn:aws:wafv2:us-east-1:123456789012:regional/webacl/${NAME}/${ID}`;
const LB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-live/50dc6c495c0c9188';
const TAGS = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'live' },
];
const OWNER = { project: 'shop', environment: 'live' };
const SUMMARY = { Name: NAME, Id: ID, ARN, LockToken: 'listed-token' };

/** The ACL as modeshift sets it. */
const CURRENT: WebACL = {
  Name: NAME,
  Id: ID,
  ARN,
  DefaultAction: { Allow: {} },
  Rules: [...MANAGED_RULE_GROUPS],
  VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: NAME },
};

const duplicate = () => new WAFDuplicateItemException({ message: 'duplicate', $metadata: {} });
const nonexistent = () => new WAFNonexistentItemException({ message: 'no such item', $metadata: {} });
const staleLock = () => new WAFOptimisticLockException({ message: 'changed meanwhile', $metadata: {} });

/** WAF lists the environment's ACL, and GetWebACL returns it as `acl` with `lockToken`; chain the rest on. */
function listed(acl: WebACL, lockToken: string) {
  return waf
    .on(ListWebACLsCommand)
    .resolves({ WebACLs: [SUMMARY] })
    .on(GetWebACLCommand)
    .resolves({ WebACL: acl, LockToken: lockToken });
}

beforeEach(() => {
  waf.reset();
  waf.on(ListTagsForResourceCommand).resolves({ TagInfoForResource: { TagList: TAGS } });
  waf.on(AssociateWebACLCommand).resolves({});
  waf.on(DisassociateWebACLCommand).resolves({});
});

describe('the managed rule groups', () => {
  it('are AWS’s common, known bad inputs and IP reputation groups, at priorities 0 to 2', () => {
    expect(
      MANAGED_RULE_GROUPS.map((rule) => [
        rule.Priority,
        rule.Statement?.ManagedRuleGroupStatement?.VendorName,
        rule.Statement?.ManagedRuleGroupStatement?.Name,
      ]),
    ).toEqual([
      [0, 'AWS', 'AWSManagedRulesCommonRuleSet'],
      [1, 'AWS', 'AWSManagedRulesKnownBadInputsRuleSet'],
      [2, 'AWS', 'AWSManagedRulesAmazonIpReputationList'],
    ]);
  });

  it('take the action their vendor set and count in CloudWatch under their own name', () => {
    for (const rule of MANAGED_RULE_GROUPS) {
      expect(rule.OverrideAction).toEqual({ None: {} });
      expect(rule.VisibilityConfig).toEqual({
        SampledRequestsEnabled: true,
        CloudWatchMetricsEnabled: true,
        MetricName: rule.Name,
      });
    }
  });

  it('give ps the ACL’s metric name and each rule’s', () => {
    expect(webAclMetricNames(NAME)).toEqual({
      webAcl: 'shop-live',
      rules: [
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'AWSManagedRulesAmazonIpReputationList',
      ],
    });
  });
});

describe('webAclIsCurrent', () => {
  it('accepts the ACL as modeshift sets it, whatever order its rules come back in', () => {
    expect(webAclIsCurrent({ ...CURRENT, Rules: [...MANAGED_RULE_GROUPS].reverse() })).toBe(true);
  });

  it('refuses an ACL missing a rule group', () => {
    expect(webAclIsCurrent({ ...CURRENT, Rules: MANAGED_RULE_GROUPS.slice(0, 2) })).toBe(false);
  });

  it('refuses an ACL whose rule group counts instead of blocking', () => {
    const rules = MANAGED_RULE_GROUPS.map((rule) =>
      rule.Priority === 0 ? { ...rule, OverrideAction: { Count: {} } } : rule,
    );
    expect(webAclIsCurrent({ ...CURRENT, Rules: rules })).toBe(false);
  });

  it('refuses an ACL that blocks by default', () => {
    expect(webAclIsCurrent({ ...CURRENT, DefaultAction: { Block: {} } })).toBe(false);
  });
});

describe('ensureWebAcl', () => {
  it('creates a regional ACL that allows by default, with the managed rules and the deployment’s tags', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [] })
      .on(CreateWebACLCommand)
      .resolves({ Summary: SUMMARY })
      .on(GetWebACLForResourceCommand)
      .resolves({});

    const acl = await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(acl).toEqual({ arn: ARN, id: ID });
    expect(waf).toHaveReceivedCommandWith(CreateWebACLCommand, {
      Name: NAME,
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [...MANAGED_RULE_GROUPS],
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: NAME },
      Tags: TAGS,
    });
    expect(waf).not.toHaveReceivedCommand(UpdateWebACLCommand);
  });

  it('associates a new ACL with the load balancer', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [] })
      .on(CreateWebACLCommand)
      .resolves({ Summary: SUMMARY })
      .on(GetWebACLForResourceCommand)
      .resolves({});

    await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(waf).toHaveReceivedCommandWith(GetWebACLForResourceCommand, { ResourceArn: LB_ARN });
    expect(waf).toHaveReceivedCommandWith(AssociateWebACLCommand, { WebACLArn: ARN, ResourceArn: LB_ARN });
  });

  it('finds the ACL by name on a later page of the list', async () => {
    waf
      .on(ListWebACLsCommand, { Scope: 'REGIONAL', NextMarker: undefined })
      .resolves({ WebACLs: [{ Name: 'other', Id: 'x', ARN: 'arn:other' }], NextMarker: 'page-2' })
      .on(ListWebACLsCommand, { Scope: 'REGIONAL', NextMarker: 'page-2' })
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolves({ WebACL: CURRENT, LockToken: 'token-1' })
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT });

    const acl = await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(acl).toEqual({ arn: ARN, id: ID });
    expect(waf).not.toHaveReceivedCommand(CreateWebACLCommand);
    expect(waf).toHaveReceivedCommandWith(GetWebACLCommand, { Name: NAME, Scope: 'REGIONAL', Id: ID });
  });

  it('leaves a current ACL that is already on the load balancer alone', async () => {
    listed(CURRENT, 'token-1').on(GetWebACLForResourceCommand).resolves({ WebACL: CURRENT });

    await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(sentAmong(waf, [CreateWebACLCommand, UpdateWebACLCommand, AssociateWebACLCommand])).toEqual([]);
  });

  it('puts the rules back with the ACL’s lock token when they differ', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolves({ WebACL: { ...CURRENT, Rules: [] }, LockToken: 'token-1' })
      .on(UpdateWebACLCommand)
      .resolves({ NextLockToken: 'token-2' })
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT });

    await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(waf).toHaveReceivedCommandWith(UpdateWebACLCommand, {
      Name: NAME,
      Scope: 'REGIONAL',
      Id: ID,
      LockToken: 'token-1',
      DefaultAction: { Allow: {} },
      Rules: [...MANAGED_RULE_GROUPS],
    });
  });

  it('reads the ACL again and updates once more when it changed meanwhile', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolvesOnce({ WebACL: { ...CURRENT, Rules: [] }, LockToken: 'token-1' })
      .resolves({ WebACL: { ...CURRENT, Rules: [] }, LockToken: 'token-2' })
      .on(UpdateWebACLCommand, { LockToken: 'token-1' })
      .rejects(staleLock())
      .on(UpdateWebACLCommand, { LockToken: 'token-2' })
      .resolves({ NextLockToken: 'token-3' })
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT });

    await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(waf).toHaveReceivedCommandTimes(UpdateWebACLCommand, 2);
    expect(waf).toHaveReceivedLastCommandWith(UpdateWebACLCommand, { LockToken: 'token-2' });
  });

  it('associates the ACL with a load balancer that has another ACL or none', async () => {
    listed(CURRENT, 'token-1')
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: { ...CURRENT, Name: 'hand-made', ARN: 'arn:hand-made' } });

    await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(waf).toHaveReceivedCommandWith(AssociateWebACLCommand, { WebACLArn: ARN, ResourceArn: LB_ARN });
  });

  it('takes the ACL another run created meanwhile under the same name', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolvesOnce({ WebACLs: [] })
      .resolves({ WebACLs: [SUMMARY] })
      .on(CreateWebACLCommand)
      .rejects(duplicate())
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT });

    const acl = await ensureWebAcl(client, { owner: OWNER, name: NAME, tags: TAGS, loadBalancerArn: LB_ARN });

    expect(acl).toEqual({ arn: ARN, id: ID });
  });
});

describe('deleteWebAcl', () => {
  it('takes the ACL off the load balancer, then deletes it with a fresh lock token', async () => {
    waf
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT })
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolves({ WebACL: CURRENT, LockToken: 'fresh-token' })
      .on(DeleteWebACLCommand)
      .resolves({});

    const deleted = await deleteWebAcl(client, { owner: OWNER, name: NAME, loadBalancerArn: LB_ARN });

    expect(deleted).toBe(true);
    expect(waf).toHaveReceivedCommandWith(DisassociateWebACLCommand, { ResourceArn: LB_ARN });
    expect(waf).toHaveReceivedCommandWith(DeleteWebACLCommand, {
      Name: NAME,
      Scope: 'REGIONAL',
      Id: ID,
      LockToken: 'fresh-token',
    });
    expect(callIndex(waf, DisassociateWebACLCommand)).toBeLessThan(callIndex(waf, DeleteWebACLCommand));
  });

  it('deletes without disassociating when given no load balancer', async () => {
    listed(CURRENT, 'fresh-token').on(DeleteWebACLCommand).resolves({});

    await deleteWebAcl(client, { owner: OWNER, name: NAME });

    expect(waf).not.toHaveReceivedCommand(DisassociateWebACLCommand);
    expect(waf).toHaveReceivedCommand(DeleteWebACLCommand);
  });

  it('tolerates a load balancer already gone', async () => {
    waf
      .on(GetWebACLForResourceCommand)
      .rejects(nonexistent())
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(DisassociateWebACLCommand)
      .rejects(nonexistent())
      .on(GetWebACLCommand)
      .resolves({ WebACL: CURRENT, LockToken: 'fresh-token' })
      .on(DeleteWebACLCommand)
      .resolves({});

    await expect(deleteWebAcl(client, { owner: OWNER, name: NAME, loadBalancerArn: LB_ARN })).resolves.toBe(
      true,
    );
  });

  it('reads a new lock token and deletes once more when the ACL changed meanwhile', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolvesOnce({ WebACL: CURRENT, LockToken: 'token-1' })
      .resolves({ WebACL: CURRENT, LockToken: 'token-2' })
      .on(DeleteWebACLCommand, { LockToken: 'token-1' })
      .rejects(staleLock())
      .on(DeleteWebACLCommand, { LockToken: 'token-2' })
      .resolves({});

    await deleteWebAcl(client, { owner: OWNER, name: NAME });

    expect(waf).toHaveReceivedCommandTimes(DeleteWebACLCommand, 2);
    expect(waf).toHaveReceivedLastCommandWith(DeleteWebACLCommand, { LockToken: 'token-2' });
  });

  it('gives up after the second stale lock token', async () => {
    listed(CURRENT, 'token').on(DeleteWebACLCommand).rejects(staleLock());

    await expect(deleteWebAcl(client, { owner: OWNER, name: NAME })).rejects.toThrow('changed meanwhile');
    expect(waf).toHaveReceivedCommandTimes(DeleteWebACLCommand, 2);
  });

  it('does nothing when there is no ACL of that name', async () => {
    waf.on(ListWebACLsCommand).resolves({ WebACLs: [] });

    const deleted = await deleteWebAcl(client, { owner: OWNER, name: NAME, loadBalancerArn: LB_ARN });

    expect(deleted).toBe(false);
    expect(sentAmong(waf, [DisassociateWebACLCommand, GetWebACLCommand, DeleteWebACLCommand])).toEqual([]);
  });

  it('is done when the ACL goes between the list and the delete', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .rejects(nonexistent());

    await expect(deleteWebAcl(client, { owner: OWNER, name: NAME })).resolves.toBe(true);
    expect(waf).not.toHaveReceivedCommand(DeleteWebACLCommand);
  });

  it('takes off the load balancer only its own ACL, and deletes none of another environment', async () => {
    waf
      .on(GetWebACLForResourceCommand)
      .resolves({
        WebACL: { ...CURRENT, ARN: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/other/1' },
      })
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolves({ WebACL: CURRENT, LockToken: 'fresh-token' })
      .on(DeleteWebACLCommand)
      .resolves({});

    await deleteWebAcl(client, { owner: OWNER, name: NAME, loadBalancerArn: LB_ARN });
    expect(waf).not.toHaveReceivedCommand(DisassociateWebACLCommand);

    waf.reset();
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(ListTagsForResourceCommand)
      .resolves({ TagInfoForResource: { TagList: [{ Key: 'modeshift:project', Value: 'blog' }] } });
    await expect(deleteWebAcl(client, { owner: OWNER, name: NAME })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(waf).not.toHaveReceivedCommand(DeleteWebACLCommand);
  });

  it('passes on a refusal to delete an ACL still on another resource', async () => {
    waf
      .on(GetWebACLForResourceCommand)
      .resolves({ WebACL: CURRENT })
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [SUMMARY] })
      .on(GetWebACLCommand)
      .resolves({ WebACL: CURRENT, LockToken: 'token' })
      .on(DeleteWebACLCommand)
      .rejects(new WAFAssociatedItemException({ message: 'still associated', $metadata: {} }));

    await expect(deleteWebAcl(client, { owner: OWNER, name: NAME, loadBalancerArn: LB_ARN })).rejects.toThrow(
      'still associated',
    );
  });
});
