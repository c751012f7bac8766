/**
 * `modeshift ps`: an environment as it runs now — its services with their
 * task counts, revisions, images, capacity, URLs and target health; its
 * databases and caches; what its web ACL allowed and blocked; its mode, lock,
 * last run and expiry (cli/environment-ps.ts).
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import type { Command } from 'commander';
import { formatExpiry } from '../../core/environment-expiry.ts';
import { parseDownRequest } from '../../core/request.ts';
import { EMULATOR_ENVIRONMENT } from '../../emulator/local-aws.ts';
import { openReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import { type PsFirewall, type PsNetwork, type PsState, readPs, type ServiceUrl } from '../environment-ps.ts';
import type { Io } from '../io.ts';
import { renderTable, showValue } from '../table.ts';

export function registerPs(program: Command, io: Io) {
  addEnvironmentOptions(
    program
      .command('ps')
      .description(
        "an environment as it runs: each service's tasks, revision, image, capacity, URLs and target health, its databases and caches, what its web ACL allowed and blocked over the last day, lock, last run and expiry",
      ),
  ).action(async (options: EnvironmentCommandOptions) => {
    const { project, environment } = parseDownRequest({
      project: projectOf(options, io),
      environment: options.env,
    });
    const target = await openReadTarget(options.endpoint, io);
    try {
      const state = await readPs(
        {
          dynamodb: target.clients('dynamodb') as DynamoDBClient,
          ecs: target.clients('ecs') as ECSClient,
          elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
          rds: target.clients('rds') as RDSClient,
          elasticache: target.clients('elasticache') as ElastiCacheClient,
          route53: target.clients('route53') as Route53Client,
          wafv2: target.clients('wafv2') as WAFV2Client,
          cloudwatch: target.clients('cloudwatch') as CloudWatchClient,
          ec2: target.clients('ec2') as EC2Client,
        },
        { project, environment, tableName: target.tableName, region: target.region },
      );
      if (state === undefined)
        throw new CommandFailedError(`no environment ${project}/${environment} at ${target.where}`);
      io.stdout(options.json ? `${JSON.stringify(state, null, 2)}\n` : `${formatPs(state)}\n`);
      if (target.emulator && state.services.length > 0)
        io.stderr(
          `note: the local AWS reports ${EMULATOR_ENVIRONMENT.MOTO_ECS_SERVICE_RUNNING} running tasks for every service (MOTO_ECS_SERVICE_RUNNING) and runs none: its running and pending counts are not real\n`,
        );
    } finally {
      await target.close();
    }
  });
}

function networkText(network: PsNetwork): string {
  const ranges = network.cidrs.join(', ');
  const whose = {
    environment: 'its own',
    shared: `the project's shared ${network.sharedMode ?? ''} network`,
    team: 'your VPC',
  }[network.owner];
  return `${network.vpcId}${ranges ? ` ${ranges}` : ''} (${whose})`;
}

function urlText(url: ServiceUrl): string {
  if (url.dns === 'missing') return `${url.url} (no DNS record)`;
  if (url.dns === 'elsewhere') return `${url.url} (DNS points elsewhere)`;
  return url.url;
}

function healthText(health: Readonly<Record<string, number>> | undefined): string {
  if (health === undefined) return '';
  const entries = Object.entries(health);
  if (entries.length === 0) return 'no targets';
  return entries.map(([state, count]) => `${count} ${state}`).join(', ');
}

/** The text `ps` prints: the environment, then a table of services and one of databases. */
export function formatPs(state: PsState): string {
  const { environment: env } = state;
  const last = env.lastRun;
  const header = renderTable(
    ['environment', `${env.project}/${env.environment}`],
    [
      ['mode', env.mode ?? '(none deployed)'],
      ['status', env.status],
      [
        'locked by',
        env.lock ? `${env.lock.holder}${env.lock.until ? ` until ${env.lock.until}` : ''}` : '(not locked)',
      ],
      [
        'last run',
        last
          ? `${last.action} ${last.deploymentId} ${last.status} at ${last.finishedAt}${
              last.failedState ? ` (${last.failedState}: ${last.error ?? ''})` : ''
            }`
          : '(none)',
      ],
      ['network', state.network ? networkText(state.network) : '(none)'],
      ['expires', formatExpiry(env.expiry)],
    ],
  )
    .split('\n')
    .filter((_, index) => index !== 1)
    .join('\n');
  const services =
    state.services.length === 0
      ? 'no services running'
      : renderTable(
          ['service', 'desired', 'running', 'pending', 'revision', 'capacity', 'targets', 'url', 'image'],
          state.services.map((service) => [
            service.name,
            String(service.desired),
            String(service.running),
            String(service.pending),
            service.taskDefinition ?? '',
            service.capacityProvider ?? '',
            healthText(service.targetHealth),
            service.urls.map(urlText).join(' ') || '(private)',
            service.image ?? '',
          ]),
        );
  const databases =
    state.databases.length === 0
      ? 'no databases'
      : renderTable(
          ['database', 'status', 'class', 'encrypted', 'deletion protection', 'endpoint'],
          state.databases.map((database) => [
            database.instance,
            database.status ?? '',
            database.instanceClass ?? '',
            database.storageEncrypted === undefined ? '' : showValue(database.storageEncrypted),
            database.deletionProtection === undefined ? '' : showValue(database.deletionProtection),
            database.endpoint ?? '',
          ]),
        );
  // Only an environment that has caches gets their table.
  const caches =
    state.caches.length === 0
      ? []
      : [
          '',
          renderTable(
            ['cache', 'status', 'node type', 'replicas', 'encrypted', 'TLS', 'primary endpoint'],
            state.caches.map((cache) => [
              cache.replicationGroup,
              cache.status ?? '',
              cache.nodeType ?? '',
              String(cache.replicas),
              cache.atRestEncryption === undefined ? '' : showValue(cache.atRestEncryption),
              cache.transitEncryption === undefined ? '' : showValue(cache.transitEncryption),
              cache.endpoint ?? '',
            ]),
          ),
        ];
  const firewall = state.firewall ? ['', formatFirewall(state.firewall)] : [];
  return [header, '', services, '', databases, ...caches, ...firewall].join('\n');
}

/** The web ACL's line, then what each rule group blocked and counted. */
function formatFirewall(firewall: PsFirewall): string {
  const { traffic } = firewall;
  const line = `web ACL ${firewall.webAcl}${firewall.associated ? '' : ' (not on the load balancer)'}, last ${traffic.hours} h: ${traffic.allowed} allowed, ${traffic.blocked} blocked, ${traffic.counted} counted`;
  return [
    line,
    renderTable(
      ['rule group', 'blocked', 'counted'],
      traffic.rules.map((rule) => [rule.rule, String(rule.blocked), String(rule.counted)]),
    ),
  ].join('\n');
}
