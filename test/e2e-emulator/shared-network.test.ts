// The shared network on the local AWS, read back: ten development
// environments of the bundled example, deployed five at a time, share one VPC
// and one load balancer, each with its own security groups, target groups,
// certificate and host rule; a down removes only the environment's pieces, and
// the last one removes the shared ones; production gets a network of its own;
// a mode change keeps an environment in its shared network, and promotion
// into production's dedicated network is refused before anything changes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeNatGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { sharedNetworkNames, sharedNetworkSpec } from '../../core/shared-network.ts';
import { readTeardownState } from '../../local/read-back.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { runCli } from '../support/cli.ts';
import { auditComposeFile, deployShop, downShop, EXAMPLE, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'shop';

function composeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-shared-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: ${PROJECT}
services:
  web:
    image: nginx:1.27
    domainname: shop.example.com
    ports: ["80:80"]
    environment:
      API_URL: http://api:8080
  api:
    image: nginx:1.27
    expose: ["8080"]
`,
  );
  return file;
}

async function deploy(target: Target, file: string, environment: string, mode: Mode = 'development') {
  const composed = loadComposeFile(file, {
    environment,
    mode,
    deploymentId: `shared-${environment}-${mode}`,
    variables: {},
  });
  const report = await deployOnTarget(target, { ...composed, resolved: resolvePolicy(mode) });
  expect(report.status, `${environment}: ${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe(
    'SUCCEEDED',
  );
}

const byProject = [{ Name: 'tag:modeshift:project', Values: [PROJECT] }];

/** What the project has on the local AWS: its VPCs, load balancers, target groups and security groups. */
async function inventory(target: Target) {
  const ec2 = target.clients('ec2') as EC2Client;
  const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: byProject }));
  const { SecurityGroups = [] } = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byProject }));
  const { LoadBalancers = [] } = await elbv2.send(new DescribeLoadBalancersCommand({}));
  const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({}));
  const tag = (tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined) =>
    tags?.find((entry) => entry.Key === 'modeshift:environment')?.Value;
  return {
    vpcs: Vpcs.map((vpc) => ({ id: vpc.VpcId as string, environment: tag(vpc.Tags) })),
    securityGroups: SecurityGroups.map((group) => ({
      name: group.GroupName as string,
      vpcId: group.VpcId as string,
      environment: tag(group.Tags),
    })),
    loadBalancers: LoadBalancers.filter((balancer) => balancer.LoadBalancerName?.startsWith(PROJECT)),
    targetGroups: TargetGroups.filter((group) => group.TargetGroupName?.startsWith(PROJECT)),
  };
}

/** The host rules of the shared load balancer's HTTPS listener, and the certificates it serves. */
async function httpsRoutes(target: Target, loadBalancerArn: string) {
  const elbv2 = target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
  const { Listeners = [] } = await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }),
  );
  const https = Listeners.find((listener) => listener.Port === 443);
  const { Rules = [] } = await elbv2.send(new DescribeRulesCommand({ ListenerArn: https?.ListenerArn }));
  const { Certificates = [] } = await elbv2.send(
    new DescribeListenerCertificatesCommand({ ListenerArn: https?.ListenerArn }),
  );
  const hosts = (rule: Rule) =>
    (rule.Conditions ?? []).flatMap(
      (condition) => condition.HostHeaderConfig?.Values ?? condition.Values ?? [],
    );
  return {
    ports: Listeners.map((listener) => listener.Port as number).sort((a, b) => a - b),
    rules: Rules.filter((rule) => !rule.IsDefault).map((rule) => ({
      priority: Number(rule.Priority),
      hosts: hosts(rule),
      targetGroup: rule.Actions?.[0]?.TargetGroupArn,
    })),
    certificates: new Set(Certificates.map((certificate) => certificate.CertificateArn)).size,
  };
}

describe('the shared network on the local AWS', () => {
  it('runs ten development environments of the example on one VPC and one load balancer, and removes them one by one', async () => {
    const target = aws.target();
    const environments = Array.from({ length: 10 }, (_, index) => `pr-${index + 1}`);
    // pr-1 first, so its certificate is the HTTPS listener's default; then five at a time, whose
    // deploys take the shared network's lease in turn.
    for (const batch of [environments.slice(0, 1), environments.slice(1, 6), environments.slice(6)]) {
      const reports = await Promise.all(
        batch.map((environment) => deployShop(target, 'development', environment)),
      );
      for (const report of reports)
        expect(
          report.status,
          `${report.environment}: ${report.failedState}: ${report.error} ${report.cause ?? ''}`,
        ).toBe('SUCCEEDED');
    }

    const shared = sharedNetworkNames(PROJECT, 'development');
    const all = await inventory(target);
    expect(all.vpcs, 'one VPC, the shared network’s').toEqual([
      { id: expect.any(String), environment: 'shared.development' },
    ]);
    const vpcId = all.vpcs[0]?.id;
    for (const environment of environments) {
      const names = environmentNames(PROJECT, environment);
      expect(
        all.securityGroups
          .filter((group) => group.environment === environment)
          .map((group) => [group.name, group.vpcId])
          .sort(),
        `${environment}: its own security groups, in the shared VPC, and no load balancer group`,
      ).toEqual(
        [names.serviceSecurityGroup, names.databaseSecurityGroup].map((name) => [name, vpcId]).sort(),
      );
    }
    expect(
      all.loadBalancers.map((balancer) => balancer.LoadBalancerName),
      'one load balancer, the shared network’s',
    ).toEqual([shared.loadBalancer]);
    const balancer = all.loadBalancers[0];
    expect(balancer?.VpcId).toBe(vpcId);
    const routes = await httpsRoutes(target, balancer?.LoadBalancerArn as string);
    expect(routes.ports).toEqual([80, 443]);
    expect(routes.rules.map((rule) => rule.hosts).sort()).toEqual(
      environments.map((environment) => [`${environment}.shop.example.com`]).sort(),
    );
    expect(new Set(routes.rules.map((rule) => rule.priority)).size, 'each rule its own priority').toBe(10);
    expect(routes.certificates, 'each environment’s certificate, served by SNI').toBe(10);
    for (const rule of routes.rules) {
      const environment = rule.hosts[0]?.split('.')[0] as string;
      const group = all.targetGroups.find((candidate) => candidate.TargetGroupArn === rule.targetGroup);
      expect(group?.TargetGroupName, `${environment}'s rule forwards to its own target group`).toContain(
        `${PROJECT}-${environment}-web`,
      );
    }
    // Isolation: an environment's services let in the shared load balancer (on their ports) and each
    // other, and no other environment's tasks; its database lets in its own services only.
    const ec2 = target.clients('ec2') as EC2Client;
    const { SecurityGroups: groups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId as string] }] }),
    );
    const idOf = (name: string) => groups.find((group) => group.GroupName === name)?.GroupId;
    const sources = (name: string) =>
      [
        ...new Set(
          groups
            .find((group) => group.GroupName === name)
            ?.IpPermissions?.flatMap((permission) =>
              (permission.UserIdGroupPairs ?? []).map((pair) => pair.GroupId),
            ),
        ),
      ].sort();
    for (const environment of environments) {
      const names = environmentNames(PROJECT, environment);
      expect(sources(names.serviceSecurityGroup), `${environment}'s services`).toEqual(
        [idOf(shared.albSecurityGroup), idOf(names.serviceSecurityGroup)].sort(),
      );
      expect(sources(names.databaseSecurityGroup), `${environment}'s database`).toEqual([
        idOf(names.serviceSecurityGroup),
      ]);
    }
    const audit = await auditComposeFile(target, { file: EXAMPLE, project: PROJECT, environment: 'pr-5' });
    expect(audit.findings).toEqual([]);

    expect((await downShop(target, 'pr-5')).status).toBe('SUCCEEDED');
    const afterMiddle = await inventory(target);
    expect(afterMiddle.vpcs.map((vpc) => vpc.id)).toEqual([vpcId]);
    expect(afterMiddle.loadBalancers.map((found) => found.LoadBalancerArn)).toEqual([
      balancer?.LoadBalancerArn,
    ]);
    expect(afterMiddle.securityGroups.some((group) => group.environment === 'pr-5')).toBe(false);
    const left = await httpsRoutes(target, balancer?.LoadBalancerArn as string);
    expect(
      left.rules.map((rule) => rule.targetGroup).sort(),
      'the other nine still forward to their target groups',
    ).toEqual(
      routes.rules
        .filter((rule) => !rule.hosts[0]?.startsWith('pr-5.'))
        .map((rule) => rule.targetGroup)
        .sort(),
    );
    expect(left.certificates).toBe(9);
    // What the down of pr-5 kept, read back: the shared pieces, which the others still use.
    const kept = await readTeardownState(
      target,
      PROJECT,
      'pr-5',
      ['db'],
      'pr-5.shop.example.com',
      sharedNetworkSpec(PROJECT, 'development', true),
    );
    expect(kept.retained).toEqual([
      `load balancer ${shared.loadBalancer} (shared)`,
      `VPC ${shared.vpc} (shared)`,
    ]);
    expect(kept.destroyed.some((line) => line.startsWith('access-log bucket'))).toBe(false);

    // pr-1's certificate is the listener's default: another's takes its place, and the others stay.
    expect((await downShop(target, 'pr-1')).status).toBe('SUCCEEDED');
    const afterFirst = await httpsRoutes(target, balancer?.LoadBalancerArn as string);
    expect(afterFirst.certificates).toBe(8);
    expect(afterFirst.rules.map((rule) => rule.hosts[0]).sort()).not.toContain('pr-1.shop.example.com');
    expect(afterFirst.rules).toHaveLength(8);

    for (const environment of environments.filter((name) => name !== 'pr-5' && name !== 'pr-1'))
      expect((await downShop(target, environment)).status).toBe('SUCCEEDED');
    expect(await inventory(target), 'the last down leaves nothing').toEqual({
      vpcs: [],
      securityGroups: [],
      loadBalancers: [],
      targetGroups: [],
    });
  }, 300_000);

  it('gives production a network of its own next to the shared development one', async () => {
    const target = aws.target();
    const file = composeFile();
    await deploy(target, file, 'pr-1');
    await deploy(target, file, 'live', 'production');
    const all = await inventory(target);
    expect(all.vpcs.map((vpc) => vpc.environment).sort()).toEqual(['live', 'shared.development']);
    expect(all.loadBalancers.map((balancer) => balancer.LoadBalancerName).sort()).toEqual(
      [
        environmentNames(PROJECT, 'live').loadBalancer,
        sharedNetworkNames(PROJECT, 'development').loadBalancer,
      ].sort(),
    );
  });

  it('keeps an environment in its shared network through a mode change, and refuses production’s dedicated one', async () => {
    const target = aws.target();
    const file = composeFile();
    await deploy(target, file, 'pr-1');
    const [before] = (await inventory(target)).vpcs;

    await deploy(target, file, 'pr-1', 'staging');
    const staged = await inventory(target);
    expect(staged.vpcs, 'still the development network’s VPC').toEqual([before]);
    const ec2 = target.clients('ec2') as EC2Client;
    const { NatGateways = [] } = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [before?.id as string] }] }),
    );
    expect(
      NatGateways.filter((gateway) => gateway.State === 'available'),
      'staging’s NAT gateway, there',
    ).toHaveLength(1);
    const audit = await auditComposeFile(target, { file, project: PROJECT, environment: 'pr-1' });
    expect(audit.findings).toEqual([]);
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
    expect(JSON.parse(ps.stdout).network).toMatchObject({
      vpcId: before?.id,
      owner: 'shared',
      sharedMode: 'development',
    });
    const text = await runCli(['ps', '--env', 'pr-1', '--project', PROJECT, '--endpoint', aws.endpoint()]);
    expect(text.stdout).toMatch(/^network +vpc-\S+ \S+ \(the project's shared development network\)$/m);

    const composed = loadComposeFile(file, {
      environment: 'pr-1',
      mode: 'production',
      deploymentId: 'up',
      variables: {},
    });
    const refused = await deployOnTarget(target, { ...composed, resolved: resolvePolicy('production') });
    expect(refused).toMatchObject({
      status: 'FAILED',
      failedState: 'EnsureNetwork',
      error: 'Modeshift.NetworkChangeRefused',
    });
    expect(refused.cause).toContain(
      `${PROJECT}/pr-1 runs in the project's shared development network (${before?.id}): an environment leaves a shared network only through a down`,
    );
    // The CLI (and Deploy Requested) refuse it up front, naming the setting, before the workflow starts.
    const cli = await runCli([
      'deploy',
      '-f',
      file,
      '--env',
      'pr-1',
      '--mode',
      'production',
      '--quiet',
      '--endpoint',
      aws.endpoint(),
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(
      `error: network: ${PROJECT}/pr-1 runs in the project's shared development network (${before?.id})`,
    );
    const after = await inventory(target);
    expect(after.vpcs, 'no VPC made for production').toEqual([before]);
    expect(after.loadBalancers.map((balancer) => balancer.LoadBalancerName)).toEqual([
      sharedNetworkNames(PROJECT, 'development').loadBalancer,
    ]);
  });
});
