import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  ConflictingDomainExists,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepError } from '../../../functions/step-errors.ts';
import {
  type EnsurePublicZonesInput,
  ensurePublicZones,
} from '../../../functions/steps/ensure-public-zones.ts';
import { hostedZone, nameServers, pendingChange } from '../../support/route53-fixtures.ts';

const route53 = mockClient(Route53Client);
const clients = () => ({ route53: new Route53Client({ region: 'us-east-1' }) });

const tags = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'pr-42' },
  { Key: 'modeshift:mode', Value: 'development' },
  { Key: 'modeshift:deployment', Value: 'd-1' },
];
const environmentTags = tags.slice(0, 2);

const preview: EnsurePublicZonesInput = {
  zones: [{ name: 'pr-42.shop.example.com', domain: 'shop.example.com' }],
  tags,
  mode: 'development',
  project: 'shop',
  environment: 'pr-42',
  ttl: 60,
};
const production: EnsurePublicZonesInput = {
  ...preview,
  zones: [{ name: 'shop.example.com', domain: 'shop.example.com' }],
  mode: 'production',
  environment: 'live',
  tags: [
    { Key: 'modeshift:project', Value: 'shop' },
    { Key: 'modeshift:environment', Value: 'live' },
    { Key: 'modeshift:mode', Value: 'production' },
    { Key: 'modeshift:deployment', Value: 'd-9' },
  ],
  ttl: 3600,
};

function zonesNamed(name: string, zones: Array<{ id: string; private?: boolean }>) {
  route53.on(ListHostedZonesByNameCommand, { DNSName: name }).resolves({
    HostedZones: zones.map((zone) => hostedZone(zone.id, name, zone.private)),
    IsTruncated: false,
    MaxItems: 100,
  });
}

function zoneTags(sets: Record<string, Array<{ Key: string; Value: string }>>) {
  route53.on(ListTagsForResourcesCommand).resolves({
    ResourceTagSets: Object.entries(sets).map(([id, zoneTags]) => ({
      ResourceType: 'hostedzone',
      ResourceId: id,
      Tags: zoneTags,
    })),
  });
}

beforeEach(() => {
  route53.reset();
  route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [], IsTruncated: false, MaxItems: 100 });
  route53.on(ListTagsForResourcesCommand).resolves({ ResourceTagSets: [] });
  route53.on(CreateHostedZoneCommand).resolves({
    HostedZone: { Id: '/hostedzone/ZNEW', Name: 'pr-42.shop.example.com.', CallerReference: 'ref' },
    ...pendingChange('C1'),
    DelegationSet: { NameServers: nameServers },
    Location: 'https://route53.amazonaws.com/2013-04-01/hostedzone/ZNEW',
  });
  route53.on(ChangeTagsForResourceCommand).resolves({});
  route53.on(GetHostedZoneCommand).resolves({
    HostedZone: { Id: '/hostedzone/ZNEW', Name: 'pr-42.shop.example.com.', CallerReference: 'ref' },
    DelegationSet: { NameServers: nameServers },
  });
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C2'));
  route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });
});

describe('EnsurePublicZones', () => {
  it('creates a public zone named <environment>.<domain> when none exists', async () => {
    const result = await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(CreateHostedZoneCommand, {
      Name: 'pr-42.shop.example.com',
      HostedZoneConfig: expect.objectContaining({ PrivateZone: false }),
    });
    expect(result).toEqual({
      zones: [{ name: 'pr-42.shop.example.com', domain: 'shop.example.com', id: 'ZNEW' }],
    });
  });

  it('looks the zone up by its exact name before creating it', async () => {
    await ensurePublicZones(preview, clients());

    const commands = route53.calls().map((call) => call.args[0]);
    const lookup = commands.findIndex(
      (command) =>
        command instanceof ListHostedZonesByNameCommand &&
        command.input.DNSName === 'pr-42.shop.example.com.',
    );
    const creation = commands.findIndex((command) => command instanceof CreateHostedZoneCommand);
    expect(lookup).toBeGreaterThanOrEqual(0);
    expect(lookup).toBeLessThan(creation);
  });

  it('uses a new caller reference on every creation attempt', async () => {
    await ensurePublicZones(preview, clients());
    await ensurePublicZones(preview, clients());

    const references = route53
      .commandCalls(CreateHostedZoneCommand)
      .map((call) => call.args[0].input.CallerReference);
    expect(references).toHaveLength(2);
    expect(references[0]).not.toEqual(references[1]);
  });

  it('tags the zone with the modeshift tags', async () => {
    await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceType: 'hostedzone',
      ResourceId: 'ZNEW',
      AddTags: tags,
    });
  });

  it('reuses the zone tagged for the environment instead of creating another', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZOLD' }]);
    zoneTags({ ZOLD: environmentTags });

    const result = await ensurePublicZones(preview, clients());

    expect(route53).not.toHaveReceivedCommand(CreateHostedZoneCommand);
    expect(result.zones[0]?.id).toBe('ZOLD');
  });

  it('reads the tags of the zones carrying the name to tell whose they are', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZOLD' }]);
    zoneTags({ ZOLD: environmentTags });

    await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(ListTagsForResourcesCommand, {
      ResourceType: 'hostedzone',
      ResourceIds: ['ZOLD'],
    });
  });

  it('prefers the environment’s zone when several public zones carry the name', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZSTRAY' }, { id: 'ZOWN' }]);
    zoneTags({ ZSTRAY: [], ZOWN: environmentTags });

    const result = await ensurePublicZones(preview, clients());

    expect(result.zones[0]?.id).toBe('ZOWN');
  });

  it('follows ListHostedZonesByName pages while they still list the name', async () => {
    route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'pr-42.shop.example.com.' })
      .resolvesOnce({
        HostedZones: [{ Id: '/hostedzone/ZSTRAY', Name: 'pr-42.shop.example.com.', CallerReference: 'a' }],
        IsTruncated: true,
        NextDNSName: 'pr-42.shop.example.com.',
        NextHostedZoneId: 'ZOWN',
        MaxItems: 1,
      })
      .resolves({
        HostedZones: [{ Id: '/hostedzone/ZOWN', Name: 'pr-42.shop.example.com.', CallerReference: 'b' }],
        IsTruncated: false,
        MaxItems: 1,
      });
    zoneTags({ ZSTRAY: [], ZOWN: environmentTags });

    const result = await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(ListHostedZonesByNameCommand, {
      DNSName: 'pr-42.shop.example.com.',
      HostedZoneId: 'ZOWN',
    });
    expect(result.zones[0]?.id).toBe('ZOWN');
  });

  it('ignores a private zone of the same name and creates the public one', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZPRIVATE', private: true }]);

    const result = await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandTimes(CreateHostedZoneCommand, 1);
    expect(result.zones[0]?.id).toBe('ZNEW');
  });

  it('refuses a public zone of the name that modeshift did not create, and changes nothing in it', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZDOMAIN' }]);
    zoneTags({ ZDOMAIN: [{ Key: 'team', Value: 'web' }] });

    const run = ensurePublicZones(production, clients());

    await expect(run).rejects.toMatchObject({
      name: 'Modeshift.ZoneNotOwned',
      message: expect.stringContaining('--adopt-zone shop.example.com'),
    });
    expect(route53).not.toHaveReceivedCommand(ChangeTagsForResourceCommand);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(route53).not.toHaveReceivedCommand(CreateHostedZoneCommand);
  });

  it('uses a zone modeshift did not create when the request adopts it, marking it adopted, not owned', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZDOMAIN' }]);
    zoneTags({ ZDOMAIN: [] });

    const result = await ensurePublicZones(
      { ...production, adoptZones: ['shop.example.com'], adoptApex: true },
      clients(),
    );

    expect(result.zones).toEqual([
      { name: 'shop.example.com', domain: 'shop.example.com', id: 'ZDOMAIN', adopted: { apex: true } },
    ]);
    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceId: 'ZDOMAIN',
      AddTags: [{ Key: 'modeshift:adopted:shop/live', Value: 'd-9' }],
    });
    expect(route53).not.toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      AddTags: expect.arrayContaining([{ Key: 'modeshift:project', Value: 'shop' }]),
    });
    expect(route53).not.toHaveReceivedCommand(CreateHostedZoneCommand);
  });

  it('refuses an adopted zone before writing anything when a service would answer on its apex without adoptApex', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZDOMAIN' }]);
    zoneTags({ ZDOMAIN: [] });

    const run = ensurePublicZones(
      {
        ...production,
        adoptZones: ['shop.example.com'],
        publicServices: [
          { service: 'web', hostname: 'shop.example.com', zone: 'shop.example.com', alias: true },
        ],
      },
      clients(),
    );

    await expect(run).rejects.toMatchObject({ name: 'Modeshift.ApexNotAdopted' });
    expect(route53).not.toHaveReceivedCommand(ChangeTagsForResourceCommand);
  });

  it('refuses an adopted zone before writing anything when a service hostname holds another owner’s record', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZDOMAIN' }]);
    zoneTags({ ZDOMAIN: [] });
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZDOMAIN' }).resolves({
      ResourceRecordSets: [
        { Name: 'www.shop.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });

    const run = ensurePublicZones(
      {
        ...production,
        adoptZones: ['shop.example.com'],
        publicServices: [
          { service: 'www', hostname: 'www.shop.example.com', zone: 'shop.example.com', alias: false },
        ],
      },
      clients(),
    );

    await expect(run).rejects.toMatchObject({ name: 'Modeshift.RecordNotOwned' });
    expect(route53).not.toHaveReceivedCommand(ChangeTagsForResourceCommand);
  });

  it('reuses a zone it created whose tags were never written, and tags it', async () => {
    route53.on(ListHostedZonesByNameCommand, { DNSName: 'pr-42.shop.example.com.' }).resolves({
      HostedZones: [
        hostedZone('ZMINE', 'pr-42.shop.example.com.', false, { project: 'shop', environment: 'pr-42' }),
      ],
      IsTruncated: false,
      MaxItems: 100,
    });
    zoneTags({ ZMINE: [] });

    const result = await ensurePublicZones(preview, clients());

    expect(result.zones[0]).toEqual({
      name: 'pr-42.shop.example.com',
      domain: 'shop.example.com',
      id: 'ZMINE',
    });
    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceId: 'ZMINE',
      AddTags: tags,
    });
  });

  it('does not take over a zone another environment created with a caller reference of its own', async () => {
    route53.on(ListHostedZonesByNameCommand, { DNSName: 'pr-42.shop.example.com.' }).resolves({
      HostedZones: [
        hostedZone('ZOTHER', 'pr-42.shop.example.com.', false, { project: 'shop-pr', environment: '42' }),
      ],
      IsTruncated: false,
      MaxItems: 100,
    });
    zoneTags({ ZOTHER: [] });

    await expect(ensurePublicZones(preview, clients())).rejects.toMatchObject({
      name: 'Modeshift.ZoneNotOwned',
    });
  });

  it('refuses a zone of the name that another environment owns, and leaves it untouched', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZTHEIRS' }]);
    zoneTags({
      ZTHEIRS: [
        { Key: 'modeshift:project', Value: 'catalog' },
        { Key: 'modeshift:environment', Value: 'pr-42' },
      ],
    });

    const run = ensurePublicZones(preview, clients());

    await expect(run).rejects.toBeInstanceOf(StepError);
    await expect(run).rejects.toMatchObject({ name: 'Modeshift.ResourceConflict' });
    expect(route53).not.toHaveReceivedCommand(ChangeTagsForResourceCommand);
    expect(route53).not.toHaveReceivedCommand(CreateHostedZoneCommand);
  });

  it('looks the zone up again when creation reports that it already exists', async () => {
    route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'pr-42.shop.example.com.' })
      .resolvesOnce({ HostedZones: [], IsTruncated: false, MaxItems: 100 })
      .resolves({
        // Created by another run of the same environment: its caller reference says so.
        HostedZones: [
          hostedZone('ZRACE', 'pr-42.shop.example.com.', false, { project: 'shop', environment: 'pr-42' }),
        ],
        IsTruncated: false,
        MaxItems: 100,
      });
    route53
      .on(CreateHostedZoneCommand)
      .rejects(new ConflictingDomainExists({ message: 'conflicting domain', $metadata: {} }));

    const result = await ensurePublicZones(preview, clients());

    expect(result.zones[0]?.id).toBe('ZRACE');
  });

  it('delegates a non-production zone from the project’s zone of the domain, marking the NS record as its own', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZPARENT: production.tags.slice(0, 2) });

    await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(GetHostedZoneCommand, { Id: 'ZNEW' });
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZPARENT',
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'pr-42.shop.example.com.',
              Type: 'NS',
              TTL: 60,
              ResourceRecords: nameServers.map((server) => ({ Value: server })),
            },
          },
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'pr-42._modeshift.shop.example.com.',
              Type: 'TXT',
              TTL: 300,
              ResourceRecords: [{ Value: '"modeshift:owner=shop/pr-42"' }],
            },
          },
        ],
      },
    });
  });

  it('does not delegate from a zone of the domain that modeshift did not create and the request does not adopt', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZPARENT: [] });

    const result = await ensurePublicZones(preview, clients());

    expect(result.zones[0]?.id).toBe('ZNEW');
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(route53).not.toHaveReceivedCommandWith(ChangeTagsForResourceCommand, { ResourceId: 'ZPARENT' });
  });

  it('does not delegate from another project’s zone of the domain', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({
      ZPARENT: [
        { Key: 'modeshift:project', Value: 'catalog' },
        { Key: 'modeshift:environment', Value: 'live' },
      ],
    });

    await ensurePublicZones(preview, clients());

    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('delegates from an adopted zone of the domain, tagged as adopted', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZPARENT: [] });

    await ensurePublicZones({ ...preview, adoptZones: ['shop.example.com'] }, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceId: 'ZPARENT',
      AddTags: [{ Key: 'modeshift:adopted:shop/pr-42', Value: 'd-1' }],
    });
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZPARENT',
      ChangeBatch: {
        Changes: [
          expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ Type: 'NS' }) }),
          expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ Type: 'TXT' }) }),
        ],
      },
    });
  });

  it('refuses to delegate over a record of the name that is not its own, writing nothing', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZPARENT: production.tags.slice(0, 2) });
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZPARENT' }).resolves({
      ResourceRecordSets: [
        { Name: 'pr-42.shop.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.7' }] },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });

    const run = ensurePublicZones(preview, clients());

    await expect(run).rejects.toMatchObject({
      name: 'Modeshift.RecordNotOwned',
      message: expect.stringContaining(
        'pr-42.shop.example.com. A in public hosted zone shop.example.com. (ZPARENT)',
      ),
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('rewrites its own unmarked delegation (one that points at its zone’s name servers)', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZPARENT: production.tags.slice(0, 2) });
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'ZPARENT' }).resolves({
      ResourceRecordSets: [
        {
          Name: 'pr-42.shop.example.com.',
          Type: 'NS',
          TTL: 300,
          ResourceRecords: nameServers.map((server) => ({ Value: `${server}.` })),
        },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });

    await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, { HostedZoneId: 'ZPARENT' });
  });

  it('does not delegate when the account holds no zone for the domain', async () => {
    await ensurePublicZones(preview, clients());

    expect(route53).toHaveReceivedCommandWith(ListHostedZonesByNameCommand, { DNSName: 'shop.example.com.' });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(route53).toHaveReceivedCommandTimes(CreateHostedZoneCommand, 1);
  });

  it('never creates or changes a zone for the domain in production, where the zone is the domain itself', async () => {
    zonesNamed('shop.example.com.', [{ id: 'ZDOMAIN' }]);
    zoneTags({ ZDOMAIN: production.tags.slice(0, 2) });

    const result = await ensurePublicZones(production, clients());

    expect(result.zones).toEqual([{ name: 'shop.example.com', domain: 'shop.example.com', id: 'ZDOMAIN' }]);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(route53).not.toHaveReceivedCommand(CreateHostedZoneCommand);
  });

  it('re-applies the tags and the delegation TTL to an existing zone after a mode change', async () => {
    zonesNamed('pr-42.shop.example.com.', [{ id: 'ZOLD' }]);
    zonesNamed('shop.example.com.', [{ id: 'ZPARENT' }]);
    zoneTags({ ZOLD: environmentTags, ZPARENT: production.tags.slice(0, 2) });
    const staging = {
      ...preview,
      mode: 'staging' as const,
      ttl: 300,
      tags: [
        ...environmentTags,
        { Key: 'modeshift:mode', Value: 'staging' },
        { Key: 'modeshift:deployment', Value: 'd-2' },
      ],
    };

    await ensurePublicZones(staging, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeTagsForResourceCommand, {
      ResourceId: 'ZOLD',
      AddTags: staging.tags,
    });
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZPARENT',
      ChangeBatch: {
        Changes: [
          expect.objectContaining({
            Action: 'UPSERT',
            ResourceRecordSet: expect.objectContaining({ Type: 'NS', TTL: 300 }),
          }),
          expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ Type: 'TXT' }) }),
        ],
      },
    });
  });

  it('returns one zone per domain, in input order', async () => {
    route53.on(CreateHostedZoneCommand, { Name: 'pr-42.shop.example.com' }).resolves({
      HostedZone: { Id: '/hostedzone/ZSHOP', Name: 'pr-42.shop.example.com.', CallerReference: 'a' },
    });
    route53.on(CreateHostedZoneCommand, { Name: 'pr-42.admin.example.com' }).resolves({
      HostedZone: { Id: '/hostedzone/ZADMIN', Name: 'pr-42.admin.example.com.', CallerReference: 'b' },
    });

    const result = await ensurePublicZones(
      {
        ...preview,
        zones: [...preview.zones, { name: 'pr-42.admin.example.com', domain: 'admin.example.com' }],
      },
      clients(),
    );

    expect(result.zones).toEqual([
      { name: 'pr-42.shop.example.com', domain: 'shop.example.com', id: 'ZSHOP' },
      { name: 'pr-42.admin.example.com', domain: 'admin.example.com', id: 'ZADMIN' },
    ]);
  });
});
