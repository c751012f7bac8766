import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import {
  ownedRecords,
  ownedWrites,
  ownershipName,
  ownershipRecord,
} from '../../../../functions/aws/route53/record-ownership.ts';
import type { DesiredRecord } from '../../../../functions/aws/route53/record-writes.ts';
import { apexNs, apexSoa, nameServers } from '../../../support/route53-fixtures.ts';

const owner = { project: 'shop', environment: 'live' };
const zone = { name: 'corp.test', id: 'ZCORP' };

/** The team's zone: apex SOA, NS, A and MX; www and mail. */
const teamRecords: ResourceRecordSet[] = [
  apexSoa('corp.test.', 'ns-1.awsdns-01.org'),
  apexNs('corp.test.', nameServers),
  { Name: 'corp.test.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] },
  { Name: 'corp.test.', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mail.corp.test.' }] },
  { Name: 'www.corp.test.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.11' }] },
  { Name: 'mail.corp.test.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.12' }] },
];

const cname = (name: string): DesiredRecord => ({
  Name: name,
  Type: 'CNAME',
  TTL: 3600,
  ResourceRecords: [{ Value: 'shop-live-1.us-east-1.elb.amazonaws.com' }],
});
const apexAlias: DesiredRecord = {
  Name: 'corp.test.',
  Type: 'A',
  AliasTarget: {
    HostedZoneId: 'Z35SXDOTRQ7X7K',
    DNSName: 'shop-live-1.us-east-1.elb.amazonaws.com',
    EvaluateTargetHealth: false,
  },
};
const mark = (name: string, who = 'shop/live'): ResourceRecordSet => ({
  Name: ownershipName(name, 'corp.test'),
  Type: 'TXT',
  TTL: 300,
  ResourceRecords: [{ Value: `"modeshift:owner=${who}"` }],
});

describe('ownership records', () => {
  it('live under _modeshift.<zone>, not beside the record they mark', () => {
    expect(ownershipName('www.corp.test', 'corp.test')).toBe('www._modeshift.corp.test.');
    expect(ownershipName('_a1.api.corp.test.', 'corp.test.')).toBe('_a1.api._modeshift.corp.test.');
    expect(ownershipName('corp.test', 'corp.test')).toBe('_modeshift.corp.test.');
  });

  it('name the environment in a quoted TXT value', () => {
    expect(ownershipRecord('www.corp.test', 'corp.test', owner)).toEqual({
      Name: 'www._modeshift.corp.test.',
      Type: 'TXT',
      TTL: 300,
      ResourceRecords: [{ Value: '"modeshift:owner=shop/live"' }],
    });
  });
});

describe('writing into a zone modeshift did not create', () => {
  it('writes a new name with its ownership record', () => {
    const writes = ownedWrites([cname('api.corp.test.')], { zone, records: teamRecords, owner, apex: false });

    expect(writes).toEqual([cname('api.corp.test.'), ownershipRecord('api.corp.test.', 'corp.test', owner)]);
  });

  it('refuses a name that holds a record without the environment’s mark, naming record and zone', () => {
    expect(() =>
      ownedWrites([cname('www.corp.test.')], { zone, records: teamRecords, owner, apex: false }),
    ).toThrow(
      expect.objectContaining({
        name: 'Modeshift.RecordNotOwned',
        message: expect.stringMatching(/^www\.corp\.test\. A in public hosted zone corp\.test\. \(ZCORP\)/),
      }),
    );
  });

  it('refuses a name marked as another environment’s, even when the record itself is gone', () => {
    expect(() =>
      ownedWrites([cname('api.corp.test.')], {
        zone,
        records: [...teamRecords, mark('api.corp.test.', 'shop/pr-1')],
        owner,
        apex: false,
      }),
    ).toThrow(
      expect.objectContaining({
        name: 'Modeshift.RecordNotOwned',
        message: expect.stringContaining('shop/pr-1'),
      }),
    );
  });

  it('rewrites a name marked as its own', () => {
    const records = [...teamRecords, { ...cname('api.corp.test.'), TTL: 60 }, mark('api.corp.test.')];

    expect(ownedWrites([cname('api.corp.test.')], { zone, records, owner, apex: false })).toHaveLength(2);
  });

  it('never writes the apex unless the apex was adopted', () => {
    const withoutApexA = teamRecords.filter(
      (record) => !(record.Name === 'corp.test.' && record.Type === 'A'),
    );

    expect(() => ownedWrites([apexAlias], { zone, records: withoutApexA, owner, apex: false })).toThrow(
      expect.objectContaining({ name: 'Modeshift.ApexNotAdopted' }),
    );
    expect(ownedWrites([apexAlias], { zone, records: withoutApexA, owner, apex: true })).toEqual([
      apexAlias,
      ownershipRecord('corp.test.', 'corp.test', owner),
    ]);
  });

  it('does not write an adopted apex over the zone’s own address record, though MX, SOA and NS may stay beside it', () => {
    expect(() => ownedWrites([apexAlias], { zone, records: teamRecords, owner, apex: true })).toThrow(
      expect.objectContaining({
        name: 'Modeshift.RecordNotOwned',
        message: expect.stringMatching(/^corp\.test\. A in public hosted zone/),
      }),
    );
  });
});

describe('what down removes from a zone modeshift did not create', () => {
  // Route 53 keeps one record set per name and type: with the apex adopted, the alias is the apex's A.
  const adoptedApex = teamRecords.filter((record) => !(record.Name === 'corp.test.' && record.Type === 'A'));

  it('only the records marked as the environment’s, and their marks', () => {
    const ours = [cname('api.corp.test.'), mark('api.corp.test.'), apexAlias, mark('corp.test.')];
    const theirs = [cname('shop.corp.test.'), mark('shop.corp.test.', 'shop/pr-1')];

    const removed = ownedRecords([...adoptedApex, ...ours, ...theirs], 'corp.test', owner);

    expect(removed).toEqual(expect.arrayContaining(ours));
    expect(removed).toHaveLength(ours.length);
  });

  it('never the apex’s SOA, NS or MX, even when the apex is marked', () => {
    const removed = ownedRecords([...adoptedApex, apexAlias, mark('corp.test.')], 'corp.test', owner);

    expect(removed).toEqual([apexAlias, mark('corp.test.')]);
  });
});
