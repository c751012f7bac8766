// End-to-end against the local AWS (moto): a redeploy without a service and without a database removes the
// service and everything it had, keeps the database and says so, and finishes after stopping half-way.
import { type CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetProjectsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  type ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import {
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import {
  GetNamespaceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ListNamespacesCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { databaseNames, environmentNames, serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import type { ClientFactory } from '../../engine/run-workflow.ts';
import { readHistory } from '../../local/records.ts';
import { deployOnTarget, type RunOptions, type RunReport } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { useLocalAws } from './local-aws.ts';

const DB = databaseNames('prune', 'main', 'db').instance;
/** The environment's CodeBuild role: pruning keeps it, down deletes it. */
const CODEBUILD_ROLE = environmentNames('prune', 'main').codeBuildRole;

const aws = useLocalAws();

const FIXTURE = new URL('../fixtures/compose/prune/', import.meta.url).pathname;
/** site (public on prune.example.com, built), jobs (built) and the Postgres db. */
const FULL = `${FIXTURE}compose.yaml`;
/** jobs alone: site and db are gone from the file. */
const REDUCED = `${FIXTURE}compose.reduced.yaml`;
/** site's hostname: the apex of the environment's zone, main.prune.example.com, outside production. */
const SITE_HOSTNAME = 'main.prune.example.com.';

function deploy(target: Target, file: string, deploymentId: string, options: RunOptions = {}) {
  const composed = loadComposeFile(file, {
    environment: 'main',
    mode: 'staging',
    deploymentId,
    variables: {},
  });
  // The environment's own load balancer, whose routes the tests read back (shared-network.test.ts prunes on the shared one).
  const resolved = resolvePolicy(composed.request.mode, { network: 'dedicated' });
  return deployOnTarget(target, { ...composed, resolved }, options);
}

function clientsOf(target: Target) {
  return {
    ecs: target.clients('ecs') as ECSClient,
    elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
    route53: target.clients('route53') as Route53Client,
    servicediscovery: target.clients('servicediscovery') as ServiceDiscoveryClient,
    iam: target.clients('iam') as IAMClient,
    codebuild: target.clients('codebuild') as CodeBuildClient,
    ecr: target.clients('ecr') as ECRClient,
    rds: target.clients('rds') as RDSClient,
  };
}

/** The types of the public zone's records named `name`, the zone's own SOA and NS left out. */
async function publicRecordTypes(route53: Route53Client, name: string): Promise<string[]> {
  const { HostedZones = [] } = await route53.send(
    new ListHostedZonesByNameCommand({ DNSName: 'main.prune.example.com.' }),
  );
  const zone = HostedZones.find((candidate) => candidate.Name === 'main.prune.example.com.');
  if (zone?.Id === undefined) return [];
  const { ResourceRecordSets = [] } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
  );
  return ResourceRecordSets.filter(
    (record) => record.Name === name && record.Type !== 'SOA' && record.Type !== 'NS',
  ).map((record) => String(record.Type));
}

/** The host names the load balancer's listener rules route, and the target groups they forward to. */
async function listenerRoutes(elbv2: ElasticLoadBalancingV2Client) {
  const { LoadBalancers = [] } = await elbv2.send(
    new DescribeLoadBalancersCommand({ Names: ['prune--main'] }),
  );
  const routes: Array<{ hosts: string[]; targetGroups: string[] }> = [];
  const { Listeners = [] } = await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: LoadBalancers[0]?.LoadBalancerArn }),
  );
  for (const listener of Listeners) {
    const { Rules = [] } = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    for (const rule of Rules.filter((candidate) => !candidate.IsDefault)) {
      routes.push({
        hosts: (rule.Conditions ?? []).flatMap(
          (condition) => condition.HostHeaderConfig?.Values ?? condition.Values ?? [],
        ),
        targetGroups: (rule.Actions ?? []).flatMap((action) =>
          action.TargetGroupArn ? [action.TargetGroupArn] : [],
        ),
      });
    }
    routes.push({
      hosts: ['(default)'],
      targetGroups: (listener.DefaultActions ?? []).flatMap((action) =>
        action.TargetGroupArn ? [action.TargetGroupArn] : [],
      ),
    });
  }
  return routes;
}

/** The Cloud Map services of the environment's namespace, by name. */
async function discoveryServices(servicediscovery: ServiceDiscoveryClient): Promise<string[]> {
  const { Namespaces = [] } = await servicediscovery.send(new ListNamespacesCommand({}));
  const namespace = Namespaces.find((candidate) => candidate.Name === 'main.prune.internal');
  if (namespace === undefined) return [];
  const { Services = [] } = await servicediscovery.send(new ListDiscoveryServicesCommand({}));
  return Services.flatMap((service) => (service.Name ? [service.Name] : [])).sort();
}

/** The private zone's record for the database: `db.<namespace zone>`. */
async function privateDatabaseRecord(target: Target): Promise<string[]> {
  const { servicediscovery, route53 } = clientsOf(target);
  const { Namespaces = [] } = await servicediscovery.send(new ListNamespacesCommand({}));
  const id = Namespaces.find((candidate) => candidate.Name === 'main.prune.internal')?.Id;
  const { Namespace } = await servicediscovery.send(new GetNamespaceCommand({ Id: id }));
  const { ResourceRecordSets = [] } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: Namespace?.Properties?.DnsProperties?.HostedZoneId }),
  );
  return ResourceRecordSets.filter((record) => record.Name?.startsWith('db.')).map((record) =>
    String(record.Type),
  );
}

/** What the environment holds of each service and of the database, read back from the emulator. */
async function environmentState(target: Target) {
  const { ecs, elbv2, route53, servicediscovery, iam, codebuild, ecr, rds } = clientsOf(target);
  const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster: 'prune--main' }));
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'prune--main', services: serviceArns }),
  );
  const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({}));
  const { Roles = [] } = await iam.send(new ListRolesCommand({ PathPrefix: '/modeshift/prune/main/' }));
  // moto lists a family whatever the status of its revisions: the ACTIVE revisions tell.
  const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }));
  const families = new Set(
    taskDefinitionArns.map((arn) => arn.replace(/^.*:task-definition\/(.*):\d+$/, '$1')),
  );
  const { projects = [] } = await codebuild.send(
    new BatchGetProjectsCommand({ names: ['prune--main--site', 'prune--main--jobs'] }),
  );
  const { repositories = [] } = await ecr.send(new DescribeRepositoriesCommand({}));
  const { DBInstances = [] } = await rds.send(new DescribeDBInstancesCommand({}));
  const logs = target.clients('cloudwatchlogs') as CloudWatchLogsClient;
  const { logGroups = [] } = await logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: '/modeshift/prune/main/' }),
  );
  return {
    activeServices: services
      .filter((service) => service.status === 'ACTIVE')
      .map((service) => service.serviceName)
      .sort(),
    targetGroups: TargetGroups.map((group) => group.TargetGroupName).sort(),
    listenerHosts: (await listenerRoutes(elbv2)).flatMap((route) => route.hosts).sort(),
    discoveryServices: await discoveryServices(servicediscovery),
    siteRecords: await publicRecordTypes(route53, SITE_HOSTNAME),
    // The services' execution roles and the environment's CodeBuild role, which pruning keeps.
    roles: Roles.map((role) => role.RoleName).sort(),
    taskFamilies: [...families].filter((family) => family.startsWith('prune--main--')).sort(),
    buildProjects: projects.map((project) => project.name).sort(),
    repositories: repositories.map((repository) => repository.repositoryName).sort(),
    databases: DBInstances.map((instance) => instance.DBInstanceIdentifier).sort(),
    databaseRecord: await privateDatabaseRecord(target),
    logGroups: logGroups.map((group) => group.logGroupName).sort(),
  };
}

/** What the environment holds once the redeploy has pruned site and kept db. */
const PRUNED = {
  activeServices: ['jobs'],
  targetGroups: [],
  listenerHosts: ['(default)', '(default)'],
  discoveryServices: ['jobs'],
  siteRecords: [],
  // Development has ECS Exec on: each service also has a task role with the Exec channel.
  roles: [CODEBUILD_ROLE, 'prune--main--jobs', 'prune--main--jobs.task'].sort(),
  taskFamilies: ['prune--main--jobs'],
  buildProjects: ['prune--main--jobs'],
  repositories: ['prune/main/jobs'],
  databases: [DB],
  databaseRecord: ['CNAME'],
  logGroups: ['/modeshift/prune/main/jobs', '/modeshift/prune/main/site'],
};

const KEPT_WARNING = `database ${DB} is no longer in the compose file and is kept: a deploy never deletes a database; down deletes it`;

async function deployFull(target: Target): Promise<void> {
  const report = await deploy(target, FULL, 'full-1');
  expect(report, `the first deploy failed in ${report.failedState}: ${report.cause}`).toMatchObject({
    status: 'SUCCEEDED',
  });
}

describe('pruning on the local AWS', () => {
  it('the first deploy has everything the redeploy will remove', async () => {
    await deployFull(aws.target());

    expect(await environmentState(aws.target())).toEqual({
      activeServices: ['jobs', 'site'],
      targetGroups: [serviceNames('prune', 'main', 'site').targetGroup],
      listenerHosts: ['(default)', '(default)', 'main.prune.example.com'],
      discoveryServices: ['jobs', 'site'],
      siteRecords: ['A'],
      roles: [
        CODEBUILD_ROLE,
        'prune--main--jobs',
        'prune--main--jobs.task',
        'prune--main--site',
        'prune--main--site.task',
      ].sort(),
      taskFamilies: ['prune--main--jobs', 'prune--main--site'],
      buildProjects: ['prune--main--jobs', 'prune--main--site'],
      repositories: ['prune/main/jobs', 'prune/main/site'],
      databases: [DB],
      databaseRecord: ['CNAME'],
      logGroups: ['/modeshift/prune/main/jobs', '/modeshift/prune/main/site'],
    });
  });

  it('a redeploy without the site and the database removes the site, keeps the database and reports it', async () => {
    await deployFull(aws.target());

    const report = await deploy(aws.target(), REDUCED, 'reduced-1');

    expect(report).toMatchObject({ status: 'SUCCEEDED', warning: KEPT_WARNING });
    expect(await environmentState(aws.target())).toEqual(PRUNED);
    const history = await readHistory(
      aws.target().clients('dynamodb') as Parameters<typeof readHistory>[0],
      aws.target().names.tableName,
      'prune',
      'main',
    );
    expect(history.at(-1)).toMatchObject({
      deploymentId: 'reduced-1',
      status: 'succeeded',
      warning: KEPT_WARNING,
    });
  });

  it('scales the site to 0 before deleting it, deletes its target group after the rule that used it, and leaves jobs running', async () => {
    await deployFull(aws.target());
    const before = aws.target().calls.length;

    await deploy(aws.target(), REDUCED, 'reduced-1');

    const calls = aws.target().calls.slice(before);
    const at = (command: string, input: Record<string, unknown> = {}) =>
      calls.findIndex(
        (call) =>
          call.command === command &&
          Object.entries(input).every(([key, value]) => call.input[key] === value),
      );
    expect(at('UpdateServiceCommand', { service: 'site', desiredCount: 0 })).toBeGreaterThan(-1);
    expect(at('UpdateServiceCommand', { service: 'site', desiredCount: 0 })).toBeLessThan(
      at('DeleteServiceCommand', { service: 'site', force: true }),
    );
    expect(at('DeleteRuleCommand')).toBeGreaterThan(-1);
    expect(at('DeleteRuleCommand')).toBeLessThan(at('DeleteTargetGroupCommand'));
    expect(at('UpdateServiceCommand', { service: 'jobs', desiredCount: 0 }), 'jobs keeps its tasks').toBe(-1);
    expect(calls.filter((call) => call.command === 'DeleteDBInstanceCommand')).toEqual([]);
  });

  it('a second redeploy of the reduced file finds nothing more to remove', async () => {
    await deployFull(aws.target());
    await deploy(aws.target(), REDUCED, 'reduced-1');
    const before = aws.target().calls.length;

    const again = await deploy(aws.target(), REDUCED, 'reduced-2');

    const deletes = aws
      .target()
      .calls.slice(before)
      // The expiry schedule is deleted on every deploy without a ttl.
      .filter((call) => /^(Delete|Deregister)/.test(call.command) && call.service !== 'scheduler')
      .map((call) => `${call.service}:${call.command}`);
    expect(again).toMatchObject({ status: 'SUCCEEDED', warning: KEPT_WARNING });
    expect(deletes).toEqual([]);
    expect(await environmentState(aws.target())).toEqual(PRUNED);
  });
});

/** A fault in the one call of `command` to `service` the run makes first: the call fails as AWS refusing it would. */
function failingOnce(service: string, command: string): (factory: ClientFactory) => ClientFactory {
  let failed = false;
  return (factory: ClientFactory): ClientFactory =>
    (id) => {
      const client = factory(id);
      if (id !== service) return client;
      return new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'send' || typeof value !== 'function') return value;
          return function sendOrFail(sent: object, ...rest: unknown[]) {
            if (!failed && sent.constructor.name === command) {
              failed = true;
              const error = new Error(`injected: ${service} refused ${command}`);
              error.name = 'AccessDeniedException';
              return Promise.reject(error);
            }
            return Reflect.apply(value, target, [sent, ...rest]);
          };
        },
      });
    };
}

/** Every kind of call pruning makes that changes something, and its last read: where a run may stop. */
const STOPS = [
  ['route53', 'ChangeResourceRecordSetsCommand'],
  ['elasticloadbalancingv2', 'DeleteRuleCommand'],
  ['ecs', 'DeleteServiceCommand'],
  ['elasticloadbalancingv2', 'DeleteTargetGroupCommand'],
  ['servicediscovery', 'DeleteServiceCommand'],
  ['ecs', 'DeregisterTaskDefinitionCommand'],
  ['iam', 'DeleteRoleCommand'],
  ['codebuild', 'DeleteProjectCommand'],
  ['ecr', 'DeleteRepositoryCommand'],
  ['rds', 'DescribeDBInstancesCommand'],
].map(([service, command]) => ({
  service: service as string,
  command: command as string,
  // Roles, build resources and the databases' look-up are FinishPruning's.
  step: ['iam', 'codebuild', 'ecr', 'rds'].includes(service as string) ? 'FinishPruning' : 'PruneServices',
}));

describe('pruning on the local AWS — a redeploy that stops half-way', () => {
  it.for(STOPS)(
    'stopped at $service $command: running the same request again finishes the pruning',
    async ({ service, command, step }) => {
      await deployFull(aws.target());

      const stopped: RunReport = await deploy(aws.target(), REDUCED, 'reduced-1', {
        clients: failingOnce(service, command),
      });
      const rerun = await deploy(aws.target(), REDUCED, 'reduced-1');

      expect(stopped).toMatchObject({
        status: 'FAILED',
        failedState: step,
        error: 'AccessDeniedException',
      });
      expect(rerun).toMatchObject({ status: 'SUCCEEDED', warning: KEPT_WARNING });
      expect(await environmentState(aws.target())).toEqual(PRUNED);
    },
  );
});
