/**
 * `modeshift audit -f compose.yaml --env E`: the environment on AWS against
 * what it should be (core/audit.ts). A deployed environment is checked
 * against the compose file with the mode and settings it was deployed with
 * (its record); an environment taken down, or never recorded, against what
 * its mode keeps after a down. Exit 0 when clean; 1 with one line per
 * finding.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import {
  type AuditExpectation,
  auditFindings,
  type Finding,
  type ObservedEnvironment,
} from '../../core/audit.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { type Mode, type Policy, parseMode, resolvePolicy } from '../../core/policy.ts';
import { type DeployRequest, parseDownRequest } from '../../core/request.ts';
import { sharedNetworkSpec } from '../../core/shared-network.ts';
import { type AuditClients, observeEnvironment } from '../../functions/aws/audit/environment-state.ts';
import { type EnvironmentRecord, readEnvironment } from '../../local/records.ts';
import { openReadTarget, type ReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { loadRequest } from '../compose-options.ts';
import type { Io } from '../io.ts';

interface AuditCommandOptions {
  file: string;
  /** The request the environment was deployed from, when the caller has it already (instead of reading `file`). */
  request?: DeployRequest;
  env: string;
  project?: string;
  endpoint?: string;
  json?: boolean;
}

/** What `audit --json` prints. */
export interface AuditReport {
  readonly project: string;
  readonly environment: string;
  /** What the environment was checked against: `deployed` (in `mode`) or `down`. */
  readonly checkedAs: 'deployed' | 'down';
  readonly mode?: string;
  /** The record's status (`deployed`, `failed`, `down`, …); absent when the environment has no record. */
  readonly status?: string;
  readonly clean: boolean;
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<Finding['kind'], number>>;
  readonly observed: ObservedEnvironment;
}

export function auditClients(target: Pick<ReadTarget, 'clients' | 'tagging'>): AuditClients {
  return {
    tagging: target.tagging(),
    applicationautoscaling: target.clients('applicationautoscaling') as ApplicationAutoScalingClient,
    ec2: target.clients('ec2') as EC2Client,
    ecs: target.clients('ecs') as ECSClient,
    elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
    rds: target.clients('rds') as RDSClient,
    elasticache: target.clients('elasticache') as ElastiCacheClient,
    logs: target.clients('cloudwatchlogs') as CloudWatchLogsClient,
    route53: target.clients('route53') as Route53Client,
    servicediscovery: target.clients('servicediscovery') as ServiceDiscoveryClient,
    ecr: target.clients('ecr') as ECRClient,
    codebuild: target.clients('codebuild') as CodeBuildClient,
    iam: target.clients('iam') as IAMClient,
    scheduler: target.clients('scheduler') as SchedulerClient,
    ssm: target.clients('ssm') as SSMClient,
  };
}

/**
 * What the record says the environment should be. A record that is not taken
 * down, with the mode it was last deployed in, is checked as deployed (a
 * failed deploy included: what it did not make is then missing).
 */
function expectationOf(
  record: EnvironmentRecord | undefined,
  options: AuditCommandOptions,
  io: Io,
): AuditExpectation {
  const policy = record?.policy as Policy | undefined;
  // A first deploy that failed has no mode yet: it is checked as the mode it asked for.
  const recorded = record?.mode ?? record?.requestedMode;
  const mode: Mode | undefined = recorded === undefined ? undefined : parseMode(recorded);
  if (record === undefined || record.status === 'down' || mode === undefined)
    return { state: 'down', policy };
  const loaded = options.request ?? loadRequest({ ...options, mode, set: [] }, io).request;
  // The team's VPC it was deployed into is the record's: the compose file does not say which --vpc it was.
  const { teamVpc } = record;
  const request =
    teamVpc && loaded.vpc === undefined
      ? {
          ...loaded,
          vpc: {
            id: teamVpc.id,
            publicSubnets: [...teamVpc.publicSubnets],
            privateSubnets: [...teamVpc.privateSubnets],
          },
        }
      : loaded;
  const resolved = policy ? { mode, policy, overridden: [] } : resolvePolicy(mode);
  const built = buildDeployInput({ ...request, mode }, resolved, io.now());
  // The network it runs in is the record's: one deployed before `network` existed keeps its own VPC.
  const kept = record.sharedNetwork;
  const sharedNetwork =
    kept === undefined
      ? record.deployedAt === undefined
        ? built.sharedNetwork
        : null
      : kept === null
        ? null
        : sharedNetworkSpec(built.project, kept.mode, kept.loadBalancer);
  const input = { ...built, sharedNetwork };
  // Whether it expires is the record's: the compose file does not say which --ttl it was deployed with.
  return {
    state: 'deployed',
    input: { ...input, expiry: { ...input.expiry, enabled: (record.expiresAt ?? 0) > 0 } },
  };
}

/** Audits one environment: its record, the compose file, and what AWS holds. */
export async function auditEnvironment(
  target: Pick<ReadTarget, 'clients' | 'tagging' | 'tableName' | 'accountId' | 'region'>,
  options: AuditCommandOptions,
  io: Io,
  project: string,
): Promise<AuditReport> {
  const record = await readEnvironment(
    target.clients('dynamodb') as DynamoDBClient,
    target.tableName,
    project,
    options.env,
  );
  const expectation = expectationOf(record, { ...options, project }, io);
  const observed = await observeEnvironment(auditClients(target), {
    project,
    environment: options.env,
    accountId: target.accountId,
    region: target.region,
  });
  const findings = auditFindings(expectation, observed);
  const count = (kind: Finding['kind']) => findings.filter((finding) => finding.kind === kind).length;
  return {
    project,
    environment: options.env,
    checkedAs: expectation.state,
    ...(expectation.state === 'deployed' ? { mode: expectation.input.mode } : {}),
    ...(record?.status !== undefined ? { status: record.status } : {}),
    clean: findings.length === 0,
    findings,
    counts: { orphan: count('orphan'), drift: count('drift'), missing: count('missing') },
    observed,
  };
}

export function formatAudit(report: AuditReport): string {
  const status = report.status === undefined ? 'no record' : `status ${report.status}`;
  const against =
    report.checkedAs === 'deployed'
      ? `deployed in ${report.mode} mode (${status})`
      : `taken down, so only what its mode keeps may be left (${status})`;
  const head = `audit of ${report.project}/${report.environment}, checked as ${against}: ${report.observed.resources.length} resources, ${report.observed.settings.length} settings read`;
  if (report.clean) return `${head}\nclean: no orphans, no drift, nothing missing`;
  return [head, ...report.findings.map((finding) => `${finding.kind}: ${finding.detail}`)].join('\n');
}

export function registerAudit(program: Command, io: Io) {
  program
    .command('audit')
    .description(
      'the environment on AWS against its compose file, mode and record: orphans, drifted settings and missing resources (exit 1 with findings)',
    )
    .requiredOption('-f, --file <compose.yaml>', 'compose file the environment was deployed from')
    .requiredOption('--env <name>', 'environment name')
    .option('--project <name>', "project name (default: the compose file's name)")
    .option(
      '--endpoint <url>',
      'AWS API endpoint; "local" starts the embedded local AWS for this command (default: modeshift deployed in your account)',
    )
    .option('--json', 'print one machine-readable JSON document')
    .action(async (options: AuditCommandOptions) => {
      const loaded = loadRequest({ ...options, mode: 'development', set: [] }, io);
      const { project, environment } = parseDownRequest({
        project: loaded.request.project,
        environment: options.env,
      });
      const target = await openReadTarget(options.endpoint, io);
      try {
        const report = await auditEnvironment(target, { ...options, env: environment }, io, project);
        io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAudit(report)}\n`);
        if (!report.clean)
          throw new CommandFailedError(
            `audit: ${report.counts.orphan} orphaned, ${report.counts.drift} drifted, ${report.counts.missing} missing`,
          );
      } finally {
        await target.close();
      }
    });
}
