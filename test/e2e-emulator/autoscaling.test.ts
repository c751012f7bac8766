// Autoscaling and the discovery TTL on the local AWS, read back per mode:
// production registers each service with Application Auto Scaling between its
// replicas and four times them, with a 60 % CPU target; development registers
// nothing; every mode's Cloud Map services keep a 10-second TTL; a redeploy
// after a scale-out keeps the higher count; down deregisters the targets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  GetServiceCommand,
  ListServicesCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { environmentNames } from '../../core/names.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { auditComposeFile, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'scaled';

function composeFile(extra = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-scaling-')), 'compose.yaml');
  writeFileSync(
    file,
    `name: ${PROJECT}
services:
  web:
    image: nginx:1.27
    deploy:
      replicas: 2
  worker:
    image: nginx:1.27
${extra}`,
  );
  return file;
}

let deployments = 0;

async function deploy(target: Target, file: string, mode: Mode, environment = 'main') {
  deployments += 1;
  const composed = loadComposeFile(file, {
    environment,
    mode,
    deploymentId: `scale-${deployments}`,
    variables: {},
  });
  const report = await deployOnTarget(target, { ...composed, resolved: resolvePolicy(mode) });
  expect(report.status, `${report.failedState}: ${report.error} ${report.cause ?? ''}`).toBe('SUCCEEDED');
}

const autoscaling = (target: Target) =>
  target.clients('applicationautoscaling') as ApplicationAutoScalingClient;
const ecs = (target: Target) => target.clients('ecs') as ECSClient;

async function scalableTargets(target: Target, environment = 'main') {
  const cluster = environmentNames(PROJECT, environment).cluster;
  const { ScalableTargets = [] } = await autoscaling(target).send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }),
  );
  return Object.fromEntries(
    ScalableTargets.filter((found) => found.ResourceId?.startsWith(`service/${cluster}/`)).map((found) => [
      found.ResourceId?.split('/')[2],
      { min: found.MinCapacity, max: found.MaxCapacity },
    ]),
  );
}

/** What `modeshift audit` finds in the environment. */
async function auditFindings(target: Target, file: string) {
  return (await auditComposeFile(target, { file, project: PROJECT, environment: 'main' })).findings;
}

async function desiredCount(target: Target, service: string): Promise<number | undefined> {
  const { services = [] } = await ecs(target).send(
    new DescribeServicesCommand({ cluster: environmentNames(PROJECT, 'main').cluster, services: [service] }),
  );
  return services[0]?.desiredCount;
}

async function discoveryTtls(target: Target): Promise<number[]> {
  const client = target.clients('servicediscovery') as ServiceDiscoveryClient;
  const { Services = [] } = await client.send(new ListServicesCommand({}));
  const ttls: number[] = [];
  for (const summary of Services) {
    const { Service } = await client.send(new GetServiceCommand({ Id: summary.Id }));
    for (const record of Service?.DnsConfig?.DnsRecords ?? []) ttls.push(record.TTL ?? -1);
  }
  return ttls;
}

describe('autoscaling on the local AWS', () => {
  it('registers production services between their replicas and 4× them at a 60 % CPU target, with a 10 s discovery TTL', async () => {
    const target = aws.target();
    const file = composeFile();
    await deploy(target, file, 'production');

    expect(await scalableTargets(target)).toEqual({ web: { min: 2, max: 8 }, worker: { min: 1, max: 4 } });
    const cluster = environmentNames(PROJECT, 'main').cluster;
    const { ScalingPolicies = [] } = await autoscaling(target).send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: `service/${cluster}/web` }),
    );
    expect(ScalingPolicies.map((policy) => policy.TargetTrackingScalingPolicyConfiguration)).toEqual([
      expect.objectContaining({
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    ]);
    expect(await discoveryTtls(target)).toEqual([10, 10]);
    expect(await auditFindings(target, file)).toEqual([]);

    // Someone raises web's maximum by hand: the audit names the drift, with both values.
    await autoscaling(target).send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: `service/${cluster}/web`,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 2,
        MaxCapacity: 20,
      }),
    );
    expect(await auditFindings(target, file)).toEqual([
      expect.objectContaining({
        kind: 'drift',
        resource: `scalable-target service/${cluster}/web`,
        setting: 'autoscaling',
        expected: 'min 2, max 8, CPU target 60 %',
        actual: 'min 2, max 20, CPU target 60 %',
      }),
    ]);

    await downOnTarget(target, { project: PROJECT, environment: 'main', confirm: 'main' });
    expect(await scalableTargets(target)).toEqual({});
  });

  it('registers nothing in development but a service that asks (x-modeshift.scaling), and keeps the 10 s TTL', async () => {
    const target = aws.target();
    const file = composeFile('    x-modeshift:\n      scaling: {max: 3, cpu: 50}\n');
    await deploy(target, file, 'development');

    expect(await scalableTargets(target)).toEqual({ worker: { min: 1, max: 3 } });
    expect(await discoveryTtls(target)).toEqual([10, 10]);
    expect(await auditFindings(target, file), 'the audit expects the target worker asked for').toEqual([]);
  });

  it('keeps a scaled-out count on redeploy, and deregisters a target the mode no longer scales', async () => {
    const target = aws.target();
    const file = composeFile();
    await deploy(target, file, 'staging');
    expect(await scalableTargets(target)).toEqual({ web: { min: 2, max: 4 }, worker: { min: 1, max: 2 } });
    // Application Auto Scaling scales web out behind modeshift's back.
    await ecs(target).send(
      new UpdateServiceCommand({
        cluster: environmentNames(PROJECT, 'main').cluster,
        service: 'web',
        desiredCount: 4,
      }),
    );

    await deploy(target, file, 'staging');
    expect(await desiredCount(target, 'web')).toBe(4);

    await deploy(target, file, 'development');
    expect(await scalableTargets(target)).toEqual({});
    expect(await desiredCount(target, 'web')).toBe(2);
  });
});
