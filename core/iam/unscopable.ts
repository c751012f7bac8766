/**
 * The actions that change something and that neither a tag condition nor
 * modeshift's names can limit, with the reason and what limits them instead.
 * Every policy modeshift derives is checked against this list
 * (test/core/iam/least-privilege.test.ts), and the README's table is this list.
 */
export interface UnscopableAction {
  /** Why no tag condition or ARN scope can limit it. */
  readonly why: string;
  /** What limits it instead. */
  readonly limitedBy: string;
}

export const UNSCOPABLE_ACTIONS: Readonly<Record<string, UnscopableAction>> = {
  'ec2:CreateSecurityGroup': {
    why: "a team's VPC (`vpc`) carries no modeshift tag",
    limitedBy: 'the new group must be tagged for a served project; a group alone opens nothing',
  },
  'ecs:DeregisterTaskDefinition': {
    why: 'takes no resource: IAM authorises it on `*` only, with no condition keys',
    limitedBy:
      "steps deregister only revisions of the task families of services they found tagged as the environment's; tasks already running keep their revision",
  },
  'elasticloadbalancing:SetWebACL': {
    why: 'takes no resource: IAM authorises it on `*` only',
    limitedBy:
      'checked only behind wafv2:AssociateWebACL and DisassociateWebACL, which are scoped to the environments’ web ACLs and load balancers',
  },
  'route53:ChangeResourceRecordSets': {
    why: 'hosted zones support no tag condition keys, and zone ids are assigned by AWS',
    limitedBy:
      "steps write only into zones tagged as the environment's (or adopted by name in the request), and only records modeshift owns",
  },
  'route53:ChangeTagsForResource': {
    why: 'supports no condition keys at all',
    limitedBy:
      'EnsurePublicZones tags the zones it creates and marks a zone adopted by name; RemoveServiceRecords and PurgeAndDeleteZones only remove that mark',
  },
  'route53:CreateHostedZone': {
    why: 'takes no resource and supports no request-tag condition (zones are tagged after they are created)',
    limitedBy: 'only EnsurePublicZones holds it; a zone is created for a domain named in the request',
  },
  'route53:DeleteHostedZone': {
    why: 'hosted zones support no tag condition keys, and zone ids are assigned by AWS',
    limitedBy:
      "only PurgeAndDeleteZones holds it, and it deletes only zones tagged as the environment's and created by it",
  },
};
