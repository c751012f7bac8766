import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  ListHostedZonesByNameCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetParametersByPathCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readLiveState } from '../../cli/live-state.ts';
import type { LivePlanEntry } from '../../core/live-plan.ts';
import { databaseNames } from '../../core/names.ts';
import { MODE_POLICIES } from '../../core/policy.ts';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { planShop, runCli, SHOP_EXAMPLE } from '../support/cli.ts';
import { hostedZone, zoneTagSets } from '../support/route53-fixtures.ts';

const DB_INSTANCE = databaseNames('shop', 'main', 'db').instance;

const ecs = mockClient(ECSClient);
const rds = mockClient(RDSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const logs = mockClient(CloudWatchLogsClient);
const dynamodb = mockClient(DynamoDBClient);
const ssm = mockClient(SSMClient);
const route53 = mockClient(Route53Client);
const ecr = mockClient(ECRClient);
const elasticache = mockClient(ElastiCacheClient);
const callerIdentity = mockCallerIdentity();
const mocks = [ecs, rds, elbv2, logs, dynamodb, ssm, route53, ecr, elasticache];

/** The account's public zones: `name` (with its final dot) → tags; a zone of any other name is absent. */
function givenZones(zones: Record<string, Array<{ Key: string; Value: string }>>) {
  const ids = Object.fromEntries(Object.keys(zones).map((name, i) => [name, `Z${i + 1}`]));
  route53.on(ListHostedZonesByNameCommand).callsFake((input: { DNSName: string }) => {
    const id = ids[input.DNSName];
    return { HostedZones: id === undefined ? [] : [hostedZone(id, input.DNSName)], IsTruncated: false };
  });
  route53
    .on(ListTagsForResourcesCommand)
    .callsFake(
      zoneTagSets(Object.fromEntries(Object.entries(zones).map(([name, tags]) => [ids[name], tags]))),
    );
}

/** A deployed app, as `sst deploy` leaves its names in MODESHIFT_* variables. */
const APP = {
  MODESHIFT_BUS: 'modeshift-prod-bus',
  MODESHIFT_TABLE: 'modeshift-prod-environments',
  MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
  MODESHIFT_DEPLOY_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
  MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
  AWS_REGION: 'us-east-1',
};

const TAGS = [
  { key: 'modeshift:project', value: 'shop' },
  { key: 'modeshift:environment', value: 'main' },
];
const ARN = 'arn:aws:ecs:us-east-1:123456789012';

/** shop/main with its worker only, as a staging deploy left it; and a service of shop/main-2 in the same cluster. */
function givenStagingWorker() {
  ecs.on(ListServicesCommand).resolves({
    serviceArns: [`${ARN}:service/shop--main/worker`, `${ARN}:service/shop--main/other`],
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'worker',
        status: 'ACTIVE',
        desiredCount: 1,
        taskDefinition: `${ARN}:task-definition/shop--main--worker:3`,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
        networkConfiguration: { awsvpcConfiguration: { subnets: ['s'], assignPublicIp: 'DISABLED' } },
        tags: TAGS,
      },
      {
        serviceName: 'other',
        status: 'ACTIVE',
        desiredCount: 1,
        tags: [TAGS[0] as never, { key: 'modeshift:environment', value: 'main-2' }],
      },
    ],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'worker',
          image: 'public.ecr.aws/docker/library/python:3.12-slim',
          command: ['python', '-m', 'shop.worker'],
          environment: [
            { name: 'DATABASE_HOST', value: 'db' },
            { name: 'QUEUE_POLL_SECONDS', value: '5' },
          ],
          secrets: [
            {
              name: 'PGPASSWORD',
              valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1a2b:password::',
            },
            {
              name: 'SENTRY_DSN',
              valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/modeshift/shop/main/SENTRY_DSN',
            },
          ],
        },
      ],
    },
  });
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      {
        DBInstanceIdentifier: DB_INSTANCE,
        DBInstanceClass: 'db.m7g.large',
        DeletionProtection: false,
        StorageEncrypted: true,
        TagList: [
          { Key: 'modeshift:project', Value: 'shop' },
          { Key: 'modeshift:environment', Value: 'main' },
        ],
      },
      { DBInstanceIdentifier: 'someone-elses', DBInstanceClass: 'db.t3.micro', TagList: [] },
    ],
  });
  logs.on(DescribeLogGroupsCommand).resolves({
    logGroups: [{ logGroupName: '/modeshift/shop/main/worker', retentionInDays: 7 }],
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
  elbv2
    .on(DescribeLoadBalancersCommand)
    .rejects(Object.assign(new Error('not found'), { name: 'LoadBalancerNotFoundException' }));
  dynamodb.on(GetItemCommand).resolves({
    Item: marshall({
      pk: 'shop#main',
      sk: 'ENV',
      status: 'deployed',
      mode: 'staging',
      policy: JSON.stringify(MODE_POLICIES.staging),
    }),
  });
}

beforeEach(() => {
  callerIdentity.answer();
  for (const mock of mocks) mock.reset();
  givenZones({});
  ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'no image', $metadata: {} }));
  elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.map((name) => ({ Name: name })),
    InvalidParameters: [],
  }));
  vi.stubEnv('AWS_REGION', 'us-east-1');
});

describe('live state — read from AWS', () => {
  it('keeps only what is tagged for the environment, and reads secrets by their source', async () => {
    givenStagingWorker();

    const state = await readLiveState(
      {
        ecs: new ECSClient({}),
        rds: new RDSClient({}),
        elasticache: new ElastiCacheClient({}),
        elbv2: new ElasticLoadBalancingV2Client({}),
        logs: new CloudWatchLogsClient({}),
        dynamodb: new DynamoDBClient({}),
        ssm: new SSMClient({}),
        ecr: new ECRClient({}),
      },
      { project: 'shop', environment: 'main', tableName: 'environments' },
    );

    expect(state.services).toEqual([
      {
        name: 'worker',
        status: 'ACTIVE',
        desiredCount: 1,
        capacityProvider: 'FARGATE_SPOT',
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        assignPublicIp: 'DISABLED',
        public: false,
        taskDefinition: {
          cpu: 256,
          memory: 512,
          image: 'public.ecr.aws/docker/library/python:3.12-slim',
          environment: { DATABASE_HOST: 'db', QUEUE_POLL_SECONDS: '5' },
          secrets: [
            { name: 'PGPASSWORD', from: { database: true } },
            { name: 'SENTRY_DSN', from: { config: 'SENTRY_DSN' } },
          ],
          ports: [],
          command: ['python', '-m', 'shop.worker'],
        },
      },
    ]);
    expect(state.databases.map((database) => database.instance)).toEqual([DB_INSTANCE]);
    expect(state.record).toMatchObject({ status: 'deployed', mode: 'staging' });
    expect(state.loadBalancer).toBeUndefined();
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
      logGroupNamePrefix: '/modeshift/shop/main/',
    });
  });

  it('leaves out the capacity and deployment configuration the emulator does not keep', async () => {
    givenStagingWorker();

    const state = await readLiveState(
      {
        ecs: new ECSClient({}),
        rds: new RDSClient({}),
        elasticache: new ElastiCacheClient({}),
        elbv2: new ElasticLoadBalancingV2Client({}),
        logs: new CloudWatchLogsClient({}),
        dynamodb: new DynamoDBClient({}),
        ssm: new SSMClient({}),
        ecr: new ECRClient({}),
      },
      { project: 'shop', environment: 'main', tableName: 'environments', emulator: true },
    );

    expect(state.services[0]).not.toHaveProperty('capacityProvider');
    expect(state.services[0]).not.toHaveProperty('minimumHealthyPercent');
  });
});

describe('modeshift plan — with a deployed app', () => {
  it('says a deploy would be refused for each config value that is not set, naming it', async () => {
    // Nothing of the mailer is deployed: every read finds nothing.
    ecs.onAnyCommand().resolves({});
    rds.onAnyCommand().resolves({});
    elbv2.onAnyCommand().resolves({});
    logs.onAnyCommand().resolves({});
    dynamodb.onAnyCommand().resolves({});
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: '/modeshift/mailer/main/SIGNING_SECRET' }],
      InvalidParameters: ['/modeshift/mailer/main/MAIL_API_KEY'],
    });
    const mailer = 'test/fixtures/compose/mailer/compose.yaml';

    const json = await runCli(['plan', '-f', mailer, '--env', 'main', '--mode', 'dev', '--json'], APP);
    const text = await runCli(['plan', '-f', mailer, '--env', 'main', '--mode', 'dev'], APP);

    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { missingConfigValues: unknown }).missingConfigValues).toEqual([
      expect.objectContaining({
        path: 'services.api.environment.MAIL_API_KEY',
        message: expect.stringMatching(/^config value MAIL_API_KEY is not set/),
      }),
    ]);
    expect(text.stdout).toContain('A deploy would be refused: 1 config value is not set.');
    expect(text.stdout).toMatch(
      /services\.api\.environment\.MAIL_API_KEY: config value MAIL_API_KEY is not set/,
    );
  });

  it('compares with the environment in the app’s account and table', async () => {
    givenStagingWorker();

    const result = await runCli(
      ['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'production', '--json'],
      APP,
    );

    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as {
      deployed: unknown;
      live: LivePlanEntry[];
      policy: unknown;
    };
    expect(document.policy).toEqual(MODE_POLICIES.production);
    expect(document.deployed).toEqual({
      at: 'the deployed app (table modeshift-prod-environments)',
      exists: true,
      mode: 'staging',
    });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'modeshift-prod-environments',
      Key: { pk: { S: 'shop#main' }, sk: { S: 'ENV' } },
    });
    const byName = new Map(document.live.map((item) => [`${item.kind} ${item.name}`, item]));
    expect(byName.get('service worker')).toMatchObject({
      action: 'update',
      changes: [
        { setting: 'capacityProvider', from: 'FARGATE_SPOT', to: 'FARGATE' },
        { setting: 'executeCommand', from: true, to: false, fromRecord: true },
        { setting: 'environment.PGDATABASE', from: null, to: 'shop' },
        { setting: 'environment.PGHOST', from: null, to: 'db' },
        { setting: 'environment.PGPORT', from: null, to: '5432' },
        { setting: 'environment.PGUSER', from: null, to: 'shop' },
        { setting: 'secrets.SENTRY_DSN', from: 'config SENTRY_DSN', to: null },
      ],
    });
    expect(byName.get('service web')?.action).toBe('create');
    expect(byName.get('service other')).toBeUndefined();
    expect(byName.get(`database ${DB_INSTANCE}`)?.changes).toEqual([
      { setting: 'deletionProtection', from: false, to: true },
    ]);
    expect(byName.get('log-group /modeshift/shop/main/worker')?.changes).toEqual([
      { setting: 'retentionInDays', from: 7, to: 30 },
    ]);
  });

  it('prints the offline plan first, then one line per resource', async () => {
    givenStagingWorker();

    const result = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'production'], APP);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Plan for shop\/main in production mode \(deployment [^,]+\)$/m);
    expect(result.stdout).toContain(
      'Live plan against the deployed app (table modeshift-prod-environments): shop/main is deployed in staging mode; this deploy makes it production (upgrade).',
    );
    expect(result.stdout).toMatch(/^create +service +web$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^update +database +${DB_INSTANCE} +deletionProtection off→on$`, 'm'),
    );
    expect(result.stdout).toContain(
      'Images: build api, web · reuse none. Services: roll out api, web, worker · unchanged none.',
    );
  });

  it('says which images a deploy reuses: those whose digest tag is in their repository', async () => {
    givenStagingWorker();
    ecr.on(DescribeImagesCommand, { repositoryName: 'shop/main/api' }).callsFake((asked) => ({
      imageDetails: [{ imageTags: [asked.imageIds[0].imageTag] }],
    }));

    const result = await runCli(
      ['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'production', '--json'],
      APP,
    );

    expect(result.code, result.stderr).toBe(0);
    const { redeploy } = JSON.parse(result.stdout) as { redeploy: Record<string, string[]> };
    expect(redeploy).toMatchObject({ build: ['web'], reuse: ['api'] });
    expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
      repositoryName: 'shop/main/api',
      imageIds: [{ imageTag: expect.stringMatching(/^src-[0-9a-f]{24}$/) }],
    });
  });

  it('says a production → development change would be refused without --force --confirm', async () => {
    givenStagingWorker();
    dynamodb.on(GetItemCommand).resolves({
      Item: marshall({ pk: 'shop#main', sk: 'ENV', status: 'deployed', mode: 'production' }),
    });

    const result = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'dev'], APP);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'shop/main is deployed in production mode; changing the mode of environment "main" from production to development is refused',
    );
    expect(result.stdout).toContain(
      'repeat with force: true and confirm: "main" (--force --confirm main) to proceed',
    );
  });

  it('stops on a load balancer of the environment’s name that is not the environment’s', async () => {
    givenStagingWorker();
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        {
          LoadBalancerName: 'shop--main',
          LoadBalancerArn: 'arn:aws:elasticloadbalancing:lb/app/shop--main/1',
        },
      ],
    });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [{ ResourceArn: 'arn:aws:elasticloadbalancing:lb/app/shop--main/1', Tags: [] }],
    });

    const result = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'dev'], APP);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot plan against the deployed app .*load balancer shop--main has no modeshift tags, not shop\/main/m,
    );
    expect(elbv2).not.toHaveReceivedCommand(DescribeLoadBalancerAttributesCommand);
  });

  it('makes no AWS calls with --offline', async () => {
    const result = await runCli(
      ['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'dev', '--offline', '--json'],
      APP,
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).not.toHaveProperty('live');
    for (const mock of mocks) expect(mock.calls()).toEqual([]);
  });
});

describe('modeshift plan — live options', () => {
  it('stays offline without --endpoint and without a deployed app', async () => {
    const result = await planShop('--env', 'main', '--mode', 'dev', '--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).not.toHaveProperty('live');
    for (const mock of mocks) expect(mock.calls()).toEqual([]);
  });

  it('refuses --endpoint with --compare, which makes no AWS calls', async () => {
    const result = await planShop('--compare', '--env', 'main', '--endpoint', 'http://127.0.0.1:1');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --endpoint: cannot be combined with --compare');
  });

  it('refuses --offline with --endpoint', async () => {
    const result = await planShop(
      '--env',
      'main',
      '--mode',
      'dev',
      '--offline',
      '--endpoint',
      'http://127.0.0.1:1',
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --offline: cannot be combined with --endpoint');
  });

  it('exits 2 for an endpoint that is not a URL', async () => {
    const result = await planShop('--env', 'main', '--mode', 'dev', '--endpoint', 'not a url');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --endpoint: "not a url" is not an endpoint');
  });
});

describe('modeshift plan — the public zones a deploy writes into', () => {
  it('says the account holds no zone for the domain, and that the zone serves nothing until delegated', async () => {
    givenStagingWorker();

    const result = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'production'], APP);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^create +shop\.example\.com +modeshift creates it; the account holds no zone for shop\.example\.com: shop\.example\.com serves nothing until the registrar of shop\.example\.com delegates to its name servers$/m,
    );
  });

  it('says a deploy would be refused by a zone modeshift did not create, unless adopted', async () => {
    givenStagingWorker();
    givenZones({ 'shop.example.com.': [{ Key: 'team', Value: 'web' }] });

    const refused = await runCli(
      ['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'production', '--json'],
      APP,
    );
    const adopted = await runCli(
      [
        'plan',
        '-f',
        SHOP_EXAMPLE,
        '--env',
        'main',
        '--mode',
        'production',
        '--adopt-zone',
        'shop.example.com',
        '--json',
      ],
      APP,
    );

    expect(refused.code, refused.stderr).toBe(0);
    expect((JSON.parse(refused.stdout) as { zones: unknown }).zones).toEqual([
      {
        zone: 'shop.example.com',
        action: 'refuse',
        note: expect.stringContaining('--adopt-zone shop.example.com'),
      },
    ]);
    expect((JSON.parse(adopted.stdout) as { zones: unknown }).zones).toEqual([
      {
        zone: 'shop.example.com',
        action: 'adopt',
        note: expect.stringContaining('never the apex (--adopt-apex)'),
      },
    ]);
  });

  it('says a preview zone is delegated from the project’s zone and not from someone else’s', async () => {
    givenStagingWorker();
    givenZones({
      'shop.example.com.': [
        { Key: 'modeshift:project', Value: 'shop' },
        { Key: 'modeshift:environment', Value: 'live' },
      ],
    });
    const projects = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'dev'], APP);
    givenZones({ 'shop.example.com.': [] });
    const foreign = await runCli(['plan', '-f', SHOP_EXAMPLE, '--env', 'main', '--mode', 'dev'], APP);

    expect(projects.stdout).toContain(
      "modeshift creates it; delegated from the project's zone shop.example.com",
    );
    expect(foreign.stdout).toContain(
      'shop.example.com is in the account but modeshift did not create it, so no delegation is written there',
    );
  });
});
