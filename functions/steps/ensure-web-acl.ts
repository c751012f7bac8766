/**
 * EnsureWebAcl: the WAF web ACL in front of the environment's load balancer,
 * as the mode's `waf` says. On: the ACL (AWS's common, known-bad-inputs and
 * IP-reputation rule groups; functions/aws/wafv2/web-acl.ts) is created or
 * brought to its rules and associated with the load balancer. Off: an ACL a
 * mode change left behind is taken off the load balancer and deleted, so a
 * production environment promoted down pays for no firewall.
 *
 * A web ACL just created can take a moment before WAF lets it be associated
 * (WAFUnavailableEntityException): the step then reports not done, and the
 * workflow calls it again.
 */
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
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { deleteWebAcl, ensureWebAcl } from '../aws/wafv2/web-acl.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, LoadBalancerRef, Progress, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';

export interface EnsureWebAclInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  readonly tags: readonly Tag[];
  /** The mode's `waf`. */
  readonly waf: boolean;
  readonly loadBalancer: LoadBalancerRef;
}

export interface EnsureWebAclOutput extends Progress {
  /** The ACL's ARN when the environment has one. */
  readonly arn?: string;
}

export const ensureWebAclStep = defineStep({
  name: 'EnsureWebAcl',
  clients: { waf: WAFV2Client },
  sends: [
    ListWebACLsCommand,
    ListTagsForResourceCommand,
    GetWebACLCommand,
    CreateWebACLCommand,
    UpdateWebACLCommand,
    GetWebACLForResourceCommand,
    AssociateWebACLCommand,
    DisassociateWebACLCommand,
    DeleteWebACLCommand,
  ],
  settings: ['waf'],
  async run(input: EnsureWebAclInput, { waf }): Promise<EnsureWebAclOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const name = input.names.webAcl;
    const loadBalancerArn = input.loadBalancer.arn;
    if (!input.waf) {
      try {
        await deleteWebAcl(waf, { name, loadBalancerArn, owner });
      } catch (error) {
        // Just taken off the load balancer: WAF lets it go in a moment.
        if (hasAwsErrorName(error, 'WAFAssociatedItemException')) return { ready: false };
        throw error;
      }
      return { ready: true };
    }
    try {
      const acl = await ensureWebAcl(waf, { name, tags: input.tags, loadBalancerArn, owner });
      return { ready: true, arn: acl.arn };
    } catch (error) {
      if (hasAwsErrorName(error, 'WAFUnavailableEntityException')) return { ready: false };
      throw error;
    }
  },
  settled: (output) => output.ready,
});

export const handler = lambdaHandler(ensureWebAclStep);
