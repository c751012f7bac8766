import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  DeleteProjectCommand,
  ListProjectsCommand,
} from '@aws-sdk/client-codebuild';
import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand as ListRepositoryTagsCommand,
} from '@aws-sdk/client-ecr';
import {
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ServiceNotActiveException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ResourceInUseException,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DeleteServiceCommand as DeleteDiscoveryServiceCommand,
  DeregisterInstanceCommand,
  ListServicesCommand as ListDiscoveryServicesCommand,
  ListTagsForResourceCommand as ListDiscoveryTagsCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ResourceInUse,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames, serviceNames } from '../../../core/names.ts';
import {
  type FinishPruningInput,
  finishPruning,
  keptDatabasesWarning,
} from '../../../functions/steps/finish-pruning.ts';
import { type PruneServicesInput, pruneServices } from '../../../functions/steps/prune-services.ts';
import { hostedZone, pendingChange, zoneTagSets } from '../../support/route53-fixtures.ts';

const PROJECT = 'shop';
const ENVIRONMENT = 'pr-42';
/** Shares the environment's name prefix (`shop-pr-42-…`): its resources must never be touched. */
const NEIGHBOUR = 'pr-42-b';
const ACCOUNT = '123456789012';
const LB_DNS = 'shop-pr-42-1234.us-east-1.elb.amazonaws.com';
const LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/shop--pr-42/1`;
const ZONE = 'pr-42.shop.example.com.';

const mocks = {
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  route53: mockClient(Route53Client),
  servicediscovery: mockClient(ServiceDiscoveryClient),
  iam: mockClient(IAMClient),
  codebuild: mockClient(CodeBuildClient),
  ecr: mockClient(ECRClient),
  rds: mockClient(RDSClient),
  applicationautoscaling: mockClient(ApplicationAutoScalingClient),
};

function clients() {
  const config = { region: 'us-east-1' };
  return {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    route53: new Route53Client(config),
    servicediscovery: new ServiceDiscoveryClient(config),
    iam: new IAMClient(config),
    codebuild: new CodeBuildClient(config),
    ecr: new ECRClient(config),
    rds: new RDSClient(config),
    applicationautoscaling: new ApplicationAutoScalingClient(config),
  };
}

/** The request keeps api (public on api.pr-42.shop.example.com) and worker, and the database db; web is gone. */
const input: PruneServicesInput & FinishPruningInput = {
  project: PROJECT,
  environment: ENVIRONMENT,
  names: environmentNames(PROJECT, ENVIRONMENT),
  services: ['api', 'worker'],
  publicServices: [{ service: 'api', hostname: 'api.pr-42.shop.example.com' }],
  databases: [{ instance: 'shop-pr-42-db' }],
};

const tags = (environment = ENVIRONMENT) => modeshiftTags(PROJECT, environment, 'staging', 'deploy-1');
const lowerTags = (environment = ENVIRONMENT) =>
  tags(environment).map((tag) => ({ key: tag.Key, value: tag.Value }));

/** One service of an environment, as every kind of resource it has names it. */
interface ServiceResources {
  readonly name: string;
  readonly environment: string;
  /** ECS status; undefined: ECS no longer lists it. */
  status?: string | undefined;
  /** Has a target group (a public service). */
  readonly public: boolean;
  /** Its Cloud Map service is in this environment's namespace, whatever its tags say. */
  readonly inOurNamespace?: boolean;
}

/** The account the step runs in: mutable per test, read by the mocks on every call. */
let account: {
  services: ServiceResources[];
  records: ResourceRecordSet[];
  rules: Rule[];
  httpDefault: Action[];
  databases: Array<{ instance: string; environment: string }>;
  loadBalancerEnvironment: string;
};

const ecsArn = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop--pr-42/${name}`;
const groupArn = (service: ServiceResources) =>
  `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/${names(service).targetGroup}/1`;
const names = (service: ServiceResources) => serviceNames(PROJECT, service.environment, service.name);
const discoveryId = (service: ServiceResources) => `srv-${service.environment}-${service.name}`;
const repositoryArn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;
const byName = (name: string, environment = ENVIRONMENT) =>
  account.services.find(
    (service) => service.name === name && service.environment === environment,
  ) as ServiceResources;

function forwardTo(service: ServiceResources): Action[] {
  return [{ Type: 'forward', TargetGroupArn: groupArn(service) }];
}

function hostRule(priority: number, service: ServiceResources): Rule {
  return {
    RuleArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/shop--pr-42/1/l/${priority}`,
    Priority: String(priority),
    IsDefault: false,
    Actions: forwardTo(service),
  };
}

function record(name: string, target: string, type: 'A' | 'CNAME' = 'CNAME'): ResourceRecordSet {
  return type === 'A'
    ? {
        Name: name,
        Type: 'A',
        AliasTarget: { HostedZoneId: 'Z35', DNSName: target, EvaluateTargetHealth: false },
      }
    : { Name: name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: target }] };
}

function wireMocks() {
  for (const mock of Object.values(mocks)) mock.reset();
  const { ecs, elbv2, route53, servicediscovery, iam, codebuild, ecr, rds, applicationautoscaling } = mocks;
  applicationautoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  const ours = (environment: string) => environment === ENVIRONMENT;
  const inEnvironment = () => account.services.filter((service) => ours(service.environment));

  ecs.on(ListServicesCommand).callsFake(() => ({
    serviceArns: inEnvironment()
      .filter((service) => service.status !== undefined)
      .map((service) => ecsArn(service.name)),
  }));
  ecs.on(DescribeServicesCommand).callsFake(({ services = [] }: { services?: string[] }) => ({
    services: services.map((arn) => {
      const service = inEnvironment().find((candidate) => ecsArn(candidate.name) === arn) as ServiceResources;
      return { serviceName: service.name, serviceArn: arn, status: service.status, tags: lowerTags() };
    }),
  }));
  ecs.on(UpdateServiceCommand).resolves({});
  ecs.on(DeleteServiceCommand).callsFake(({ service }: { service: string }) => {
    const found = byName(service);
    found.status = 'DRAINING';
    return { service: { serviceName: service, status: 'DRAINING' } };
  });
  ecs.on(ListTaskDefinitionFamiliesCommand).callsFake(() => ({
    families: account.services.map((service) => names(service).taskFamily),
  }));
  ecs.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
    const service = account.services.find((candidate) => names(candidate).taskFamily === taskDefinition);
    return { taskDefinition: { family: taskDefinition }, tags: lowerTags(service?.environment) };
  });
  ecs.on(ListTaskDefinitionsCommand).callsFake(({ familyPrefix }: { familyPrefix: string }) => ({
    // ECS matches the prefix: a longer family that starts like this one is listed too.
    taskDefinitionArns: account.services
      .map((service) => names(service).taskFamily)
      .filter((family) => family.startsWith(familyPrefix))
      .flatMap((family) =>
        [1, 2].map((revision) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`),
      ),
  }));
  ecs.on(DeregisterTaskDefinitionCommand).resolves({});

  const publicOnes = () => account.services.filter((service) => service.public);
  elbv2.on(DescribeTargetGroupsCommand).callsFake(() => ({
    TargetGroups: publicOnes().map((service) => ({
      TargetGroupName: names(service).targetGroup,
      TargetGroupArn: groupArn(service),
    })),
  }));
  elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns = [] }: { ResourceArns?: string[] }) => ({
    TagDescriptions: ResourceArns.map((arn) => {
      const service = publicOnes().find((candidate) => groupArn(candidate) === arn);
      const environment = service?.environment ?? account.loadBalancerEnvironment;
      return { ResourceArn: arn, Tags: tags(environment) };
    }),
  }));
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [{ LoadBalancerName: 'shop--pr-42', LoadBalancerArn: LB_ARN, DNSName: LB_DNS }],
  });
  elbv2.on(DescribeListenersCommand).callsFake(() => ({
    Listeners: [
      { ListenerArn: 'l-443', Port: 443, DefaultActions: [{ Type: 'fixed-response' }] },
      { ListenerArn: 'l-80', Port: 80, DefaultActions: account.httpDefault },
    ],
  }));
  elbv2.on(DescribeRulesCommand).callsFake(({ ListenerArn }: { ListenerArn: string }) => ({
    Rules: [
      { RuleArn: `${ListenerArn}-default`, Priority: 'default', IsDefault: true, Actions: [] },
      ...(ListenerArn === 'l-443' ? account.rules : []),
    ],
  }));
  elbv2.on(DeleteRuleCommand).resolves({});
  elbv2.on(ModifyListenerCommand).resolves({});
  elbv2.on(DeleteTargetGroupCommand).resolves({});

  route53.on(ListHostedZonesCommand).resolves({
    HostedZones: [hostedZone('ZENV', ZONE), hostedZone('ZPARENT', 'shop.example.com.')],
  });
  route53.on(ListTagsForResourcesCommand).callsFake(zoneTagSets({ ZENV: tags(), ZPARENT: [] }));
  route53.on(ListResourceRecordSetsCommand).callsFake(({ HostedZoneId }: { HostedZoneId: string }) => ({
    ResourceRecordSets: HostedZoneId === 'ZENV' ? account.records : [record('web.shop.example.com.', LB_DNS)],
  }));
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C1'));

  servicediscovery.on(ListNamespacesCommand).resolves({
    Namespaces: [
      {
        Id: 'ns-1',
        Name: 'pr-42.shop.internal',
        Type: 'DNS_PRIVATE',
        Arn: `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:namespace/ns-1`,
      },
    ],
  });
  servicediscovery.on(ListDiscoveryServicesCommand).callsFake(() => ({
    Services: account.services.map((service) => ({
      Id: discoveryId(service),
      Arn: `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:service/${discoveryId(service)}`,
      Name: service.name,
      // moto ignores the NAMESPACE_ID filter: the neighbour's services are in another namespace.
      DnsConfig: { NamespaceId: ours(service.environment) || service.inOurNamespace ? 'ns-1' : 'ns-2' },
    })),
  }));
  servicediscovery.on(ListDiscoveryTagsCommand).callsFake(({ ResourceARN }: { ResourceARN: string }) => {
    if (ResourceARN.endsWith(':namespace/ns-1')) return { Tags: tags(ENVIRONMENT) };
    const service = account.services.find((candidate) => ResourceARN.endsWith(discoveryId(candidate)));
    return { Tags: tags(service?.environment) };
  });
  servicediscovery.on(ListInstancesCommand).resolves({ Instances: [{ Id: '10.0.1.7' }] });
  servicediscovery.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-1' });
  servicediscovery.on(DeleteDiscoveryServiceCommand).resolves({});

  iam.on(ListRolesCommand).callsFake(() => ({
    Roles: account.services
      .filter((service) => ours(service.environment))
      .map((service) => ({ RoleName: names(service).executionRole, Path: '/modeshift/shop/pr-42/' })),
  }));
  iam.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => {
    const service = account.services.find((candidate) => names(candidate).executionRole === RoleName);
    return { Role: { RoleName, Tags: tags(service?.environment) } };
  });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['modeshift-task-execution'] });
  iam.on(DeleteRolePolicyCommand).resolves({});
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(DeleteRoleCommand).resolves({});

  codebuild.on(ListProjectsCommand).callsFake(() => ({
    projects: account.services.map((service) => names(service).codeBuildProject),
  }));
  codebuild.on(BatchGetProjectsCommand).callsFake(({ names: asked = [] }: { names?: string[] }) => ({
    projects: asked.map((name) => {
      const service = account.services.find((candidate) => names(candidate).codeBuildProject === name);
      return { name, tags: lowerTags(service?.environment) };
    }),
  }));
  codebuild.on(DeleteProjectCommand).resolves({});

  ecr.on(DescribeRepositoriesCommand).callsFake(() => ({
    repositories: account.services.map((service) => ({
      repositoryName: names(service).ecrRepository,
      repositoryArn: repositoryArn(names(service).ecrRepository),
    })),
  }));
  ecr.on(ListRepositoryTagsCommand).callsFake(({ resourceArn }: { resourceArn: string }) => {
    const service = account.services.find(
      (candidate) => repositoryArn(names(candidate).ecrRepository) === resourceArn,
    );
    return { tags: tags(service?.environment) };
  });
  ecr.on(DeleteRepositoryCommand).resolves({});

  rds.on(DescribeDBInstancesCommand).callsFake(() => ({
    DBInstances: account.databases.map((database) => ({
      DBInstanceIdentifier: database.instance,
      DBInstanceStatus: 'available',
      TagList: tags(database.environment),
    })),
  }));
}

beforeEach(() => {
  account = {
    services: [
      { name: 'api', environment: ENVIRONMENT, status: 'ACTIVE', public: true },
      { name: 'worker', environment: ENVIRONMENT, status: 'ACTIVE', public: false },
      { name: 'web', environment: ENVIRONMENT, status: 'ACTIVE', public: true },
      { name: 'web', environment: NEIGHBOUR, status: 'ACTIVE', public: true },
    ],
    records: [],
    rules: [],
    httpDefault: [],
    databases: [
      { instance: 'shop-pr-42-db', environment: ENVIRONMENT },
      { instance: 'shop-pr-42-b-db', environment: NEIGHBOUR },
    ],
    loadBalancerEnvironment: ENVIRONMENT,
  };
  wireMocks();
});

/** Runs the step until it is done, as the workflow's poll would; returns the last output and the calls made. */
/**
 * One pass of the deploy workflow's pruning: PruneServices, and FinishPruning once it is done (the
 * workflow calls FinishPruning only then), their outputs together.
 */
async function prune() {
  const pruned = await pruneServices(input, clients());
  if (!pruned.done) return { ...pruned, keptDatabases: [] as readonly string[], warning: '' };
  return { ...pruned, ...(await finishPruning(input, clients())) };
}

async function runToCompletion(maxCalls = 5) {
  for (let call = 1; call <= maxCalls; call += 1) {
    const output = await prune();
    if (output.done) return { output, calls: call };
    for (const service of account.services) if (service.status === 'DRAINING') service.status = 'INACTIVE';
  }
  throw new Error(`PruneServices was not done after ${maxCalls} calls`);
}

describe('PruneServices — a service the request no longer has', () => {
  it('scales its ECS service to 0, then deletes it with force', async () => {
    await prune();

    expect(mocks.ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
    expect(mocks.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'shop--pr-42',
      service: 'web',
      desiredCount: 0,
    });
    expect(mocks.ecs).toHaveReceivedCommandTimes(DeleteServiceCommand, 1);
    expect(mocks.ecs).toHaveReceivedCommandWith(DeleteServiceCommand, {
      cluster: 'shop--pr-42',
      service: 'web',
      force: true,
    });
  });

  it('is not done while the service drains, and leaves its target group, Cloud Map entry and role until it has', async () => {
    const output = await prune();

    expect(output).toEqual({ done: false, keptDatabases: [], warning: '' });
    expect(mocks.elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
    expect(mocks.servicediscovery).not.toHaveReceivedCommand(DeleteDiscoveryServiceCommand);
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    expect(mocks.ecs).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand);
  });

  it('once the service is gone, deletes its target group, Cloud Map service, task definitions, role, project and repository', async () => {
    const web = byName('web');
    const { output, calls } = await runToCompletion();

    expect(calls).toBe(2);
    expect(output.done).toBe(true);
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 1);
    expect(mocks.elbv2).toHaveReceivedCommandWith(DeleteTargetGroupCommand, {
      TargetGroupArn: groupArn(web),
    });
    expect(mocks.servicediscovery).toHaveReceivedCommandWith(DeregisterInstanceCommand, {
      ServiceId: discoveryId(web),
      InstanceId: '10.0.1.7',
    });
    expect(mocks.servicediscovery).toHaveReceivedCommandTimes(DeleteDiscoveryServiceCommand, 1);
    expect(mocks.servicediscovery).toHaveReceivedCommandWith(DeleteDiscoveryServiceCommand, {
      Id: discoveryId(web),
    });
    expect(
      mocks.ecs
        .commandCalls(DeregisterTaskDefinitionCommand)
        .map((call) => call.args[0].input.taskDefinition),
    ).toEqual(
      [1, 2].map(
        (revision) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/shop--pr-42--web:${revision}`,
      ),
    );
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 1);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, {
      RoleName: 'shop--pr-42--web',
      PolicyName: 'modeshift-task-execution',
    });
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'shop--pr-42--web' });
    expect(mocks.codebuild).toHaveReceivedCommandTimes(DeleteProjectCommand, 1);
    expect(mocks.codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'shop--pr-42--web' });
    expect(mocks.ecr).toHaveReceivedCommandTimes(DeleteRepositoryCommand, 1);
    expect(mocks.ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, {
      repositoryName: 'shop/pr-42/web',
      force: true,
    });
  });

  it('leaves the services the request has alone', async () => {
    await runToCompletion();

    const touched = [
      ...mocks.ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input.service),
      ...mocks.ecs.commandCalls(DeleteServiceCommand).map((call) => call.args[0].input.service),
      ...mocks.iam.commandCalls(DeleteRoleCommand).map((call) => call.args[0].input.RoleName),
      ...mocks.codebuild.commandCalls(DeleteProjectCommand).map((call) => call.args[0].input.name),
    ];
    expect(touched.filter((name) => /api|worker/.test(name ?? ''))).toEqual([]);
    expect(mocks.elbv2).not.toHaveReceivedCommandWith(DeleteTargetGroupCommand, {
      TargetGroupArn: groupArn(byName('api')),
    });
  });

  it('leaves a resource named like the environment’s but tagged for another environment alone', async () => {
    const neighbour = byName('web', NEIGHBOUR);

    await runToCompletion();

    expect(mocks.elbv2).not.toHaveReceivedCommandWith(DeleteTargetGroupCommand, {
      TargetGroupArn: groupArn(neighbour),
    });
    expect(mocks.servicediscovery).not.toHaveReceivedCommandWith(DeleteDiscoveryServiceCommand, {
      Id: discoveryId(neighbour),
    });
    expect(mocks.ecs).not.toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, {
      taskDefinition: expect.stringContaining('shop--pr-42-b--web'),
    });
    expect(mocks.codebuild).not.toHaveReceivedCommandWith(DeleteProjectCommand, {
      name: 'shop--pr-42-b--web',
    });
    expect(mocks.ecr).not.toHaveReceivedCommandWith(DeleteRepositoryCommand, {
      repositoryName: 'shop/pr-42-b/web',
    });
    expect(mocks.iam).not.toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'shop--pr-42-b--web' });
  });

  it('leaves a Cloud Map service of the environment’s namespace alone when it is not tagged for the environment', async () => {
    account.services.push({ name: 'legacy', environment: NEIGHBOUR, public: false, inOurNamespace: true });

    await runToCompletion();

    expect(mocks.servicediscovery).toHaveReceivedCommandTimes(DeleteDiscoveryServiceCommand, 1);
    expect(mocks.servicediscovery).not.toHaveReceivedCommandWith(DeleteDiscoveryServiceCommand, {
      Id: discoveryId(byName('legacy', NEIGHBOUR)),
    });
  });

  it('deletes the listener rules to its target group, and no other', async () => {
    account.rules = [hostRule(10, byName('api')), hostRule(20, byName('web'))];

    await prune();

    expect(mocks.elbv2).toHaveReceivedCommandTimes(DeleteRuleCommand, 1);
    expect(mocks.elbv2).toHaveReceivedCommandWith(DeleteRuleCommand, {
      RuleArn: hostRule(20, byName('web')).RuleArn,
    });
    expect(mocks.elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('makes a listener whose default action forwards to its target group answer 404', async () => {
    account.httpDefault = forwardTo(byName('web'));

    await prune();

    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: 'l-80',
      DefaultActions: [
        expect.objectContaining({
          Type: 'fixed-response',
          FixedResponseConfig: expect.objectContaining({ StatusCode: '404' }),
        }),
      ],
    });
  });

  it('deletes the public record of its hostname, and keeps the request’s hostnames and every other record', async () => {
    const webAlias = record('web.pr-42.shop.example.com.', `dualstack.${LB_DNS}.`, 'A');
    const apiCname = record('api.pr-42.shop.example.com.', LB_DNS);
    const elsewhere = record('blog.pr-42.shop.example.com.', 'other-1.us-east-1.elb.amazonaws.com');
    const validation = record('_abc.pr-42.shop.example.com.', '_def.acm-validations.aws.');
    account.records = [webAlias, apiCname, elsewhere, validation];

    await prune();

    expect(mocks.route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(mocks.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZENV',
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: webAlias }] },
    });
  });

  it('is not done while its target group is still in use, and deletes it on a later call', async () => {
    mocks.elbv2
      .on(DeleteTargetGroupCommand)
      .rejectsOnce(new ResourceInUseException({ message: 'in use by a listener', $metadata: {} }))
      .resolves({});
    byName('web').status = 'INACTIVE';

    const first = await prune();
    const second = await prune();

    expect(first.done).toBe(false);
    expect(second.done).toBe(true);
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 2);
  });

  it('is not done while Cloud Map still refuses to delete its service', async () => {
    mocks.servicediscovery
      .on(DeleteDiscoveryServiceCommand)
      .rejectsOnce(new ResourceInUse({ message: 'instances still registered', $metadata: {} }))
      .resolves({});
    byName('web').status = 'INACTIVE';

    const first = await prune();
    const second = await prune();

    expect([first.done, second.done]).toEqual([false, true]);
  });

  it('goes on where an earlier call stopped: a service already deleted is not deleted again', async () => {
    byName('web').status = undefined;

    const output = await prune();

    expect(output.done).toBe(true);
    expect(mocks.ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
    expect(mocks.elbv2).toHaveReceivedCommandWith(DeleteTargetGroupCommand, {
      TargetGroupArn: groupArn(byName('web')),
    });
  });

  it('takes a service that ECS says is no longer active as deleted', async () => {
    mocks.ecs
      .on(UpdateServiceCommand)
      .rejects(new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: {} }));

    const output = await prune();

    expect(output.done).toBe(true);
    expect(mocks.ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
  });

  it('touches neither routes nor records when the load balancer of its name is not the environment’s', async () => {
    account.loadBalancerEnvironment = NEIGHBOUR;
    account.rules = [hostRule(20, byName('web'))];
    account.records = [record('web.pr-42.shop.example.com.', LB_DNS)];

    await prune();

    expect(mocks.elbv2).not.toHaveReceivedCommand(DeleteRuleCommand);
    expect(mocks.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});

describe('PruneServices — nothing to prune', () => {
  it('deletes nothing when the environment has exactly the request’s services', async () => {
    account.services = account.services.filter(
      (service) => service.name !== 'web' || service.environment !== ENVIRONMENT,
    );
    account.rules = [hostRule(10, byName('api'))];
    account.records = [record('api.pr-42.shop.example.com.', LB_DNS)];

    const output = await prune();

    expect(output).toEqual({ done: true, keptDatabases: [], warning: '' });
    for (const [mock, command] of [
      [mocks.ecs, UpdateServiceCommand],
      [mocks.ecs, DeleteServiceCommand],
      [mocks.ecs, DeregisterTaskDefinitionCommand],
      [mocks.elbv2, DeleteRuleCommand],
      [mocks.elbv2, ModifyListenerCommand],
      [mocks.elbv2, DeleteTargetGroupCommand],
      [mocks.route53, ChangeResourceRecordSetsCommand],
      [mocks.servicediscovery, DeleteDiscoveryServiceCommand],
      [mocks.iam, DeleteRoleCommand],
      [mocks.codebuild, DeleteProjectCommand],
      [mocks.ecr, DeleteRepositoryCommand],
    ] as const) {
      // biome-ignore lint/suspicious/noExplicitAny: one loop over the mocks of different clients
      expect(mock as any, command.name).not.toHaveReceivedCommand(command as any);
    }
  });
});

describe('PruneServices — databases', () => {
  it('keeps a database the request no longer has and reports it', async () => {
    account.databases.push({ instance: 'shop--pr-42--olddb', environment: ENVIRONMENT });

    const { output } = await runToCompletion();

    expect(output).toEqual({
      done: true,
      keptDatabases: ['shop--pr-42--olddb'],
      warning:
        'database shop--pr-42--olddb is no longer in the compose file and is kept: a deploy never deletes a database; down deletes it',
    });
    expect(mocks.rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('does not report the request’s databases or another environment’s', async () => {
    const { output } = await runToCompletion();

    expect(output.keptDatabases).toEqual([]);
  });

  it('names several kept databases in one warning', () => {
    expect(keptDatabasesWarning(['shop-pr-42-a', 'shop--pr-42-b'])).toBe(
      'databases shop-pr-42-a, shop--pr-42-b are no longer in the compose file and are kept: a deploy never deletes a database; down deletes them',
    );
  });

  it('cannot delete a database: its declaration sends no RDS command but DescribeDBInstances', () => {
    const rdsCommands = [...pruneServices.sends, ...finishPruning.sends].filter(
      (command) => command.name.endsWith('Command') && /DB/.test(command.name),
    );
    expect(rdsCommands).toEqual([DescribeDBInstancesCommand]);
  });

  it('loads at most five AWS clients in either step, so neither cold start carries all nine', () => {
    expect(Object.keys(pruneServices.clients).sort()).toEqual([
      'applicationautoscaling',
      'ecs',
      'elbv2',
      'route53',
      'servicediscovery',
    ]);
    expect(Object.keys(finishPruning.clients).sort()).toEqual(['codebuild', 'ecr', 'iam', 'rds']);
  });
});
