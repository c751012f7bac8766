import { describe, expect, it } from 'vitest';
import { type DeploymentPlan, isSharedNetworkPiece, planDeployment } from '../../core/plan.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { parseDeployRequest } from '../../core/request.ts';
import { deploymentWaves } from '../../core/waves.ts';

function planFor(mode: Mode, extra: Record<string, unknown> = {}): DeploymentPlan {
  const request = parseDeployRequest({
    project: 'shop',
    environment: 'pr-42',
    mode,
    deploymentId: 'd1',
    services: [
      {
        name: 'web',
        build: { context: 's3://artifacts/web.tar.gz' },
        ports: [3000],
        public: true,
        dependsOn: ['api'],
      },
      { name: 'api', image: 'shop/api:1', ports: [8080], dependsOn: ['db'] },
    ],
    databases: [{ name: 'db' }],
    domain: 'shop.example.com',
    ...extra,
  });
  return planDeployment(request, resolvePolicy(request.mode, request.overrides ?? {}));
}

const ofType = (plan: DeploymentPlan, type: string) => plan.resources.filter((r) => r.type === type);
const one = (plan: DeploymentPlan, type: string) => {
  const [resource] = ofType(plan, type);
  if (!resource) throw new Error(`no ${type} in the plan`);
  return resource;
};

describe('plan — per-mode settings', () => {
  it.each([
    ['development', 0],
    ['staging', 1],
    ['production', 2],
  ] as const)('plans the NAT gateways of %s (%i)', (mode, count) => {
    expect(ofType(planFor(mode), 'AWS::EC2::NatGateway')).toHaveLength(count);
  });

  it('runs development tasks in public subnets with public IPs, others in private subnets', () => {
    const service = (mode: Mode) => ofType(planFor(mode), 'AWS::ECS::Service')[0]?.settings;

    expect(service('development')).toMatchObject({ subnets: 'public', assignPublicIp: true });
    expect(service('production')).toMatchObject({ subnets: 'private', assignPublicIp: false });
  });

  it('gives ECS services the mode’s capacity and deployment configuration', () => {
    expect(one(planFor('development'), 'AWS::ECS::Service').settings).toMatchObject({
      capacityProvider: 'FARGATE_SPOT',
      minimumHealthyPercent: 0,
      maximumPercent: 100,
      circuitBreakerRollback: true,
    });
    expect(one(planFor('production'), 'AWS::ECS::Service').settings).toMatchObject({
      capacityProvider: 'FARGATE',
      minimumHealthyPercent: 100,
      maximumPercent: 200,
    });
  });

  it('plans production data to survive down: final snapshot, retained logs and zone', () => {
    const plan = planFor('production');

    expect(one(plan, 'AWS::RDS::DBInstance').onDown).toBe('snapshot-then-delete');
    expect(one(plan, 'AWS::S3::Bucket').onDown).toBe('retain');
    expect(one(plan, 'AWS::Logs::LogGroup').onDown).toBe('retain');
    expect(one(plan, 'AWS::Route53::HostedZone')).toMatchObject({
      name: 'shop.example.com',
      onDown: 'retain',
    });
  });

  it('plans development to leave nothing behind on down: its own pieces deleted, the shared network’s with its last environment', () => {
    const plan = planFor('development');

    expect(one(plan, 'AWS::RDS::DBInstance').onDown).toBe('delete');
    expect(one(plan, 'AWS::Route53::HostedZone')).toMatchObject({
      name: 'pr-42.shop.example.com',
      onDown: 'delete',
    });
    expect(plan.resources.filter((r) => r.onDown !== 'delete' && r.onDown !== 'delete-when-unused')).toEqual(
      [],
    );
    expect(plan.resources.filter((r) => r.onDown === 'delete-when-unused')).toEqual(
      plan.resources.filter(isSharedNetworkPiece),
    );
  });

  it('sets database class, encryption, protection and apply-immediately from the policy', () => {
    expect(one(planFor('development'), 'AWS::RDS::DBInstance').settings).toMatchObject({
      dbInstanceClass: 'db.t4g.micro',
      storageEncrypted: true,
      deletionProtection: false,
      applyImmediately: true,
      manageMasterUserPassword: true,
    });
    expect(one(planFor('production'), 'AWS::RDS::DBInstance').settings).toMatchObject({
      dbInstanceClass: 'db.m7g.large',
      deletionProtection: true,
      applyImmediately: false,
    });
  });

  it('plans a managed cache with the mode’s node type, replicas and encryption, snapshotted on down only in production', () => {
    const withCache = (mode: Mode) => planFor(mode, { caches: [{ name: 'cache', engine: 'valkey' }] });

    expect(one(withCache('development'), 'AWS::ElastiCache::ReplicationGroup')).toMatchObject({
      settings: {
        engine: 'valkey',
        engineVersion: '8.1',
        cacheNodeType: 'cache.t4g.micro',
        replicas: 0,
        automaticFailover: false,
        multiAz: false,
        atRestEncryption: true,
        transitEncryption: false,
      },
      onDown: 'delete',
    });
    expect(one(withCache('production'), 'AWS::ElastiCache::ReplicationGroup')).toMatchObject({
      settings: { cacheNodeType: 'cache.m7g.large', replicas: 1, automaticFailover: true, multiAz: true },
      onDown: 'snapshot-then-delete',
    });
    expect(ofType(withCache('staging'), 'AWS::ElastiCache::SubnetGroup')).toHaveLength(1);
    expect(ofType(planFor('staging'), 'AWS::ElastiCache::SubnetGroup')).toEqual([]);
  });

  it('redirects HTTP with the mode’s status code and protects the production load balancer', () => {
    const listener = (mode: Mode) =>
      ofType(planFor(mode), 'AWS::ElasticLoadBalancingV2::Listener')[0]?.settings;

    expect(listener('development')).toMatchObject({ statusCode: 'HTTP_302' });
    expect(listener('staging')).toMatchObject({ statusCode: 'HTTP_301' });
    expect(one(planFor('production'), 'AWS::ElasticLoadBalancingV2::LoadBalancer').settings).toMatchObject({
      deletionProtection: true,
    });
  });

  it('plans deployment alarms on each public service, telling the environment’s topic, only where the mode has them', () => {
    expect(ofType(planFor('development'), 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(ofType(planFor('development'), 'AWS::SNS::Topic')).toEqual([]);

    const staging = planFor('staging', { notify: ['ops@example.com'] });
    expect(ofType(staging, 'AWS::SNS::Topic')).toEqual([
      expect.objectContaining({
        name: 'shop--pr-42-alarms',
        settings: expect.objectContaining({ emailSubscriptions: 1 }),
      }),
    ]);
    expect(ofType(staging, 'AWS::CloudWatch::Alarm').map((alarm) => [alarm.name, alarm.settings])).toEqual([
      [
        'shop--pr-42--web--5xx',
        expect.objectContaining({ threshold: 10, rollback: false, notifies: 'shop--pr-42-alarms' }),
      ],
      [
        'shop--pr-42--web--p95',
        expect.objectContaining({ threshold: 2, rollback: false, notifies: 'shop--pr-42-alarms' }),
      ],
    ]);

    const topic = 'arn:aws:sns:us-east-1:123456789012:oncall';
    const production = planFor('production', { notify: [topic] });
    expect(ofType(production, 'AWS::SNS::Topic'), 'a given topic is used, none is made').toEqual([]);
    expect(ofType(production, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.settings)).toEqual([
      expect.objectContaining({ threshold: 5, rollback: true, notifies: topic }),
      expect.objectContaining({ threshold: 1, rollback: true, notifies: topic }),
    ]);
  });

  it("plans the VPC in the range the request names, and its subnets in that range's sixteenths", () => {
    const ranges = (plan: DeploymentPlan) =>
      [...ofType(plan, 'AWS::EC2::VPC'), ...ofType(plan, 'AWS::EC2::Subnet')].map(
        (r) => r.settings.cidrBlock,
      );

    expect(ranges(planFor('staging', { vpcCidr: '10.42.0.0/16' }))).toEqual([
      '10.42.0.0/16',
      '10.42.0.0/20',
      '10.42.16.0/20',
      '10.42.128.0/20',
      '10.42.144.0/20',
    ]);
    expect(ranges(planFor('staging'))).toEqual([
      'a free /16 of 10.0.0.0/8, picked at the first deploy',
      "the 1st /20 of the VPC's range",
      "the 2nd /20 of the VPC's range",
      "the 9th /20 of the VPC's range",
      "the 10th /20 of the VPC's range",
    ]);
  });

  it("plans only security groups in a team's own VPC: no VPC, subnet, gateway, route table or NAT of its own", () => {
    const vpc = {
      id: 'vpc-0abc12345',
      publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
      privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
    };
    const plan = planFor('production', { vpc });

    for (const type of [
      'AWS::EC2::Subnet',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::RouteTable',
      'AWS::EC2::NatGateway',
    ])
      expect(ofType(plan, type), type).toEqual([]);
    expect(ofType(plan, 'AWS::EC2::VPC')).toEqual([
      expect.objectContaining({ name: 'vpc-0abc12345', onDown: 'retain' }),
    ]);
    expect(ofType(plan, 'AWS::EC2::SecurityGroup').length).toBeGreaterThan(0);
  });

  it('writes every non-alias record with the mode’s TTL and write mode', () => {
    const records = ofType(planFor('staging'), 'AWS::Route53::RecordSet').filter(
      (r) => r.settings.type !== 'A',
    );

    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.settings).toMatchObject({ ttl: 300, writeMode: 'upsert' });
  });

  it('builds with the mode’s compute type', () => {
    expect(one(planFor('production'), 'AWS::CodeBuild::Project').settings.computeType).toBe(
      'BUILD_GENERAL1_MEDIUM',
    );
    expect(one(planFor('staging'), 'AWS::CodeBuild::Project').settings.computeType).toBe(
      'BUILD_GENERAL1_SMALL',
    );
  });

  it('applies overrides to the planned resources', () => {
    const plan = planFor('development', { overrides: { logRetentionDays: 14, natGateways: 'single' } });

    expect(one(plan, 'AWS::Logs::LogGroup').settings.retentionInDays).toBe(14);
    expect(ofType(plan, 'AWS::EC2::NatGateway')).toHaveLength(1);
  });

  it('plans an expiry schedule only for a request with a ttl', () => {
    expect(ofType(planFor('development'), 'AWS::Scheduler::Schedule')).toHaveLength(0);
    expect(one(planFor('development', { ttl: '24h' }), 'AWS::Scheduler::Schedule').settings.after).toBe(
      '24h',
    );
  });
});

describe('plan — shared network (development and staging)', () => {
  const sharedOf = (plan: DeploymentPlan) =>
    plan.resources.filter(isSharedNetworkPiece).map((r) => [r.type, r.name, r.settings.owner, r.onDown]);
  const TEAM_VPC = {
    id: 'vpc-0abc12345',
    publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
    privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
  };

  it('marks the VPC, its subnets, gateway and route tables, the load balancer, its listeners and group as the shared network’s', () => {
    const shared = (type: string, name: string) => [type, name, 'shared.development', 'delete-when-unused'];

    expect(sharedOf(planFor('development'))).toEqual([
      shared('AWS::EC2::VPC', 'shop--development--shared'),
      shared('AWS::EC2::Subnet', 'shop--development--shared-public-a'),
      shared('AWS::EC2::Subnet', 'shop--development--shared-public-b'),
      shared('AWS::EC2::Subnet', 'shop--development--shared-private-a'),
      shared('AWS::EC2::Subnet', 'shop--development--shared-private-b'),
      shared('AWS::EC2::InternetGateway', 'shop--development--shared'),
      shared('AWS::EC2::RouteTable', 'shop--development--shared-public'),
      shared('AWS::EC2::RouteTable', 'shop--development--shared-private'),
      shared('AWS::EC2::SecurityGroup', 'shop--development--shared-alb'),
      shared('AWS::ElasticLoadBalancingV2::LoadBalancer', 'shop--development--shared'),
      shared('AWS::ElasticLoadBalancingV2::Listener', 'shop--development--shared:80'),
      shared('AWS::ElasticLoadBalancingV2::Listener', 'shop--development--shared:443'),
    ]);
  });

  it('says which network the environment gets', () => {
    expect(one(planFor('development'), 'AWS::EC2::VPC').settings.network).toBe(
      "shared — the project's development VPC and load balancer, shared with its other development environments",
    );
  });

  it('shares staging’s NAT gateway and the private route through it', () => {
    const plan = planFor('staging');

    expect(one(plan, 'AWS::EC2::NatGateway')).toMatchObject({
      name: 'shop--staging--shared-nat-a',
      settings: { owner: 'shared.staging', subnet: 'shop--staging--shared-public-a' },
      onDown: 'delete-when-unused',
    });
    expect(ofType(plan, 'AWS::EC2::RouteTable').map((r) => r.settings)).toContainEqual({
      owner: 'shared.staging',
      defaultRoute: 'shop--staging--shared-nat-a',
    });
  });

  it('keeps the environment’s own: its security groups, target groups, certificate (served by SNI) and host rules, and no access-log bucket', () => {
    const plan = planFor('development');
    const own = (type: string) => ofType(plan, type).filter((r) => !isSharedNetworkPiece(r));

    expect(ofType(plan, 'AWS::S3::Bucket'), 'the shared load balancer keeps no access logs').toEqual([]);
    expect(one(plan, 'AWS::ElasticLoadBalancingV2::LoadBalancer').settings.accessLogs).toBe(false);
    expect(own('AWS::EC2::SecurityGroup').map((r) => r.name)).toEqual([
      'shop--pr-42-services',
      'shop--pr-42-db',
    ]);
    expect(own('AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(1);
    expect(own('AWS::CertificateManager::Certificate').map((r) => r.name)).toEqual(['shop--pr-42']);
    expect(own('AWS::ElasticLoadBalancingV2::ListenerCertificate')).toEqual([
      expect.objectContaining({
        name: 'shop--development--shared:443 shop--pr-42',
        settings: { certificate: 'shop--pr-42', servedBy: 'SNI' },
        onDown: 'delete',
      }),
    ]);
    expect(own('AWS::ElasticLoadBalancingV2::ListenerRule')).toEqual([
      expect.objectContaining({
        name: 'shop--development--shared:443 web.pr-42.shop.example.com',
        settings: expect.objectContaining({
          host: 'web.pr-42.shop.example.com',
          forwardTo: one(plan, 'AWS::ElasticLoadBalancingV2::TargetGroup').name,
        }),
      }),
    ]);
  });

  it('points the environment’s records at the shared load balancer', () => {
    const records = ofType(planFor('development'), 'AWS::Route53::RecordSet').filter(
      (r) => r.name === 'web.pr-42.shop.example.com',
    );

    expect(records.map((r) => r.settings.target)).toEqual(['shop--development--shared']);
  });

  it('gives an environment without a domain a load balancer of its own, with its access logs, in the shared VPC', () => {
    const plan = planFor('development', { domain: undefined });

    expect(one(plan, 'AWS::EC2::VPC')).toMatchObject({ name: 'shop--development--shared' });
    expect(one(plan, 'AWS::EC2::VPC').settings.network).toBe(
      "shared — the project's development VPC, shared with its other development environments; a load balancer of its own, since a public service has no host name to route by",
    );
    expect(one(plan, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toMatchObject({
      name: 'shop--pr-42',
      settings: { accessLogs: true },
      onDown: 'delete',
    });
    expect(ofType(plan, 'AWS::S3::Bucket')).toHaveLength(1);
    expect(ofType(plan, 'AWS::EC2::SecurityGroup').map((r) => r.name)).toContain('shop--pr-42-alb');
  });

  it("plans no shared network in a team's VPC, which takes precedence", () => {
    expect(sharedOf(planFor('development', { vpc: TEAM_VPC }))).toEqual([]);
  });

  it('plans no shared network where the mode’s network is dedicated: production, or an override', () => {
    const dedicated = planFor('development', { overrides: { network: 'dedicated' } });

    expect(sharedOf(planFor('production'))).toEqual([]);
    expect(sharedOf(dedicated)).toEqual([]);
    expect(one(dedicated, 'AWS::EC2::VPC')).toEqual({
      type: 'AWS::EC2::VPC',
      name: 'shop--pr-42',
      settings: {
        cidrBlock: 'a free /16 of 10.0.0.0/8, picked at the first deploy',
        dnsSearchDomain: 'pr-42.shop.internal',
      },
      fromPolicy: [],
      onDown: 'delete',
    });
    expect(one(dedicated, 'AWS::ElasticLoadBalancingV2::LoadBalancer').name).toBe('shop--pr-42');
    expect(ofType(dedicated, 'AWS::S3::Bucket')).toHaveLength(1);
  });
});

describe('deployment waves', () => {
  it('starts a service only after the services it depends on', () => {
    const waves = deploymentWaves([
      { name: 'web', dependsOn: ['api'] },
      { name: 'api', dependsOn: ['db'] },
      { name: 'worker', dependsOn: ['api', 'cache'] },
      { name: 'cache', dependsOn: [] },
    ]);

    expect(waves).toEqual([
      ['api', 'cache'],
      ['web', 'worker'],
    ]);
  });
});

describe('plan — app wiring', () => {
  it("names where each secret is read from and the service's own execution role", () => {
    const plan = planFor('development', {
      services: [
        { name: 'api', image: 'shop/api:1', ports: [8080], dependsOn: ['db'], secrets: ['STRIPE_KEY'] },
      ],
    });
    const api = ofType(plan, 'AWS::ECS::TaskDefinition').find(
      (resource) => resource.name === 'shop--pr-42--api',
    );

    expect(api?.settings).toMatchObject({
      environmentVariables: 4,
      secrets: ['STRIPE_KEY←/modeshift/shop/pr-42/STRIPE_KEY', 'PGPASSWORD←db password (RDS-managed secret)'],
      executionRole: 'shop--pr-42--api (reads only these secrets)',
    });
  });

  it('checks a public service at its own health path and port', () => {
    const plan = planFor('development', {
      services: [
        {
          name: 'web',
          image: 'shop/web:1',
          ports: [3000, 9090],
          public: true,
          loadBalancerCheck: { path: '/ready', port: 9090 },
        },
      ],
      databases: [],
    });

    expect(one(plan, 'AWS::ElasticLoadBalancingV2::TargetGroup').settings).toMatchObject({
      healthCheckPath: '/ready',
      healthCheckPort: 9090,
    });
  });
});
