// End-to-end against the local AWS (moto): what a deployed app's tasks would start with — every
// secret its task definitions reference exists, its execution role may read exactly those, no
// secret value appears in plain text anywhere, and the load balancer checks each service's path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRolePolicyCommand, type IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { serviceNames } from '../../core/names.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { readServiceWiring } from '../../local/read-back.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { isAllowed } from '../support/iam-simulate.ts';
import { deployShop, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const API_KEY = 'sk_live_7f3a9c2e5b1d';

/** An app of another shape: two databases, a config value, a public API with its own health path. */
const LEDGER = `
name: ledger
services:
  api:
    image: ghcr.io/acme/ledger-api:2.1
    ports: ["8080"]
    environment:
      DATABASE_PASSWORD:
      PAYMENTS_API_KEY:
      MODE: live
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/healthz"]
    depends_on: [ledgerdb]
  reports:
    image: ghcr.io/acme/ledger-reports:2.1
    environment:
      PAYMENTS_API_KEY:
    depends_on: [ledgerdb, archive]
  ledgerdb:
    image: postgres:16
    x-defang-postgres: true
    environment: { POSTGRES_DB: ledger, POSTGRES_USER: ledger }
  archive:
    image: postgres:15
    x-defang-postgres: true
`;

function clientsOf(target: Target) {
  const settings = {
    endpoint: target.settings.endpoint,
    region: target.settings.region,
    credentials: target.settings.credentials,
  };
  return {
    ecs: target.clients('ecs') as ECSClient,
    iam: target.clients('iam') as IAMClient,
    elbv2: target.clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client,
    logs: target.clients('cloudwatchlogs') as CloudWatchLogsClient,
    ssm: new SSMClient(settings),
    secrets: new SecretsManagerClient(settings),
  };
}

async function taskDefinitions(ecs: ECSClient): Promise<TaskDefinition[]> {
  const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }));
  return Promise.all(
    taskDefinitionArns.map(
      async (arn) =>
        (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })))
          .taskDefinition as TaskDefinition,
    ),
  );
}

async function executionPolicy(iam: IAMClient, roleArn: string): Promise<unknown> {
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: name }));
  const documents = await Promise.all(
    PolicyNames.map(async (policy) => {
      const { PolicyDocument = '' } = await iam.send(
        new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }),
      );
      return JSON.parse(decodeURIComponent(PolicyDocument)) as { Statement: unknown[] };
    }),
  );
  return { Version: '2012-10-17', Statement: documents.flatMap((document) => document.Statement) };
}

/** Every log line in the local AWS. */
async function allLogLines(logs: CloudWatchLogsClient): Promise<string[]> {
  const lines: string[] = [];
  for await (const page of paginateDescribeLogGroups({ client: logs }, {})) {
    for (const group of page.logGroups ?? []) {
      const { events = [] } = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group.logGroupName }),
      );
      lines.push(...events.map((event) => event.message ?? ''));
    }
  }
  return lines;
}

/**
 * Checks every task definition against what AWS would do at task start: each secret's
 * `valueFrom` exists, and the task's execution role may read it and no other service's secrets.
 */
async function expectSecretsResolvable(
  target: Target,
): Promise<{ definitions: TaskDefinition[]; values: string[] }> {
  const { ecs, iam, ssm, secrets } = clientsOf(target);
  const definitions = await taskDefinitions(ecs);
  const values: string[] = [];
  const everyResource = new Set<string>();
  const resourceOf = (valueFrom: string) =>
    valueFrom.startsWith('arn:aws:secretsmanager:') ? valueFrom.replace(/:password::$/, '') : valueFrom;
  for (const definition of definitions) {
    for (const secret of definition.containerDefinitions?.[0]?.secrets ?? [])
      everyResource.add(resourceOf(secret.valueFrom ?? ''));
  }
  for (const definition of definitions) {
    const roleArn = definition.executionRoleArn as string;
    const policy = await executionPolicy(iam, roleArn);
    const own = new Set<string>();
    for (const secret of definition.containerDefinitions?.[0]?.secrets ?? []) {
      const valueFrom = secret.valueFrom as string;
      const resource = resourceOf(valueFrom);
      own.add(resource);
      if (valueFrom.startsWith('arn:aws:ssm:')) {
        const name = valueFrom.slice(valueFrom.indexOf(':parameter') + ':parameter'.length);
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        expect(Parameter?.Type, `${secret.name} of ${definition.family}`).toBe('SecureString');
        values.push(Parameter?.Value as string);
        expect(await isAllowed(policy, { principal: roleArn, action: 'ssm:GetParameters', resource })).toBe(
          true,
        );
      } else {
        expect(valueFrom, `${secret.name} of ${definition.family}`).toMatch(
          /^arn:aws:secretsmanager:.+:password::$/,
        );
        await secrets.send(new DescribeSecretCommand({ SecretId: resource }));
        const { SecretString = '{}' } = await secrets.send(new GetSecretValueCommand({ SecretId: resource }));
        const password = (JSON.parse(SecretString) as { password?: string }).password;
        expect(password, `the password key of ${resource}`).toEqual(expect.any(String));
        values.push(password as string);
        expect(
          await isAllowed(policy, { principal: roleArn, action: 'secretsmanager:GetSecretValue', resource }),
        ).toBe(true);
      }
    }
    for (const other of everyResource) {
      if (own.has(other)) continue;
      const action = other.startsWith('arn:aws:ssm:') ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
      expect(
        await isAllowed(policy, { principal: roleArn, action, resource: other }),
        `${definition.family} may read ${other}`,
      ).toBe(false);
    }
  }
  return { definitions, values };
}

describe('app wiring on the local AWS', () => {
  it("gives the shop's api and worker the database's settings and its password from the RDS-managed secret, readable by their roles only", async () => {
    const report = await deployShop(aws.target(), 'development');
    expect(report.status).toBe('SUCCEEDED');

    const { definitions, values } = await expectSecretsResolvable(aws.target());
    const container = (family: string) =>
      definitions.find((definition) => definition.family === family)?.containerDefinitions?.[0];
    const api = container('shop--main--api');
    expect(
      Object.fromEntries((api?.environment ?? []).map((variable) => [variable.name, variable.value])),
    ).toMatchObject({
      PGHOST: 'db',
      PGPORT: '5432',
      PGDATABASE: 'shop',
      PGUSER: 'shop',
    });
    expect(api?.secrets?.map((secret) => secret.name).sort()).toEqual(['DATABASE_PASSWORD', 'PGPASSWORD']);
    expect(container('shop--main--worker')?.secrets?.map((secret) => secret.name)).toEqual(['PGPASSWORD']);
    expect(container('shop--main--web')?.secrets ?? []).toEqual([]);
    expect(values.length).toBeGreaterThan(0);
    // Three services, three roles.
    expect(new Set(definitions.map((definition) => definition.executionRoleArn)).size).toBe(3);

    // What the demo prints: the api's wiring, read back from its service's task definition and role.
    const wiring = await readServiceWiring(aws.target(), 'shop', 'main', 'api');
    const secretArn = wiring.secrets[0]?.valueFrom.replace(/:password::$/, '');
    expect(wiring).toMatchObject({
      taskDefinition: 'shop--main--api:1',
      connection: { PGHOST: 'db', PGPORT: '5432', PGDATABASE: 'shop', PGUSER: 'shop' },
      executionRole: 'arn:aws:iam::123456789012:role/modeshift/shop/main/shop--main--api',
      readable: [secretArn],
    });
    expect(wiring.secrets.map((secret) => secret.valueFrom)).toEqual([
      `${secretArn}:password::`,
      `${secretArn}:password::`,
    ]);
  });

  it('starts an app of another shape only with config values that exist, and no secret value appears in plain text anywhere', async () => {
    const target = aws.target();
    const { ssm, logs, elbv2 } = clientsOf(target);
    await ssm.send(
      new PutParameterCommand({
        Name: '/modeshift/ledger/pr-7/PAYMENTS_API_KEY',
        Type: 'SecureString',
        Value: API_KEY,
      }),
    );
    const folder = mkdtempSync(join(tmpdir(), 'modeshift-ledger-'));
    writeFileSync(join(folder, 'compose.yaml'), LEDGER);
    // Two databases, so the reports service's password must be named: it reads none.
    const composed = loadComposeFile(join(folder, 'compose.yaml'), {
      environment: 'pr-7',
      mode: 'staging',
      deploymentId: 'ledger-1',
      variables: {},
    });
    const events: unknown[] = [];
    const report = await deployOnTarget(
      target,
      { ...composed, resolved: resolvePolicy(composed.request.mode) },
      { onEvent: (event) => events.push(event) },
    );
    expect(report.status).toBe('SUCCEEDED');

    const { definitions, values } = await expectSecretsResolvable(target);
    const secretsOf = (family: string) =>
      definitions
        .find((definition) => definition.family === family)
        ?.containerDefinitions?.[0]?.secrets?.map((s) => s.name)
        .sort();
    expect(secretsOf('ledger--pr-7--api')).toEqual(['DATABASE_PASSWORD', 'PAYMENTS_API_KEY', 'PGPASSWORD']);
    expect(secretsOf('ledger--pr-7--reports')).toEqual(['PAYMENTS_API_KEY']);
    expect(values).toContain(API_KEY);

    const everything = JSON.stringify({
      definitions,
      events,
      calls: target.calls,
      report,
      logs: await allLogLines(logs),
    });
    for (const value of new Set(values))
      expect(everything.includes(value), `a secret value in plain text`).toBe(false);

    const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({}));
    expect(
      TargetGroups.map((group) => [group.TargetGroupName, group.HealthCheckPath, group.HealthCheckPort]),
    ).toEqual([[serviceNames('ledger', 'pr-7', 'api').targetGroup, '/healthz', 'traffic-port']]);
  });
});
