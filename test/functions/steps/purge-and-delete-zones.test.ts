import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  DeleteHostedZoneCommand,
  GetHostedZoneCommand,
  type HostedZone,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  NoSuchHostedZone,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type PurgeAndDeleteZonesInput,
  purgeAndDeleteZones,
} from '../../../functions/steps/purge-and-delete-zones.ts';
import {
  apexNs,
  apexSoa,
  hostedZone,
  nameServers,
  pendingChange,
  zoneTagSets,
} from '../../support/route53-fixtures.ts';
import { teardownInput } from '../../support/step-inputs.ts';

const route53 = mockClient(Route53Client);
const clients = () => ({ route53: new Route53Client({ region: 'us-east-1' }) });

const input = teardownInput('shop', 'pr-42') satisfies PurgeAndDeleteZonesInput;
const { environmentTags } = input;

const accountZones = [
  hostedZone('ZENV', 'pr-42.shop.example.com.', false, { project: 'shop', environment: 'pr-42' }),
  hostedZone('ZPARENT', 'shop.example.com.'),
  hostedZone('ZSIBLING', 'pr-43.shop.example.com.'),
  hostedZone('ZPRIVATE', 'pr-42.shop.internal.', true),
];
const tagsByZone: Record<string, Array<{ Key: string; Value: string }>> = {
  ZENV: [...environmentTags, { Key: 'modeshift:mode', Value: 'development' }],
  ZPARENT: [],
  ZSIBLING: [
    { Key: 'modeshift:project', Value: 'shop' },
    { Key: 'modeshift:environment', Value: 'pr-43' },
  ],
  ZPRIVATE: environmentTags,
};

const soa = apexSoa('pr-42.shop.example.com.', 'ns-1.awsdns-01.org');
const ns = apexNs('pr-42.shop.example.com.', nameServers);
const environmentRecords: ResourceRecordSet[] = [
  {
    Name: 'pr-42.shop.example.com.',
    Type: 'A',
    AliasTarget: {
      HostedZoneId: 'Z35SXDOTRQ7X7K',
      DNSName: 'shop-pr-42-1.us-east-1.elb.amazonaws.com.',
      EvaluateTargetHealth: false,
    },
  },
  ns,
  soa,
  {
    Name: '_a1b2.pr-42.shop.example.com.',
    Type: 'CNAME',
    TTL: 60,
    ResourceRecords: [{ Value: '_c3.acm-validations.aws.' }],
  },
  {
    Name: 'team.pr-42.shop.example.com.',
    Type: 'NS',
    TTL: 60,
    ResourceRecords: [{ Value: 'ns-9.awsdns-09.com.' }],
  },
  {
    Name: 'web.pr-42.shop.example.com.',
    Type: 'CNAME',
    TTL: 60,
    ResourceRecords: [{ Value: 'shop-pr-42-1.us-east-1.elb.amazonaws.com' }],
  },
];
const delegation: ResourceRecordSet = {
  Name: 'pr-42.shop.example.com.',
  Type: 'NS',
  TTL: 60,
  ResourceRecords: nameServers.map((server) => ({ Value: server })),
};

function changesIn(zoneId: string) {
  return route53
    .commandCalls(ChangeResourceRecordSetsCommand)
    .filter((call) => call.args[0].input.HostedZoneId === zoneId)
    .flatMap((call) => call.args[0].input.ChangeBatch?.Changes ?? []);
}

function commandIndex(predicate: (command: unknown) => boolean): number {
  return route53.calls().findIndex((call) => predicate(call.args[0]));
}

beforeEach(() => {
  route53.reset();
  route53
    .on(ListHostedZonesCommand)
    .resolves({ HostedZones: accountZones, IsTruncated: false, MaxItems: 100, Marker: '' });
  route53.on(ListTagsForResourcesCommand).callsFake(zoneTagSets(tagsByZone));
  route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });
  route53
    .on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZENV' })
    .resolves({ ResourceRecordSets: environmentRecords, IsTruncated: false, MaxItems: 300 });
  route53
    .on(ListResourceRecordSetsCommand, {
      HostedZoneId: 'ZPARENT',
      StartRecordName: 'pr-42.shop.example.com.',
      StartRecordType: 'NS',
    })
    .resolves({ ResourceRecordSets: [delegation], IsTruncated: false, MaxItems: 1 });
  route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [], IsTruncated: false, MaxItems: 100 });
  route53.on(ListHostedZonesByNameCommand, { DNSName: 'shop.example.com.' }).resolves({
    HostedZones: [hostedZone('ZPARENT', 'shop.example.com.')],
    IsTruncated: false,
    MaxItems: 100,
  });
  route53.on(GetHostedZoneCommand, { Id: 'ZENV' }).resolves({
    HostedZone: hostedZone('ZENV', 'pr-42.shop.example.com.'),
    DelegationSet: { NameServers: nameServers },
  });
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C1'));
  route53.on(DeleteHostedZoneCommand).resolves(pendingChange('C2'));
});

describe('PurgeAndDeleteZones', () => {
  it('deletes every record of the environment’s zone except the apex SOA and NS, exactly as listed', async () => {
    await purgeAndDeleteZones(input, clients());

    const deleted = changesIn('ZENV');
    expect(deleted.every((change) => change.Action === 'DELETE')).toBe(true);
    expect(deleted.map((change) => change.ResourceRecordSet)).toEqual(
      environmentRecords.filter((record) => record !== soa && record !== ns),
    );
  });

  it('deletes the environment’s zone once it is empty', async () => {
    await purgeAndDeleteZones(input, clients());

    expect(route53).toHaveReceivedCommandWith(DeleteHostedZoneCommand, { Id: 'ZENV' });
    const purge = commandIndex(
      (command) =>
        command instanceof ChangeResourceRecordSetsCommand && command.input.HostedZoneId === 'ZENV',
    );
    const deletion = commandIndex((command) => command instanceof DeleteHostedZoneCommand);
    expect(purge).toBeLessThan(deletion);
  });

  it('removes the delegation from the parent zone before deleting the zone', async () => {
    await purgeAndDeleteZones(input, clients());

    expect(changesIn('ZPARENT')).toEqual([{ Action: 'DELETE', ResourceRecordSet: delegation }]);
    const undelegation = commandIndex(
      (command) =>
        command instanceof ChangeResourceRecordSetsCommand && command.input.HostedZoneId === 'ZPARENT',
    );
    const deletion = commandIndex((command) => command instanceof DeleteHostedZoneCommand);
    expect(undelegation).toBeLessThan(deletion);
  });

  it('never purges or deletes the untagged parent zone, another environment’s zone or a private zone', async () => {
    await purgeAndDeleteZones(input, clients());

    expect(route53).toHaveReceivedCommandTimes(DeleteHostedZoneCommand, 1);
    const listedZones = route53
      .commandCalls(ListResourceRecordSetsCommand)
      .filter((call) => call.args[0].input.StartRecordName === undefined)
      .map((call) => call.args[0].input.HostedZoneId);
    expect(listedZones).toEqual(['ZENV']);
    expect(changesIn('ZSIBLING')).toEqual([]);
    expect(changesIn('ZPRIVATE')).toEqual([]);
  });

  it('finds the zones by the environment’s tags, reading the tags of public zones only', async () => {
    await purgeAndDeleteZones(input, clients());

    expect(route53).toHaveReceivedCommandWith(ListTagsForResourcesCommand, {
      ResourceType: 'hostedzone',
      ResourceIds: ['ZENV', 'ZPARENT', 'ZSIBLING'],
    });
  });

  it('reads zone tags in batches of 10', async () => {
    const many = Array.from({ length: 12 }, (_, index) => hostedZone(`Z${index}`, `z${index}.example.com.`));
    route53
      .on(ListHostedZonesCommand)
      .resolves({ HostedZones: many, IsTruncated: false, MaxItems: 100, Marker: '' });

    await purgeAndDeleteZones(input, clients());

    const batches = route53
      .commandCalls(ListTagsForResourcesCommand)
      .map((call) => call.args[0].input.ResourceIds?.length);
    expect(batches).toEqual([10, 2]);
  });

  it('follows ListHostedZones and ListResourceRecordSets pages', async () => {
    route53
      .on(ListHostedZonesCommand)
      .resolvesOnce({
        HostedZones: [accountZones[1] as HostedZone],
        IsTruncated: true,
        NextMarker: 'ZENV',
        MaxItems: 1,
        Marker: '',
      })
      .resolves({
        HostedZones: [accountZones[0] as HostedZone],
        IsTruncated: false,
        MaxItems: 1,
        Marker: 'ZENV',
      });
    route53
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZENV' })
      .resolvesOnce({
        ResourceRecordSets: [ns, soa],
        IsTruncated: true,
        NextRecordName: 'web.pr-42.shop.example.com.',
        NextRecordType: 'CNAME',
        MaxItems: 2,
      })
      .resolves({ ResourceRecordSets: environmentRecords.slice(-1), IsTruncated: false, MaxItems: 2 });

    await purgeAndDeleteZones(input, clients());

    expect(route53).toHaveReceivedCommandWith(ListHostedZonesCommand, { Marker: 'ZENV' });
    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: 'ZENV',
      StartRecordName: 'web.pr-42.shop.example.com.',
      StartRecordType: 'CNAME',
    });
    expect(changesIn('ZENV')).toEqual([{ Action: 'DELETE', ResourceRecordSet: environmentRecords.at(-1) }]);
  });

  it('leaves a parent NS record of the same name that points at other name servers', async () => {
    route53
      .on(ListResourceRecordSetsCommand, {
        HostedZoneId: 'ZPARENT',
        StartRecordName: 'pr-42.shop.example.com.',
        StartRecordType: 'NS',
      })
      .resolves({
        ResourceRecordSets: [{ ...delegation, ResourceRecords: [{ Value: 'ns1.elsewhere.net.' }] }],
        IsTruncated: false,
        MaxItems: 1,
      });

    await purgeAndDeleteZones(input, clients());

    expect(changesIn('ZPARENT')).toEqual([]);
    expect(route53).toHaveReceivedCommandWith(DeleteHostedZoneCommand, { Id: 'ZENV' });
  });

  it('changes no other zone when the account holds no parent zone', async () => {
    route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'shop.example.com.' })
      .resolves({ HostedZones: [], IsTruncated: false, MaxItems: 100 });

    await purgeAndDeleteZones(input, clients());

    expect(route53).toHaveReceivedCommandWith(ListHostedZonesByNameCommand, { DNSName: 'example.com.' });
    const changedZones = route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .map((call) => call.args[0].input.HostedZoneId);
    expect(new Set(changedZones)).toEqual(new Set(['ZENV']));
    expect(route53).toHaveReceivedCommandWith(DeleteHostedZoneCommand, { Id: 'ZENV' });
  });

  it('counts a zone deleted in the meantime as deleted', async () => {
    route53.on(DeleteHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'gone', $metadata: {} }));

    await expect(purgeAndDeleteZones(input, clients())).resolves.toEqual({});
  });

  it('changes nothing when no zone is tagged for the environment', async () => {
    const result = await purgeAndDeleteZones({ ...input, environment: 'pr-99' }, clients());

    expect(result).toEqual({});
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(route53).not.toHaveReceivedCommand(DeleteHostedZoneCommand);
  });
});

describe('PurgeAndDeleteZones — zones the environment did not create', () => {
  const ownDelegationMark: ResourceRecordSet = {
    Name: 'pr-42._modeshift.shop.example.com.',
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [{ Value: '"modeshift:owner=shop/pr-42"' }],
  };
  const teamWww: ResourceRecordSet = {
    Name: 'www.shop.example.com.',
    Type: 'A',
    TTL: 300,
    ResourceRecords: [{ Value: '192.0.2.11' }],
  };

  it('removes only its marked delegation from an adopted parent, and the adoption tag', async () => {
    tagsByZone.ZPARENT = [{ Key: 'modeshift:adopted:shop/pr-42', Value: 'd-1' }];
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZPARENT' }).resolves({
      ResourceRecordSets: [delegation, ownDelegationMark, teamWww],
      IsTruncated: false,
    });
    route53.on(ChangeTagsForResourceCommand).resolves({});

    try {
      await purgeAndDeleteZones(input, clients());
    } finally {
      tagsByZone.ZPARENT = [];
    }

    // The mocked zone keeps listing what was deleted, so the delegation may be deleted twice here.
    const changes = changesIn('ZPARENT');
    expect(changes).toContainEqual({ Action: 'DELETE', ResourceRecordSet: delegation });
    expect(changes).toContainEqual({ Action: 'DELETE', ResourceRecordSet: ownDelegationMark });
    expect(changes.filter((change) => change.ResourceRecordSet?.Name === teamWww.Name)).toEqual([]);
    expect(changes.every((change) => change.Action === 'DELETE')).toBe(true);
    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceId: 'ZPARENT',
      RemoveTagKeys: ['modeshift:adopted:shop/pr-42'],
    });
    expect(route53).not.toHaveReceivedCommandWith(DeleteHostedZoneCommand, { Id: 'ZPARENT' });
  });

  it('never deletes a zone tagged for the environment that it did not create, and leaves its records but its own', async () => {
    route53.on(ListHostedZonesCommand).resolves({
      HostedZones: [hostedZone('ZENV', 'pr-42.shop.example.com.')],
      IsTruncated: false,
    });

    await purgeAndDeleteZones(input, clients());

    expect(route53).not.toHaveReceivedCommand(DeleteHostedZoneCommand);
    expect(changesIn('ZENV').map((change) => change.ResourceRecordSet?.Name)).toEqual([
      'pr-42.shop.example.com.',
      '_a1b2.pr-42.shop.example.com.',
      'web.pr-42.shop.example.com.',
    ]);
  });
});
