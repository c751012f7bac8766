import {
  ChangeResourceRecordSetsCommand,
  DeleteHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type RemoveServiceRecordsInput,
  removeServiceRecords,
} from '../../../functions/steps/remove-service-records.ts';
import { apexNs, apexSoa, hostedZone, pendingChange, zoneTagSets } from '../../support/route53-fixtures.ts';
import { teardownInput } from '../../support/step-inputs.ts';

const route53 = mockClient(Route53Client);
const clients = () => ({ route53: new Route53Client({ region: 'us-east-1' }) });

const input = teardownInput('shop', 'staging') satisfies RemoveServiceRecordsInput;
const { environmentTags } = input;

const tagsByZone: Record<string, Array<{ Key: string; Value: string }>> = {
  ZENV: environmentTags,
  ZPARENT: [],
  ZPRIVATE: environmentTags,
};

const LB = 'shop-staging-1234.eu-west-1.elb.amazonaws.com';
const albAlias: ResourceRecordSet = {
  Name: 'staging.shop.example.com.',
  Type: 'A',
  AliasTarget: { HostedZoneId: 'Z32O12XQLNTSW2', DNSName: `${LB}.`, EvaluateTargetHealth: false },
};
const albAliasIpv6: ResourceRecordSet = {
  Name: 'staging.shop.example.com.',
  Type: 'AAAA',
  AliasTarget: { HostedZoneId: 'Z32O12XQLNTSW2', DNSName: `dualstack.${LB}.`, EvaluateTargetHealth: false },
};
const serviceCname: ResourceRecordSet = {
  Name: 'web.staging.shop.example.com.',
  Type: 'CNAME',
  TTL: 300,
  ResourceRecords: [{ Value: LB }],
};
const validationCname: ResourceRecordSet = {
  Name: '_a1b2c3.staging.shop.example.com.',
  Type: 'CNAME',
  TTL: 300,
  ResourceRecords: [{ Value: '_d4e5f6.xyzabc.acm-validations.aws.' }],
};
const kept: ResourceRecordSet[] = [
  apexSoa('staging.shop.example.com.', 'ns-1.awsdns-01.org'),
  apexNs('staging.shop.example.com.', ['ns-1.awsdns-01.org']),
  {
    Name: 'staging.shop.example.com.',
    Type: 'MX',
    TTL: 300,
    ResourceRecords: [{ Value: '10 mail.example.com.' }],
  },
  { Name: 'staging.shop.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] },
  {
    Name: 'www.staging.shop.example.com.',
    Type: 'CNAME',
    TTL: 300,
    ResourceRecords: [{ Value: 'shop.example.net' }],
  },
  {
    Name: 'cdn.staging.shop.example.com.',
    Type: 'A',
    AliasTarget: {
      HostedZoneId: 'Z2FDTNDATAQYW2',
      DNSName: 'd111111abcdef8.cloudfront.net.',
      EvaluateTargetHealth: false,
    },
  },
  {
    Name: '_dmarc.staging.shop.example.com.',
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [{ Value: '"v=DMARC1; p=none"' }],
  },
];

beforeEach(() => {
  route53.reset();
  route53.on(ListHostedZonesCommand).resolves({
    HostedZones: [
      hostedZone('ZPARENT', 'shop.example.com.'),
      hostedZone('ZENV', 'staging.shop.example.com.'),
      hostedZone('ZPRIVATE', 'staging.shop.internal.', true),
    ],
    IsTruncated: false,
    MaxItems: 100,
    Marker: '',
  });
  route53.on(ListTagsForResourcesCommand).callsFake(zoneTagSets(tagsByZone));
  route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });
  route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZENV' }).resolves({
    ResourceRecordSets: [albAlias, albAliasIpv6, ...kept, serviceCname, validationCname],
    IsTruncated: false,
    MaxItems: 300,
  });
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C1'));
});

describe('RemoveServiceRecords', () => {
  it('deletes the load balancer aliases, the CNAMEs to it and the ACM validation records, exactly as listed', async () => {
    await removeServiceRecords(input, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZENV',
      ChangeBatch: {
        Changes: [albAlias, albAliasIpv6, serviceCname, validationCname].map((record) => ({
          Action: 'DELETE' as const,
          ResourceRecordSet: record,
        })),
      },
    });
  });

  it('keeps the zone and every record modeshift did not write', async () => {
    await removeServiceRecords(input, clients());

    const deleted = route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .flatMap((call) => call.args[0].input.ChangeBatch?.Changes ?? [])
      .map((change) => change.ResourceRecordSet);
    for (const record of kept) expect(deleted).not.toContainEqual(record);
    expect(route53).not.toHaveReceivedCommand(DeleteHostedZoneCommand);
  });

  it('touches only the zones tagged for the environment, never the parent or a private zone', async () => {
    await removeServiceRecords(input, clients());

    const zones = route53
      .commandCalls(ListResourceRecordSetsCommand)
      .map((call) => call.args[0].input.HostedZoneId);
    expect(zones).toEqual(['ZENV']);
    expect(route53).toHaveReceivedCommandWith(ListTagsForResourcesCommand, {
      ResourceType: 'hostedzone',
      ResourceIds: ['ZPARENT', 'ZENV'],
    });
  });

  it('makes no change when the zone holds none of modeshift’s records', async () => {
    route53
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZENV' })
      .resolves({ ResourceRecordSets: kept, IsTruncated: false, MaxItems: 300 });

    const result = await removeServiceRecords(input, clients());

    expect(result).toEqual({});
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('deletes in batches of at most 100 changes', async () => {
    const many = Array.from({ length: 150 }, (_, index) => ({
      ...serviceCname,
      Name: `svc${index}.staging.shop.example.com.`,
    }));
    route53
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZENV' })
      .resolves({ ResourceRecordSets: many, IsTruncated: false, MaxItems: 300 });

    await removeServiceRecords(input, clients());

    const sizes = route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .map((call) => call.args[0].input.ChangeBatch?.Changes?.length);
    expect(sizes).toEqual([100, 50]);
  });
});
