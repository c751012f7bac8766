// The web application firewall on the local AWS, read back: production's load
// balancer gets a WAF web ACL with AWS's three managed rule groups, tagged as
// the environment's, whose counts `ps` shows; development's gets none; down
// takes it off and deletes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
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
import { webAclMetricNames } from '../../functions/aws/wafv2/web-acl.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { runCli } from '../support/cli.ts';
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

    // What WAF would report: 40 requests allowed, 3 blocked by the first rule group and 2 by the third.
    const metrics = webAclMetricNames(name);
    const datum = (metric: string, rule: string, value: number) => ({
      MetricName: metric,
      Value: value,
      Unit: 'Count' as const,
      Timestamp: new Date(Date.now() - 600_000),
      Dimensions: [
        { Name: 'WebACL', Value: metrics.webAcl },
        { Name: 'Region', Value: target.names.region },
        { Name: 'Rule', Value: rule },
      ],
    });
    await (target.clients('cloudwatch') as CloudWatchClient).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/WAFV2',
        MetricData: [
          datum('AllowedRequests', 'ALL', 40),
          datum('BlockedRequests', 'ALL', 5),
          datum('BlockedRequests', metrics.rules[0] as string, 3),
          datum('BlockedRequests', metrics.rules[2] as string, 2),
        ],
      }),
    );
    const ps = await runCli(['ps', '--env', 'live', '--project', PROJECT, '--endpoint', aws.endpoint()]);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).toContain(`web ACL ${name}, last 24 h: 40 allowed, 5 blocked, 0 counted`);
    const json = await runCli([
      'ps',
      '--env',
      'live',
      '--project',
      PROJECT,
      '--json',
      '--endpoint',
      aws.endpoint(),
    ]);
    expect(JSON.parse(json.stdout).firewall).toEqual({
      webAcl: name,
      associated: true,
      traffic: {
        hours: 24,
        allowed: 40,
        blocked: 5,
        counted: 0,
        rules: [
          { rule: 'AWSManagedRulesCommonRuleSet', blocked: 3, counted: 0 },
          { rule: 'AWSManagedRulesKnownBadInputsRuleSet', blocked: 0, counted: 0 },
          { rule: 'AWSManagedRulesAmazonIpReputationList', blocked: 2, counted: 0 },
        ],
      },
    });

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
    const ps = await runCli([
      'ps',
      '--env',
      'pr-1',
      '--project',
      PROJECT,
      '--json',
      '--endpoint',
      aws.endpoint(),
    ]);
    expect(JSON.parse(ps.stdout).firewall, 'ps shows no firewall where there is none').toBeUndefined();
  });
});
