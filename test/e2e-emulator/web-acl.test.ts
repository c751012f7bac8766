// The web application firewall on the local AWS, read back: production's load
// balancer gets a WAF web ACL with AWS's three managed rule groups, tagged as
// the environment's; development's gets none; down takes it off and deletes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  type WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'guarded';

function composeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-waf-')), 'compose.yaml');
  writeFileSync(file, `name: ${PROJECT}\nservices:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n`);
  return file;
}

async function deploy(target: Target, mode: Mode, environment: string) {
  const composed = loadComposeFile(composeFile(), {
    environment,
    mode,
    deploymentId: `waf-${environment}`,
    variables: {},
  });
  const report = await deployOnTarget(target, { ...composed, resolved: resolvePolicy(mode) });
  expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
}

const waf = (target: Target) => target.clients('wafv2') as WAFV2Client;

async function webAclNamed(target: Target, name: string) {
  const { WebACLs = [] } = await waf(target).send(new ListWebACLsCommand({ Scope: 'REGIONAL' }));
  return WebACLs.find((acl) => acl.Name === name);
}

async function loadBalancerArn(target: Target, environment: string): Promise<string | undefined> {
  const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
  const { LoadBalancers = [] } = await elbv2.send(new DescribeLoadBalancersCommand({}));
  return LoadBalancers.find(
    (lb) => lb.LoadBalancerName === environmentNames(PROJECT, environment).loadBalancer,
  )?.LoadBalancerArn;
}

describe('the web ACL on the local AWS', () => {
  it("puts production's load balancer behind the three managed rule groups, and down removes it", async () => {
    const target = aws.target();
    await deploy(target, 'production', 'live');
    const name = environmentNames(PROJECT, 'live').webAcl;

    const summary = await webAclNamed(target, name);
    expect(summary).toBeDefined();
    const { WebACL } = await waf(target).send(
      new GetWebACLCommand({ Name: name, Scope: 'REGIONAL', Id: summary?.Id }),
    );
    expect(WebACL?.DefaultAction).toEqual({ Allow: {} });
    expect(WebACL?.Rules?.map((rule) => rule.Statement?.ManagedRuleGroupStatement?.Name)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    const { TagInfoForResource } = await waf(target).send(
      new ListTagsForResourceCommand({ ResourceARN: summary?.ARN }),
    );
    expect(TagInfoForResource?.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'modeshift:project', Value: PROJECT },
        { Key: 'modeshift:environment', Value: 'live' },
      ]),
    );
    const balancer = await loadBalancerArn(target, 'live');
    const { WebACL: onBalancer } = await waf(target).send(
      new GetWebACLForResourceCommand({ ResourceArn: balancer }),
    );
    expect(onBalancer?.ARN).toBe(summary?.ARN);

    const down = await downOnTarget(target, { project: PROJECT, environment: 'live', confirm: 'live' });
    expect(down.status, `${down.failedState}: ${down.error}`).toBe('SUCCEEDED');
    expect(await webAclNamed(target, name)).toBeUndefined();
  });

  it("gives development's load balancer no web ACL", async () => {
    const target = aws.target();
    await deploy(target, 'development', 'pr-1');

    const { WebACLs = [] } = await waf(target).send(new ListWebACLsCommand({ Scope: 'REGIONAL' }));
    expect(WebACLs).toEqual([]);
    const balancer = await loadBalancerArn(target, 'pr-1');
    expect(balancer).toBeDefined();
    const { WebACL } = await waf(target).send(new GetWebACLForResourceCommand({ ResourceArn: balancer }));
    expect(WebACL).toBeUndefined();
  });
});
