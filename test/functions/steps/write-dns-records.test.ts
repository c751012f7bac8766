import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { environmentNames } from '../../../core/names.ts';
import type { ZoneRef } from '../../../functions/resource-refs.ts';
import {
  type PublicServiceHostname,
  type WriteDnsRecordsInput,
  writeDnsRecords,
} from '../../../functions/steps/write-dns-records.ts';
import { pendingChange } from '../../support/route53-fixtures.ts';

const route53 = mockClient(Route53Client);
const clients = () => ({ route53: new Route53Client({ region: 'us-east-1' }) });

const LB_DNS = 'shop-pr-42-1234567890.us-east-1.elb.amazonaws.com';
const LB_ZONE = 'Z35SXDOTRQ7X7K';

const input: WriteDnsRecordsInput = {
  project: 'shop',
  environment: 'pr-42',
  writeMode: 'upsert',
  ttl: 60,
  names: environmentNames('shop', 'pr-42'),
  zones: [{ name: 'pr-42.shop.example.com', domain: 'shop.example.com', id: 'ZPUBLIC' }],
  publicServices: [
    { service: 'web', hostname: 'web.pr-42.shop.example.com', zone: 'pr-42.shop.example.com', alias: false },
    {
      service: 'storefront',
      hostname: 'pr-42.shop.example.com',
      zone: 'pr-42.shop.example.com',
      alias: true,
    },
  ],
  loadBalancer: {
    arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-pr-42/abc',
    dnsName: LB_DNS,
    canonicalHostedZoneId: LB_ZONE,
    accessLogBucket: 'shop-pr-42-lb-logs-12345678',
    shared: false,
    targetGroups: [],
  },
  namespace: {
    id: 'ns-abc',
    name: 'pr-42.shop.internal',
    hostedZoneId: 'ZPRIVATE',
    ready: true,
  },
  databases: [
    {
      name: 'db',
      instance: 'shop-pr-42-db',
      databaseName: 'shop',
      username: 'shop',
      endpoint: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com',
    },
  ],
};

const webCname: ResourceRecordSet = {
  Name: 'web.pr-42.shop.example.com.',
  Type: 'CNAME',
  TTL: 60,
  ResourceRecords: [{ Value: LB_DNS }],
};
const storefrontAlias: ResourceRecordSet = {
  Name: 'pr-42.shop.example.com.',
  Type: 'A',
  AliasTarget: { HostedZoneId: LB_ZONE, DNSName: LB_DNS, EvaluateTargetHealth: false },
};
const databaseCname: ResourceRecordSet = {
  Name: 'db.pr-42.shop.internal.',
  Type: 'CNAME',
  TTL: 60,
  ResourceRecords: [{ Value: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com' }],
};

function changesIn(zoneId: string) {
  return route53
    .commandCalls(ChangeResourceRecordSetsCommand)
    .filter((call) => call.args[0].input.HostedZoneId === zoneId)
    .map((call) => call.args[0].input.ChangeBatch?.Changes);
}

function inZone(record: ResourceRecordSet) {
  route53
    .on(ListResourceRecordSetsCommand, { StartRecordName: record.Name, StartRecordType: record.Type })
    .resolves({ ResourceRecordSets: [record], IsTruncated: false, MaxItems: 1 });
}

beforeEach(() => {
  route53.reset();
  route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 1 });
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C1'));
  route53.on(GetHostedZoneCommand).callsFake((request: { Id: string }) => ({
    HostedZone: { Id: `/hostedzone/${request.Id}`, Name: `${input.namespace.name}.`, CallerReference: 'ns' },
  }));
});

describe('WriteDnsRecords', () => {
  it('upserts an alias A record to the load balancer, without a TTL, for a service that owns its domain', async () => {
    await writeDnsRecords(input, clients());

    const [changes] = changesIn('ZPUBLIC');
    const alias = changes?.find((change) => change.ResourceRecordSet?.Type === 'A');
    expect(alias).toEqual({ Action: 'UPSERT', ResourceRecordSet: storefrontAlias });
    expect(alias?.ResourceRecordSet).not.toHaveProperty('TTL');
  });

  it('upserts a CNAME to the load balancer with the mode’s TTL for a service subdomain', async () => {
    await writeDnsRecords(input, clients());

    const [changes] = changesIn('ZPUBLIC');
    expect(changes).toContainEqual({ Action: 'UPSERT', ResourceRecordSet: webCname });
  });

  it('upserts <database>.<namespace> as a CNAME to the RDS endpoint with the mode’s TTL in the private zone', async () => {
    await writeDnsRecords(input, clients());

    expect(changesIn('ZPRIVATE')).toEqual([[{ Action: 'UPSERT', ResourceRecordSet: databaseCname }]]);
  });

  it('writes one change batch per zone and counts the records', async () => {
    const result = await writeDnsRecords(input, clients());

    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    expect(result).toEqual({ written: 3 });
  });

  it('carries the mode’s TTL on every record but the alias', async () => {
    await writeDnsRecords({ ...input, ttl: 3600 }, clients());

    const records = route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .flatMap((call) => call.args[0].input.ChangeBatch?.Changes ?? [])
      .map((change) => change.ResourceRecordSet);
    expect(
      records.filter((record) => record?.AliasTarget === undefined).map((record) => record?.TTL),
    ).toEqual([3600, 3600]);
  });

  it('upserts only the records that differ: one already as desired is not written again', async () => {
    inZone(webCname);

    const result = await writeDnsRecords(input, clients());

    expect(changesIn('ZPUBLIC')).toEqual([[{ Action: 'UPSERT', ResourceRecordSet: storefrontAlias }]]);
    expect(result).toEqual({ written: 2 });
  });

  it('upserts a record whose TTL differs (a mode change)', async () => {
    inZone({ ...webCname, TTL: 60 });

    await writeDnsRecords({ ...input, ttl: 300 }, clients());

    expect(changesIn('ZPUBLIC')[0]).toContainEqual({
      Action: 'UPSERT',
      ResourceRecordSet: { ...webCname, TTL: 300 },
    });
  });

  it('recreates a record that differs: deletes it exactly as it is and creates the new one in one batch', async () => {
    const current: ResourceRecordSet = {
      ...webCname,
      TTL: 300,
      ResourceRecords: [{ Value: 'old-lb.us-east-1.elb.amazonaws.com' }],
    };
    inZone(current);

    await writeDnsRecords({ ...input, writeMode: 'recreate' }, clients());

    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: 'ZPUBLIC',
      StartRecordName: 'web.pr-42.shop.example.com.',
      StartRecordType: 'CNAME',
    });
    expect(changesIn('ZPUBLIC')).toEqual([
      [
        { Action: 'DELETE', ResourceRecordSet: current },
        { Action: 'CREATE', ResourceRecordSet: webCname },
        { Action: 'CREATE', ResourceRecordSet: storefrontAlias },
      ],
    ]);
  });

  it('only creates records that do not exist yet when recreating', async () => {
    await writeDnsRecords({ ...input, writeMode: 'recreate' }, clients());

    expect(changesIn('ZPRIVATE')).toEqual([[{ Action: 'CREATE', ResourceRecordSet: databaseCname }]]);
  });

  it('leaves a record already exactly as desired when recreating', async () => {
    inZone(storefrontAlias);

    const result = await writeDnsRecords({ ...input, writeMode: 'recreate' }, clients());

    const [changes] = changesIn('ZPUBLIC');
    expect(changes?.map((change) => change.ResourceRecordSet?.Type)).toEqual(['CNAME']);
    expect(result).toEqual({ written: 2 });
  });

  it('leaves an alias already as desired when the zone lists it with a TTL of 0, as moto does', async () => {
    inZone({ ...storefrontAlias, TTL: 0 });

    await writeDnsRecords({ ...input, writeMode: 'recreate' }, clients());

    const [changes] = changesIn('ZPUBLIC');
    expect(changes?.map((change) => change.ResourceRecordSet?.Type)).toEqual(['CNAME']);
  });

  it('recreates an alias record that points at another load balancer, deleting it without a TTL', async () => {
    const previous: ResourceRecordSet = {
      ...storefrontAlias,
      AliasTarget: {
        HostedZoneId: LB_ZONE,
        DNSName: 'old-lb.us-east-1.elb.amazonaws.com.',
        EvaluateTargetHealth: false,
      },
    };
    inZone(previous);

    await writeDnsRecords({ ...input, writeMode: 'recreate' }, clients());

    const [changes] = changesIn('ZPUBLIC');
    expect(changes).toContainEqual({ Action: 'DELETE', ResourceRecordSet: previous });
    expect(changes).toContainEqual({ Action: 'CREATE', ResourceRecordSet: storefrontAlias });
  });

  it('makes no call when there is nothing to write', async () => {
    const result = await writeDnsRecords(
      {
        ...input,
        zones: [],
        publicServices: [{ service: 'web', alias: false }],
        loadBalancer: {},
        databases: [],
      },
      clients(),
    );

    expect(result).toEqual({ written: 0 });
    expect(route53).not.toHaveReceivedAnyCommand();
  });

  it('refuses a hostname whose zone is not one of the environment’s zones', async () => {
    const run = writeDnsRecords(
      {
        ...input,
        publicServices: [
          { service: 'web', hostname: 'web.pr-42.other.org', zone: 'pr-42.other.org', alias: false },
        ],
      },
      clients(),
    );

    await expect(run).rejects.toMatchObject({ name: 'Modeshift.ZoneNotFound' });
  });

  it('refuses a hostname when the environment has no load balancer', async () => {
    const run = writeDnsRecords({ ...input, loadBalancer: {} }, clients());

    await expect(run).rejects.toMatchObject({ name: 'Modeshift.InvalidInput' });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('names database records under the namespace zone’s own name, as the zone reports it', async () => {
    route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: '/hostedzone/ZPRIVATE', Name: 'pr-42.shop.internal-hz.', CallerReference: 'ns' },
    });

    await writeDnsRecords({ ...input, publicServices: [], zones: [] }, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: expect.objectContaining({
        Changes: [
          expect.objectContaining({
            ResourceRecordSet: expect.objectContaining({ Name: 'db.pr-42.shop.internal-hz.' }),
          }),
        ],
      }),
    });
  });
});

describe('WriteDnsRecords — into an adopted zone', () => {
  const adopted: WriteDnsRecordsInput = {
    ...input,
    zones: [{ ...(input.zones[0] as ZoneRef), adopted: { apex: false } }],
    publicServices: [input.publicServices[0] as PublicServiceHostname],
    databases: [],
  };
  const mark = {
    Name: 'web._modeshift.pr-42.shop.example.com.',
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [{ Value: '"modeshift:owner=shop/pr-42"' }],
  } satisfies ResourceRecordSet;

  it('writes each record with the TXT record that marks it as the environment’s', async () => {
    await writeDnsRecords(adopted, clients());

    expect(changesIn('ZPUBLIC')).toEqual([
      [
        { Action: 'UPSERT', ResourceRecordSet: webCname },
        { Action: 'UPSERT', ResourceRecordSet: mark },
      ],
    ]);
  });

  it('refuses a hostname that holds another owner’s record, writing nothing', async () => {
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZPUBLIC' }).resolves({
      ResourceRecordSets: [{ ...webCname, ResourceRecords: [{ Value: 'team.example.net' }] }],
      IsTruncated: false,
    });

    await expect(writeDnsRecords(adopted, clients())).rejects.toMatchObject({
      name: 'Modeshift.RecordNotOwned',
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('refuses the apex of a zone whose apex was not adopted, writing nothing', async () => {
    await expect(
      writeDnsRecords({ ...adopted, publicServices: input.publicServices }, clients()),
    ).rejects.toMatchObject({ name: 'Modeshift.ApexNotAdopted' });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});
