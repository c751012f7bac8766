// End-to-end: operating what was deployed — `deploy`'s URLs, `ps` and `ls` — read back from the local AWS.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { environmentNames } from '../../core/names.ts';
import { listEnvironments } from '../../local/records.ts';
import { runCli, SHOP_EXAMPLE } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const onLocalAws = (...args: string[]) => runCli([...args, '--endpoint', aws.endpoint()]);

const deploy = (environment: string, mode: string) =>
  onLocalAws('deploy', '-f', SHOP_EXAMPLE, '--env', environment, '--mode', mode, '--quiet');

/** Deletes the A record of `hostname` from the public zone of that name. */
async function deleteAliasRecord(hostname: string) {
  const route53 = aws.target().clients('route53') as Route53Client;
  const { HostedZones = [] } = await route53.send(new ListHostedZonesByNameCommand({ DNSName: hostname }));
  const zone = HostedZones.find((candidate) => candidate.Name === `${hostname}.`);
  const { ResourceRecordSets = [] } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zone?.Id }),
  );
  const record = ResourceRecordSets.find((set) => set.Name === `${hostname}.` && set.Type === 'A');
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone?.Id,
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] },
    }),
  );
}

describe('operating a deployed environment on the local AWS', () => {
  it('deploy ends with the app’s URL, one per public service, in its text and its JSON', async () => {
    const text = await deploy('ops', 'staging');

    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr.split('\n')[0]).toBe(`target: the AWS API at ${aws.endpoint()}`);
    expect(text.stdout).toContain('✓ deploy succeeded: shop/ops is deployed in staging mode');
    expect(text.stdout).toContain('  web  https://ops.shop.example.com/\n');

    const json = await onLocalAws(
      'deploy',
      '-f',
      SHOP_EXAMPLE,
      '--env',
      'ops',
      '--mode',
      'staging',
      '--json',
      '--quiet',
    );
    expect(JSON.parse(json.stdout).urls).toEqual([{ service: 'web', url: 'https://ops.shop.example.com/' }]);
  }, 120_000);

  it('ps shows each service’s counts, revision, image, capacity and URL read from ECS, ELBv2 and Route 53', async () => {
    expect((await deploy('ops', 'dev')).code).toBe(0);

    const result = await onLocalAws('ps', '--env', 'ops', '-f', SHOP_EXAMPLE, '--json');

    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(result.stdout);
    expect(state.environment).toMatchObject({
      project: 'shop',
      environment: 'ops',
      mode: 'development',
      status: 'deployed',
      lastRun: { action: 'deploy', status: 'succeeded' },
      expiry: { kind: 'idle' },
    });
    expect(state.environment.lock).toBeUndefined();
    expect(state.services.map((service: { name: string }) => service.name)).toEqual(['api', 'web', 'worker']);
    const web = state.services.find((service: { name: string }) => service.name === 'web');
    expect(web).toMatchObject({
      status: 'ACTIVE',
      desired: 2,
      taskDefinition: 'shop--ops--web:1',
      image: expect.stringMatching(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop\/ops\/web:/),
      capacityProvider: 'FARGATE_SPOT (cluster default)',
      urls: [{ url: 'https://ops.shop.example.com/', dns: 'alias' }],
      targetHealth: {},
    });
    const worker = state.services.find((service: { name: string }) => service.name === 'worker');
    expect(worker).toMatchObject({
      desired: 1,
      urls: [],
      image: 'public.ecr.aws/docker/library/python:3.12-slim',
    });
    expect(worker.targetHealth).toBeUndefined();
    expect(state.databases).toEqual([
      expect.objectContaining({
        instance: expect.stringMatching(/^shop-ops-db-[0-9a-f]{8}$/),
        instanceClass: 'db.t4g.micro',
        status: 'available',
        storageEncrypted: true,
        deletionProtection: false,
        endpoint: expect.stringMatching(/\.rds\.amazonaws\.com:5432$/),
      }),
    ]);

    const text = await onLocalAws('ps', '--env', 'ops', '-f', SHOP_EXAMPLE);
    expect(text.stdout).toMatch(/^mode +development$/m);
    expect(text.stdout).toMatch(
      /^web +2 +\d+ +-?\d+ +shop--ops--web:1 +FARGATE_SPOT \(cluster default\) +no targets +https:\/\/ops\.shop\.example\.com\/ /m,
    );
    expect(text.stdout).toMatch(/^shop-ops-db-[0-9a-f]{8} +available +db\.t4g\.micro +on +off /m);
    expect(text.stderr).toContain('note: the local AWS reports 5000 running tasks for every service');
  }, 120_000);

  it('ps says when a hostname’s DNS record is gone, and when there is no such environment', async () => {
    expect((await deploy('ops', 'dev')).code).toBe(0);
    await deleteAliasRecord('ops.shop.example.com');

    const result = await onLocalAws('ps', '--env', 'ops', '-f', SHOP_EXAMPLE);
    expect(result.stdout).toContain('https://ops.shop.example.com/ (no DNS record)');

    const missing = await onLocalAws('ps', '--env', 'nope', '-f', SHOP_EXAMPLE);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no environment shop/nope at ${aws.endpoint()}`);
  }, 120_000);

  it('ls lists every environment with its mode, status, last deploy, expiry and main URL', async () => {
    expect((await deploy('ops', 'dev')).code).toBe(0);
    expect((await deploy('live', 'prod')).code).toBe(0);

    const result = await onLocalAws('ls', '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({
        project: 'shop',
        environment: 'live',
        mode: 'production',
        status: 'deployed',
        expiry: { kind: 'never', why: 'not swept: only development environments expire' },
        url: 'https://shop.example.com/',
      }),
      expect.objectContaining({
        project: 'shop',
        environment: 'ops',
        mode: 'development',
        status: 'deployed',
        lastDeploy: { id: expect.any(String), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        expiry: { kind: 'idle', at: expect.any(String) },
        url: 'https://ops.shop.example.com/',
      }),
    ]);

    const down = await onLocalAws('down', '--env', 'ops', '--project', 'shop', '--quiet');
    expect(down.code).toBe(0);
    const audit = await onLocalAws('audit', '-f', SHOP_EXAMPLE, '--env', 'ops', '--json');
    expect(JSON.parse(audit.stdout)).toMatchObject({ checkedAs: 'down', clean: true, findings: [] });
    expect(audit.code).toBe(0);
    const text = await onLocalAws('ls', '--project', 'shop');
    expect(text.stdout).toMatch(
      /^shop\/live +production +deployed +\S+ \S+ +never .* +https:\/\/shop\.example\.com\/$/m,
    );
    expect(text.stdout).toMatch(/^shop\/ops +development +down +/m);
    expect(text.stdout).not.toContain('https://ops.shop.example.com/');
  }, 180_000);

  it('ls lists a thousand environments across pages, and only a project’s when asked', async () => {
    const dynamodb = aws.target().clients('dynamodb') as DynamoDBClient;
    const table = aws.target().names.tableName;
    const items = Array.from({ length: 1000 }, (_, index) => {
      const project = index % 2 === 0 ? 'alpha' : 'beta';
      const environment = `pr-${String(index).padStart(4, '0')}`;
      const key = environmentNames(project, environment).recordKey;
      return [
        {
          pk: key,
          sk: 'ENV',
          project,
          environment,
          status: 'deployed',
          mode: 'development',
          sweepMode: 'development',
          expiresAt: 0,
          lastActivityAt: 1_796_000_000,
        },
        { pk: key, sk: `HIST#${index}`, action: 'deploy', deploymentId: `d-${index}` },
      ];
    }).flat();
    for (let start = 0; start < items.length; start += 25) {
      await dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })),
          },
        }),
      );
    }

    const all = await onLocalAws('ls', '--json');
    const listed = JSON.parse(all.stdout) as Array<{ project: string; environment: string }>;
    expect(listed).toHaveLength(1000);
    expect(new Set(listed.map((env) => `${env.project}/${env.environment}`)).size).toBe(1000);
    expect(listed[0]).toMatchObject({ project: 'alpha', environment: 'pr-0000' });
    expect(listed[999]).toMatchObject({ project: 'beta', environment: 'pr-0999' });

    const beta = JSON.parse((await onLocalAws('ls', '--project', 'beta', '--json')).stdout);
    expect(beta).toHaveLength(500);
    expect(beta.every((env: { project: string }) => env.project === 'beta')).toBe(true);

    // The reader follows every page: 2000 items, 100 evaluated a page.
    const scansBefore = aws.target().calls.filter((call) => call.command === 'ScanCommand').length;
    const paged = await listEnvironments(dynamodb, table, { pageSize: 100 });
    const scans = aws.target().calls.filter((call) => call.command === 'ScanCommand').length - scansBefore;
    expect(paged).toHaveLength(1000);
    expect(scans).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('ls refuses a bad project name, naming the option, and says when there are no environments', async () => {
    const bad = await onLocalAws('ls', '--project', 'Not_A_Name');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --project: /m);

    const none = await onLocalAws('ls');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`no environments at ${aws.endpoint()}\n`);
  });
});
