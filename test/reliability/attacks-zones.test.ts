// End-to-end against the local AWS (moto): a hosted zone modeshift did not create is never taken over.
// Each attack from issue 15 runs against a foreign `corp.test` zone and reads the zone back.
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { composeToRequest } from '../../core/compose.ts';
import { type Overrides, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, downOnTarget } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { useLocalAws } from '../e2e-emulator/local-aws.ts';
import { countAttack } from './stats.ts';

const aws = useLocalAws();

/** One public service answering on `domainname`: the least a deploy into a zone needs. */
function compose(domainname: string): string {
  return [
    'name: shop',
    'services:',
    '  web:',
    '    image: public.ecr.aws/nginx/nginx:1.27',
    `    domainname: ${domainname}`,
    '    ports:',
    '      - target: 80',
    '        mode: ingress',
    '',
  ].join('\n');
}

let deployments = 0;

interface Attack {
  readonly mode: 'development' | 'production';
  readonly environment: string;
  readonly domainname?: string;
  readonly adoptZones?: string[];
  readonly adoptApex?: boolean;
  readonly overrides?: Overrides;
}

function deploy(target: Target, attack: Attack) {
  deployments += 1;
  const composed = composeToRequest(compose(attack.domainname ?? 'corp.test'), {
    environment: attack.environment,
    mode: attack.mode,
    deploymentId: `zones-${deployments}`,
    variables: {},
    ...(attack.adoptZones !== undefined ? { adoptZones: attack.adoptZones } : {}),
    ...(attack.adoptApex ? { adoptApex: true } : {}),
    ...(attack.overrides !== undefined ? { overrides: attack.overrides } : {}),
    ...(attack.mode === 'production' && attack.overrides !== undefined
      ? { confirm: attack.environment }
      : {}),
  });
  return deployOnTarget(target, {
    ...composed,
    resolved: resolvePolicy(composed.request.mode, composed.request.overrides ?? {}),
  });
}

function down(target: Target, environment: string, confirm?: string) {
  return downOnTarget(target, { project: 'shop', environment, ...(confirm ? { confirm } : {}) });
}

const route53 = (target: Target) => target.clients('route53') as Route53Client;

/** The team's own zone: apex A and MX, `www` and `mail`, created by hand (no modeshift tag). */
async function createForeignZone(target: Target): Promise<string> {
  const created = await route53(target).send(
    new CreateHostedZoneCommand({ Name: 'corp.test', CallerReference: 'corp-dns-team-1' }),
  );
  const id = (created.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  const a = (name: string, ip: string): ResourceRecordSet => ({
    Name: name,
    Type: 'A',
    TTL: 300,
    ResourceRecords: [{ Value: ip }],
  });
  await route53(target).send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: id,
      ChangeBatch: {
        Changes: [
          a('corp.test.', '192.0.2.10'),
          {
            Name: 'corp.test.',
            Type: 'MX',
            TTL: 300,
            ResourceRecords: [{ Value: '10 mail.corp.test.' }],
          } satisfies ResourceRecordSet,
          a('www.corp.test.', '192.0.2.11'),
          a('mail.corp.test.', '192.0.2.12'),
        ].map((record) => ({ Action: 'CREATE' as const, ResourceRecordSet: record })),
      },
    }),
  );
  return id;
}

/** The zone as it reads back: whether it is there, its records and its tags. */
async function readZone(target: Target, id: string) {
  const zones = await route53(target).send(new ListHostedZonesByNameCommand({ DNSName: 'corp.test.' }));
  const exists = (zones.HostedZones ?? []).some((zone) => zone.Id?.endsWith(`/${id}`));
  if (!exists) return { exists, records: [] as string[], tags: [] as string[] };
  const listed = await route53(target).send(new ListResourceRecordSetsCommand({ HostedZoneId: id }));
  const records = (listed.ResourceRecordSets ?? [])
    .map(
      (record) =>
        `${record.Name} ${record.Type} ${(record.ResourceRecords ?? []).map((value) => value.Value).join(',')}${record.AliasTarget ? ` alias ${record.AliasTarget.DNSName}` : ''}`,
    )
    .sort();
  const tagged = await route53(target).send(
    new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id }),
  );
  const tags = (tagged.ResourceTagSet?.Tags ?? []).map((tag) => `${tag.Key}=${tag.Value}`).sort();
  return { exists, records, tags };
}

type ZoneState = Awaited<ReturnType<typeof readZone>>;

/** Counts the attack, then says whether the victim's zone reads back as before. */
function victimChanged(before: ZoneState, after: ZoneState): boolean {
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  countAttack(changed);
  return changed;
}

describe('attacks on a hosted zone modeshift did not create', () => {
  it('refuses a production deploy into the foreign zone without adoption, changing nothing in it', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    const report = await deploy(aws.target(), { mode: 'production', environment: 'corp' });
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report).toMatchObject({ status: 'FAILED', error: 'Modeshift.ZoneNotOwned' });
    expect(report.cause).toContain('--adopt-zone corp.test');
    expect(after.records).toContain('corp.test. A 192.0.2.10');
  });

  it('leaves the foreign zone and all its records when a down with destroyZoneOnDown follows', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    await deploy(aws.target(), {
      mode: 'production',
      environment: 'corp',
      overrides: { destroyZoneOnDown: true },
    });
    const report = await down(aws.target(), 'corp', 'corp');
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report.status).toBe('SUCCEEDED');
    expect(after.exists).toBe(true);
  });

  it('never deletes a foreign zone that carries the environment’s tags but was not created by it', async () => {
    const id = await createForeignZone(aws.target());
    await deploy(aws.target(), { mode: 'development', environment: 'pr-9' });
    // As an earlier modeshift left a zone it took over: tagged as the environment's own.
    await route53(aws.target()).send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: id,
        AddTags: [
          { Key: 'modeshift:project', Value: 'shop' },
          { Key: 'modeshift:environment', Value: 'pr-9' },
        ],
      }),
    );
    const before = await readZone(aws.target(), id);

    const report = await down(aws.target(), 'pr-9');
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report).toMatchObject({ status: 'SUCCEEDED', policy: { destroyZoneOnDown: true } });
  });

  it('does not delegate www.corp.test beside the existing www record for an environment named www', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    const report = await deploy(aws.target(), { mode: 'development', environment: 'www' });
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report.status).toBe('SUCCEEDED');
    expect(after.records.filter((record) => record.startsWith('www.corp.test. NS'))).toEqual([]);
  });

  it('refuses the delegation over the www record even when corp.test is adopted', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    const report = await deploy(aws.target(), {
      mode: 'development',
      environment: 'www',
      adoptZones: ['corp.test'],
    });
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report).toMatchObject({ status: 'FAILED', error: 'Modeshift.RecordNotOwned' });
    expect(report.cause).toContain('www.corp.test. A in public hosted zone corp.test.');
  });

  it('refuses to write over the apex A record of an adopted zone, even with the apex adopted', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    const report = await deploy(aws.target(), {
      mode: 'production',
      environment: 'corp',
      adoptZones: ['corp.test'],
      adoptApex: true,
    });
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(report).toMatchObject({ status: 'FAILED', error: 'Modeshift.RecordNotOwned' });
  });

  it('with adoption, writes only its own marked delegation and its down removes only that', async () => {
    const id = await createForeignZone(aws.target());
    const before = await readZone(aws.target(), id);

    const deployed = await deploy(aws.target(), {
      mode: 'development',
      environment: 'pr-7',
      adoptZones: ['corp.test'],
    });
    const during = await readZone(aws.target(), id);
    const downed = await down(aws.target(), 'pr-7');
    const after = await readZone(aws.target(), id);

    expect(victimChanged(before, after)).toBe(false);
    expect(deployed.status).toBe('SUCCEEDED');
    const added = during.records.filter((record) => !before.records.includes(record));
    expect(added.map((record) => record.split(' ').slice(0, 2).join(' '))).toEqual([
      'pr-7._modeshift.corp.test. TXT',
      'pr-7.corp.test. NS',
    ]);
    expect(added[0]).toContain('modeshift:owner=shop/pr-7');
    expect(during.records.filter((record) => !added.includes(record))).toEqual(before.records);
    expect(downed.status).toBe('SUCCEEDED');
  });
});
