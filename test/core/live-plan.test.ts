import { describe, expect, it } from 'vitest';
import { buildDeployInput, type DeployInput } from '../../core/execution-input.ts';
import {
  actionCounts,
  LEFT_IN_PLACE,
  type LivePlanEntry,
  type LiveService,
  type LiveState,
  livePlan,
} from '../../core/live-plan.ts';
import { databaseNames, serviceNames } from '../../core/names.ts';
import { MODE_POLICIES, type Mode, resolvePolicy } from '../../core/policy.ts';
import { parseDeployRequest } from '../../core/request.ts';

const DB_INSTANCE = databaseNames('shop', 'main', 'db').instance;
const WEB_TG = serviceNames('shop', 'main', 'web').targetGroup;
const API_TG = serviceNames('shop', 'main', 'api').targetGroup;

const WEB = {
  name: 'web',
  image: 'nginx:1.27',
  ports: [80],
  public: true,
  environment: { GREETING: 'hello' },
};
const API = {
  name: 'api',
  image: 'shop/api:1',
  ports: [8080],
  environment: { LOG_LEVEL: 'info' },
  secrets: ['API_KEY'],
  dependsOn: ['db'],
};
const DB = { name: 'db', databaseName: 'shop', username: 'shop' };

function inputFor(
  mode: Mode,
  services: readonly Record<string, unknown>[] = [WEB, API],
  databases: readonly Record<string, unknown>[] = [DB],
): DeployInput {
  const request = parseDeployRequest({
    project: 'shop',
    environment: 'main',
    mode,
    deploymentId: 'd2',
    services,
    databases,
  });
  return buildDeployInput(request, resolvePolicy(request.mode), new Date('2026-11-26T07:00:00Z'));
}

/** web as a development deploy of WEB leaves it, as ECS reports it. */
const LIVE_WEB: LiveService = {
  name: 'web',
  status: 'ACTIVE',
  desiredCount: 1,
  capacityProvider: 'FARGATE_SPOT',
  minimumHealthyPercent: 0,
  maximumPercent: 100,
  executeCommand: true,
  assignPublicIp: 'ENABLED',
  public: true,
  taskDefinition: {
    cpu: 256,
    memory: 512,
    image: 'nginx:1.27',
    environment: { GREETING: 'hello' },
    secrets: [],
    ports: ['80/tcp'],
  },
};

/** api as a development deploy of API leaves it: wired to db, one config value. */
const LIVE_API: LiveService = {
  ...LIVE_WEB,
  name: 'api',
  public: false,
  taskDefinition: {
    cpu: 256,
    memory: 512,
    image: 'shop/api:1',
    environment: { LOG_LEVEL: 'info', PGHOST: 'db', PGPORT: '5432', PGDATABASE: 'shop', PGUSER: 'shop' },
    secrets: [
      { name: 'API_KEY', from: { config: 'API_KEY' } },
      { name: 'PGPASSWORD', from: { database: true } },
    ],
    ports: ['8080/tcp'],
  },
};

/** shop/main as a development deploy of WEB, API and DB leaves it. */
const DEPLOYED_DEVELOPMENT: LiveState = {
  record: { status: 'deployed', mode: 'development', policy: MODE_POLICIES.development },
  services: [LIVE_WEB, LIVE_API],
  databases: [
    {
      instance: DB_INSTANCE,
      status: 'available',
      instanceClass: 'db.t4g.micro',
      deletionProtection: false,
      storageEncrypted: true,
    },
  ],
  logGroups: [
    { name: '/modeshift/shop/main/web', retentionInDays: 1 },
    { name: '/modeshift/shop/main/api', retentionInDays: 1 },
  ],
  targetGroups: [{ name: WEB_TG, port: 80, healthCheckPath: '/', healthCheckPort: 'traffic-port' }],
  loadBalancer: { name: 'shop--main', deletionProtection: false, accessLogs: true },
};

const NOTHING: LiveState = { services: [], databases: [], logGroups: [], targetGroups: [] };

function find(entries: readonly LivePlanEntry[], kind: string, name: string): LivePlanEntry {
  const found = entries.find((item) => item.kind === kind && item.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the live plan`);
  return found;
}

describe('live plan — an environment that does not exist', () => {
  it('creates every resource and says the environment does not exist', () => {
    const plan = livePlan(inputFor('development'), NOTHING);

    expect(plan.exists).toBe(false);
    expect(plan.deployedMode).toBeUndefined();
    expect(plan.resources.map((item) => `${item.action} ${item.kind} ${item.name}`)).toEqual([
      'create load-balancer shop--main',
      `create target-group ${WEB_TG}`,
      `create database ${DB_INSTANCE}`,
      'create log-group /modeshift/shop/main/web',
      'create log-group /modeshift/shop/main/api',
      'create service web',
      'create service api',
    ]);
  });

  it('counts an environment that was taken down as not existing, whatever mode it had', () => {
    const plan = livePlan(inputFor('production'), {
      ...NOTHING,
      record: { status: 'down', mode: 'production' },
    });

    expect(plan.exists).toBe(false);
    expect(plan.deployedMode).toBeUndefined();
  });
});

describe('live plan — the same request again', () => {
  it('keeps every resource', () => {
    const plan = livePlan(inputFor('development'), DEPLOYED_DEVELOPMENT);

    expect(plan).toMatchObject({ exists: true, deployedMode: 'development', requestedMode: 'development' });
    expect(actionCounts(plan)).toEqual({ create: 0, update: 0, remove: 0, keep: 7 });
  });
});

describe('live plan — services', () => {
  it('removes a service no longer in the request', () => {
    const plan = livePlan(inputFor('development', [WEB]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'service', 'api')).toEqual({
      kind: 'service',
      name: 'api',
      action: 'remove',
      changes: [],
      note: 'no longer in the compose file',
    });
    expect(find(plan.resources, 'log-group', '/modeshift/shop/main/api')).toMatchObject({
      action: 'keep',
      note: LEFT_IN_PLACE.logGroup,
    });
  });

  it('creates a service the request adds', () => {
    const worker = { name: 'worker', image: 'busybox:1.36', command: ['sleep', '60'] };

    const plan = livePlan(inputFor('development', [WEB, API, worker]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'service', 'worker').action).toBe('create');
    expect(find(plan.resources, 'log-group', '/modeshift/shop/main/worker').action).toBe('create');
  });

  it('names replicas, cpu, memory, image and ports that change', () => {
    const changed = { ...WEB, image: 'nginx:1.28', replicas: 3, cpu: 512, memory: 1024, ports: [80, 9090] };

    const plan = livePlan(inputFor('development', [changed, API]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'service', 'web')).toMatchObject({
      action: 'update',
      changes: [
        { setting: 'replicas', from: 1, to: 3 },
        { setting: 'cpu', from: 256, to: 512 },
        { setting: 'memory', from: 512, to: 1024 },
        { setting: 'image', from: 'nginx:1.27', to: 'nginx:1.28' },
        { setting: 'ports', from: ['80/tcp'], to: ['80/tcp', '9090/tcp'] },
      ],
    });
  });

  it('names each environment variable added, removed or given another value', () => {
    const changed = { ...API, environment: { LOG_LEVEL: 'debug', REGION: 'eu' } };
    const live = {
      ...DEPLOYED_DEVELOPMENT,
      services: [
        LIVE_WEB,
        {
          ...LIVE_API,
          taskDefinition: {
            ...(LIVE_API.taskDefinition as NonNullable<LiveService['taskDefinition']>),
            environment: { ...LIVE_API.taskDefinition?.environment, OLD: 'x' },
          },
        },
      ],
    };

    const plan = livePlan(inputFor('development', [WEB, changed]), live);

    expect(find(plan.resources, 'service', 'api').changes).toEqual([
      { setting: 'environment.LOG_LEVEL', from: 'info', to: 'debug' },
      { setting: 'environment.OLD', from: 'x', to: null },
      { setting: 'environment.REGION', from: null, to: 'eu' },
    ]);
  });

  it('names secrets added and removed, by their source and never a value', () => {
    const changed = { ...API, secrets: ['STRIPE_KEY'] };

    const plan = livePlan(inputFor('development', [WEB, changed]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'service', 'api').changes).toEqual([
      { setting: 'secrets.API_KEY', from: 'config API_KEY', to: null },
      { setting: 'secrets.STRIPE_KEY', from: null, to: 'config STRIPE_KEY' },
    ]);
  });

  it('names a switch from an image to a build, and rolls a build with no digest on every deploy', () => {
    const built = { ...WEB, image: undefined, build: { context: 's3://artifacts/web.tar.gz' } };
    const fromRepository = {
      ...LIVE_WEB,
      taskDefinition: {
        ...(LIVE_WEB.taskDefinition as NonNullable<LiveService['taskDefinition']>),
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/main/web:d1',
      },
    };

    const switched = livePlan(inputFor('development', [built, API]), DEPLOYED_DEVELOPMENT);
    const rebuilt = livePlan(inputFor('development', [built, API]), {
      ...DEPLOYED_DEVELOPMENT,
      services: [fromRepository, LIVE_API],
    });

    expect(find(switched.resources, 'service', 'web').changes).toEqual([
      { setting: 'image', from: 'nginx:1.27', to: 'shop/main/web:d2' },
    ]);
    // Its context's content is unknown, so StartBuilds builds it under the deployment id, and it rolls.
    expect(find(rebuilt.resources, 'service', 'web')).toMatchObject({
      action: 'update',
      image: 'build',
      changes: [{ setting: 'image', from: 'd1', to: 'd2' }],
    });
  });

  it('reuses an image whose digest tag is in its repository, and leaves a service running it unchanged', () => {
    const tag = `src-${'a'.repeat(24)}`;
    const built = {
      ...WEB,
      image: undefined,
      build: { context: 's3://artifacts/web.tar.gz', imageTag: tag },
    };
    const running = (imageTag: string): LiveService => ({
      ...LIVE_WEB,
      taskDefinition: {
        ...(LIVE_WEB.taskDefinition as NonNullable<LiveService['taskDefinition']>),
        image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/main/web:${imageTag}`,
      },
    });
    const input = inputFor('development', [built, API]);

    const same = livePlan(input, {
      ...DEPLOYED_DEVELOPMENT,
      services: [running(tag), LIVE_API],
      images: [`shop/main/web:${tag}`],
    });
    const changed = livePlan(input, {
      ...DEPLOYED_DEVELOPMENT,
      services: [running(`src-${'b'.repeat(24)}`), LIVE_API],
    });

    expect(find(same.resources, 'service', 'web')).toMatchObject({
      action: 'keep',
      image: 'reuse',
      changes: [],
    });
    expect(same.services).toMatchObject({ build: [], reuse: ['web'] });
    expect(same.services.roll).not.toContain('web');
    expect(same.services.unchanged).toContain('web');
    expect(find(changed.resources, 'service', 'web')).toMatchObject({
      action: 'update',
      image: 'build',
      changes: [{ setting: 'image', from: `src-${'b'.repeat(24)}`, to: tag }],
    });
    expect(changed.services.build).toEqual(['web']);
    expect(changed.services.roll).toContain('web');
  });

  it('compares capacity, deployment percentages and ECS Exec with the record when ECS reports none', () => {
    const unreported: LiveService = {
      name: 'web',
      status: 'ACTIVE',
      desiredCount: 1,
      ...(LIVE_WEB.taskDefinition ? { taskDefinition: LIVE_WEB.taskDefinition } : {}),
    };
    const live = { ...DEPLOYED_DEVELOPMENT, services: [unreported, LIVE_API] };

    const plan = livePlan(inputFor('production'), live);

    expect(find(plan.resources, 'service', 'web').changes).toEqual([
      { setting: 'capacityProvider', from: 'FARGATE_SPOT', to: 'FARGATE', fromRecord: true },
      { setting: 'minimumHealthyPercent', from: 0, to: 100, fromRecord: true },
      { setting: 'maximumPercent', from: 100, to: 200, fromRecord: true },
      { setting: 'executeCommand', from: true, to: false, fromRecord: true },
    ]);
  });

  it('plans a service still DRAINING as one to create again, and warns', () => {
    const live = { ...DEPLOYED_DEVELOPMENT, services: [{ ...LIVE_WEB, status: 'DRAINING' }, LIVE_API] };

    const plan = livePlan(inputFor('development'), live);

    expect(find(plan.resources, 'service', 'web')).toMatchObject({
      action: 'create',
      note: expect.stringContaining('DRAINING'),
    });
  });
});

describe('live plan — development → production', () => {
  const plan = livePlan(inputFor('production'), DEPLOYED_DEVELOPMENT);

  it('names the services’ capacity, deployment percentages, ECS Exec and network', () => {
    expect(find(plan.resources, 'service', 'web')).toEqual({
      kind: 'service',
      name: 'web',
      action: 'update',
      changes: [
        { setting: 'capacityProvider', from: 'FARGATE_SPOT', to: 'FARGATE' },
        { setting: 'minimumHealthyPercent', from: 0, to: 100 },
        { setting: 'maximumPercent', from: 100, to: 200 },
        { setting: 'executeCommand', from: true, to: false },
        { setting: 'assignPublicIp', from: 'ENABLED', to: 'DISABLED' },
      ],
    });
  });

  it('names the log retention, the database class and every deletion protection', () => {
    expect(find(plan.resources, 'log-group', '/modeshift/shop/main/web').changes).toEqual([
      { setting: 'retentionInDays', from: 1, to: 30 },
    ]);
    expect(find(plan.resources, 'database', DB_INSTANCE)).toEqual({
      kind: 'database',
      name: DB_INSTANCE,
      action: 'update',
      changes: [
        { setting: 'instanceClass', from: 'db.t4g.micro', to: 'db.m7g.large' },
        { setting: 'deletionProtection', from: false, to: true },
      ],
      note: 'the class changes in the next maintenance window',
    });
    expect(find(plan.resources, 'load-balancer', 'shop--main').changes).toEqual([
      { setting: 'deletionProtection', from: false, to: true },
    ]);
  });

  it('keeps what the mode does not decide', () => {
    expect(find(plan.resources, 'target-group', WEB_TG).action).toBe('keep');
    expect(plan).toMatchObject({ deployedMode: 'development', requestedMode: 'production' });
  });
});

describe('live plan — databases', () => {
  it('keeps a database no longer in the request: only down deletes it', () => {
    const plan = livePlan(
      inputFor('development', [WEB, { ...API, dependsOn: [] }], []),
      DEPLOYED_DEVELOPMENT,
    );

    expect(find(plan.resources, 'database', DB_INSTANCE)).toEqual({
      kind: 'database',
      name: DB_INSTANCE,
      action: 'keep',
      changes: [],
      note: 'no longer in the compose file; only down deletes it',
    });
  });

  it('counts a class change pending for the maintenance window as done', () => {
    const live: LiveState = {
      ...DEPLOYED_DEVELOPMENT,
      databases: [
        {
          instance: DB_INSTANCE,
          instanceClass: 'db.t4g.micro',
          pendingInstanceClass: 'db.m7g.large',
          deletionProtection: true,
          storageEncrypted: true,
        },
      ],
    };

    const plan = livePlan(inputFor('production'), live);

    expect(find(plan.resources, 'database', DB_INSTANCE)).toMatchObject({
      action: 'keep',
      note: 'runs as db.t4g.micro until the maintenance window applies db.m7g.large',
    });
  });

  it('notes an unencrypted instance, which a deploy cannot encrypt', () => {
    const live: LiveState = {
      ...DEPLOYED_DEVELOPMENT,
      databases: [{ instance: DB_INSTANCE, instanceClass: 'db.t4g.micro', storageEncrypted: false }],
    };

    const plan = livePlan(inputFor('development'), live);

    expect(find(plan.resources, 'database', DB_INSTANCE).note).toContain(
      'storage encryption is off and cannot change in place',
    );
  });
});

describe('live plan — log groups, target groups and the load balancer', () => {
  it('names a retention that differs, and a group that never expires', () => {
    const live: LiveState = {
      ...DEPLOYED_DEVELOPMENT,
      logGroups: [
        { name: '/modeshift/shop/main/web', retentionInDays: 7 },
        { name: '/modeshift/shop/main/api' },
      ],
    };

    const plan = livePlan(inputFor('development'), live);

    expect(find(plan.resources, 'log-group', '/modeshift/shop/main/web').changes).toEqual([
      { setting: 'retentionInDays', from: 7, to: 1 },
    ]);
    expect(find(plan.resources, 'log-group', '/modeshift/shop/main/api').changes).toEqual([
      { setting: 'retentionInDays', from: null, to: 1 },
    ]);
  });

  it('names a health-check path that changes', () => {
    const checked = { ...WEB, loadBalancerCheck: { path: '/health' } };

    const plan = livePlan(inputFor('development', [checked, API]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'target-group', WEB_TG)).toMatchObject({
      action: 'update',
      changes: [{ setting: 'healthCheckPath', from: '/', to: '/health' }],
    });
  });

  it('removes the target group of a service that is no longer public, while another is', () => {
    const live: LiveState = {
      ...DEPLOYED_DEVELOPMENT,
      targetGroups: [...DEPLOYED_DEVELOPMENT.targetGroups, { name: API_TG, port: 8080 }],
    };

    const plan = livePlan(inputFor('development'), live);

    expect(find(plan.resources, 'target-group', API_TG).action).toBe('remove');
  });

  it('keeps the load balancer and target groups once no service is public', () => {
    const plan = livePlan(inputFor('development', [{ ...WEB, public: false }, API]), DEPLOYED_DEVELOPMENT);

    expect(find(plan.resources, 'load-balancer', 'shop--main')).toMatchObject({
      action: 'keep',
      note: LEFT_IN_PLACE.loadBalancer,
    });
    expect(find(plan.resources, 'target-group', WEB_TG)).toMatchObject({
      action: 'keep',
      note: LEFT_IN_PLACE.targetGroup,
    });
    expect(find(plan.resources, 'service', 'web').changes).toEqual([
      { setting: 'public', from: true, to: false },
    ]);
  });

  it('names access logs that are off', () => {
    const live: LiveState = {
      ...DEPLOYED_DEVELOPMENT,
      loadBalancer: { name: 'shop--main', deletionProtection: false, accessLogs: false },
    };

    const plan = livePlan(inputFor('development'), live);

    expect(find(plan.resources, 'load-balancer', 'shop--main').changes).toEqual([
      { setting: 'accessLogs', from: false, to: true },
    ]);
  });
});
