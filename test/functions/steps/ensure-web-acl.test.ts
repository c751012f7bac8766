import {
  AssociateWebACLCommand,
  CreateWebACLCommand,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  WAFUnavailableEntityException,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import { type EnsureWebAclInput, ensureWebAclStep } from '../../../functions/steps/ensure-web-acl.ts';

const waf = mockClient(WAFV2Client);
const clients = { waf: new WAFV2Client({ region: 'us-east-1' }) };
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop--live/1';
const ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop--live/acl-1';
const TAGS = modeshiftTags('shop', 'live', 'production', 'deploy-1');

const input = (on: boolean): EnsureWebAclInput => ({
  project: 'shop',
  environment: 'live',
  names: environmentNames('shop', 'live'),
  tags: TAGS,
  waf: on,
  loadBalancer: {
    arn: LB_ARN,
    dnsName: 'lb',
    canonicalHostedZoneId: 'Z',
    accessLogBucket: 'b',
    shared: false,
    targetGroups: [],
  },
});

beforeEach(() => {
  waf.reset();
  waf.on(ListTagsForResourceCommand).resolves({ TagInfoForResource: { TagList: TAGS } });
});

describe('EnsureWebAcl', () => {
  it('creates the ACL where the mode has waf, and puts it on the load balancer', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [] })
      .on(CreateWebACLCommand)
      .resolves({ Summary: { Name: 'shop--live', Id: 'acl-1', ARN: ACL_ARN } })
      .on(GetWebACLForResourceCommand)
      .resolves({})
      .on(AssociateWebACLCommand)
      .resolves({});

    await expect(ensureWebAclStep(input(true), clients)).resolves.toEqual({ ready: true, arn: ACL_ARN });
    expect(waf).toHaveReceivedCommandWith(CreateWebACLCommand, { Name: 'shop--live', Scope: 'REGIONAL' });
    expect(waf).toHaveReceivedCommandWith(AssociateWebACLCommand, {
      WebACLArn: ACL_ARN,
      ResourceArn: LB_ARN,
    });
  });

  it('reports not ready while WAF cannot associate an ACL just made, so the workflow looks again', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [] })
      .on(CreateWebACLCommand)
      .resolves({ Summary: { Name: 'shop--live', Id: 'acl-1', ARN: ACL_ARN } })
      .on(GetWebACLForResourceCommand)
      .resolves({})
      .on(AssociateWebACLCommand)
      .rejects(new WAFUnavailableEntityException({ message: 'not yet', $metadata: {} }));

    await expect(ensureWebAclStep(input(true), clients)).resolves.toEqual({ ready: false });
  });

  it('takes off and deletes an ACL a mode without waf still has, and does nothing when there is none', async () => {
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [{ Name: 'shop--live', Id: 'acl-1', ARN: ACL_ARN }] })
      .on(GetWebACLForResourceCommand)
      .resolves({
        WebACL: {
          Name: 'shop--live',
          Id: 'acl-1',
          ARN: ACL_ARN,
          DefaultAction: {},
          VisibilityConfig: undefined,
        },
      })
      .on(GetWebACLCommand)
      .resolves({
        WebACL: {
          Name: 'shop--live',
          Id: 'acl-1',
          ARN: ACL_ARN,
          DefaultAction: {},
          VisibilityConfig: undefined,
        },
        LockToken: 't',
      })
      .on(DeleteWebACLCommand)
      .resolves({});

    await expect(ensureWebAclStep(input(false), clients)).resolves.toEqual({ ready: true });
    expect(waf).toHaveReceivedCommandWith(DisassociateWebACLCommand, { ResourceArn: LB_ARN });
    expect(waf).toHaveReceivedCommandWith(DeleteWebACLCommand, { Id: 'acl-1', LockToken: 't' });

    waf.reset();
    waf.on(ListWebACLsCommand).resolves({ WebACLs: [] });
    await expect(ensureWebAclStep(input(false), clients)).resolves.toEqual({ ready: true });
    expect(waf).not.toHaveReceivedCommand(DeleteWebACLCommand);
    expect(waf).not.toHaveReceivedCommand(CreateWebACLCommand);
  });
});
