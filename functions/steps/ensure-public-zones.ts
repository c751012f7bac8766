/**
 * EnsurePublicZones: the environment's public hosted zone per domain (docs/design.md
 * §2) — the domain itself in production, `<environment>.<domain>` elsewhere.
 *
 * modeshift creates the zones it needs. A zone of the name is used only when
 * this environment created it (its tags, or its caller reference after a run
 * that stopped before tagging), or when the request adopts it on purpose
 * (`adoptZones`): an adopted zone is never tagged as the environment's, only
 * marked `modeshift:adopted:<project>/<environment>`, and the later steps write
 * there only records marked as the environment's (aws/route53/record-ownership.ts).
 * Any other zone of the name stops the deploy before anything is written:
 * `Modeshift.ZoneNotOwned` (no modeshift environment's), or
 * `Modeshift.ResourceConflict` (another environment's).
 *
 * A non-production zone is delegated from the domain's public zone (an NS
 * record with the mode's TTL, marked as the environment's) only when that zone
 * belongs to the same project or is adopted, and never over a record at the
 * name that is not the environment's. A parent zone is never created.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { ZoneSpec } from '../../core/execution-input.ts';
import type { Mode } from '../../core/policy.ts';
import {
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  isTaggedForEnvironment,
  PROJECT_TAG,
} from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { absoluteDnsName, bareHostedZoneId, sameDnsName } from '../aws/route53/dns-name.ts';
import {
  adoptionTagKey,
  hostedZoneTags,
  isCreatedBy,
  isTaggedByModeshift,
  zoneCallerReferencePrefix,
} from '../aws/route53/environment-zones.ts';
import { type FoundZone, findPublicZonesByName } from '../aws/route53/public-zones-by-name.ts';
import { ownedWrites } from '../aws/route53/record-ownership.ts';
import { type DesiredRecord, writeRecords } from '../aws/route53/record-writes.ts';
import { listRecords } from '../aws/route53/zone-records.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { Tag, ZoneRef } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';
import type { PublicServiceHostname } from './write-dns-records.ts';

export interface EnsurePublicZonesInput {
  /** One entry per domain: the zone's name and the domain it is for. */
  readonly zones: readonly ZoneSpec[];
  /** The four modeshift tags, put on every zone. */
  readonly tags: readonly Tag[];
  /** The deployment's mode. The zone names already reflect it (`zones[].name`); the step does not branch on it. */
  readonly mode: Mode;
  readonly project: string;
  readonly environment: string;
  /** The mode's DNS TTL in seconds: the delegation's NS record carries it. */
  readonly ttl: number;
  /**
   * Zones modeshift did not create that the request adopts (`adoptZones`): the environment's zone,
   * or the domain's zone its delegation goes into. @default []
   */
  readonly adoptZones?: readonly string[];
  /** Whether an adopted zone's apex may be written (`adoptApex`). @default false */
  readonly adoptApex?: boolean;
  /**
   * The public services' hostnames: in an adopted zone, checked before anything is written, so a
   * record the deploy could not write stops it with the zone unchanged. @default []
   */
  readonly publicServices?: readonly PublicServiceHostname[];
}

export interface EnsurePublicZonesOutput {
  /** The zones in the order of `input.zones`, ids without the `/hostedzone/` prefix. */
  readonly zones: ZoneRef[];
}

/** Errors of CreateHostedZone that mean the zone may already be there: look again. */
const ALREADY_THERE = ['HostedZoneAlreadyExists', 'ConflictingDomainExists'];

/** The zone of a name the environment may use, and whether it is adopted rather than its own. */
interface ChosenZone {
  readonly id: string;
  readonly adopted: boolean;
}

/**
 * Of the public zones carrying the name: the one this environment created
 * (tagged for it, or untagged with its caller reference), else — only when
 * the request adopts the name — one no modeshift environment owns. A zone
 * another environment owns is never taken over, and a zone modeshift did not
 * create is never used without adoption.
 */
export async function chooseZone(
  route53: Route53Client,
  candidates: readonly FoundZone[],
  owner: EnvironmentIdentity,
  name: string,
  adopt: boolean,
): Promise<ChosenZone | undefined> {
  if (candidates.length === 0) return undefined;
  const tags = await hostedZoneTags(
    route53,
    candidates.map((zone) => zone.id),
  );
  const own =
    candidates.find((zone) => isTaggedForEnvironment(tags.get(zone.id), owner)) ??
    candidates.find((zone) => !isTaggedByModeshift(tags.get(zone.id)) && isCreatedBy(zone, owner));
  if (own !== undefined) return { id: own.id, adopted: false };
  const foreign = candidates.filter((zone) => !isTaggedByModeshift(tags.get(zone.id)));
  const [first] = foreign;
  if (first !== undefined && adopt) return { id: first.id, adopted: true };
  if (first !== undefined) {
    throw new StepError(
      'Modeshift.ZoneNotOwned',
      `public hosted zone ${absoluteDnsName(name)} (${foreign.map((zone) => zone.id).join(', ')}) is in the account, ` +
        'but modeshift did not create it, so it writes nothing there unless the zone is adopted on purpose: ' +
        `adoptZones: ["${name}"] (--adopt-zone ${name}), after which modeshift writes only records marked as ` +
        `${owner.project}/${owner.environment}'s, never over another record and never the apex without adoptApex (--adopt-apex); ` +
        'or choose another domain.',
    );
  }
  throw new StepError(
    'Modeshift.ResourceConflict',
    `public hosted zone ${name} (${candidates.map((zone) => zone.id).join(', ')}) is tagged for another ` +
      `modeshift environment, not ${PROJECT_TAG}=${owner.project} and ${ENVIRONMENT_TAG}=${owner.environment}: ` +
      'choose another environment name or domain, or take the zone down in its own environment first.',
  );
}

async function findZone(
  route53: Route53Client,
  name: string,
  owner: EnvironmentIdentity,
  adopt: boolean,
): Promise<ChosenZone | undefined> {
  return chooseZone(route53, await findPublicZonesByName(route53, name), owner, name, adopt);
}

/** The environment's zone named `name`: found (its own, or adopted), or created. */
async function ensureZone(
  route53: Route53Client,
  name: string,
  owner: EnvironmentIdentity,
  adopt: boolean,
): Promise<ChosenZone> {
  const existing = await findZone(route53, name, owner, adopt);
  if (existing !== undefined) return existing;
  try {
    const created = await route53.send(
      new CreateHostedZoneCommand({
        Name: name,
        // Unique per attempt, as Route 53 requires; its prefix says which environment created the zone.
        CallerReference: `${zoneCallerReferencePrefix(owner, name)}${randomUUID()}`,
        HostedZoneConfig: {
          Comment: `modeshift: public zone of ${owner.project}/${owner.environment}`,
          PrivateZone: false,
        },
      }),
    );
    const id = created.HostedZone?.Id;
    if (id === undefined) throw new Error(`CreateHostedZone for ${name} returned no hosted zone id`);
    return { id: bareHostedZoneId(id), adopted: false };
  } catch (error) {
    if (!hasAwsErrorName(error, ...ALREADY_THERE)) throw error;
    const found = await findZone(route53, name, owner, adopt);
    if (found === undefined) throw error;
    return found;
  }
}

async function nameServersOf(route53: Route53Client, zoneId: string, name: string): Promise<string[]> {
  const zone = await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
  const nameServers = zone.DelegationSet?.NameServers ?? [];
  if (nameServers.length === 0) {
    throw new StepError(
      'Modeshift.ZoneWithoutNameServers',
      `public hosted zone ${name} (${zoneId}) has no delegation set: its name servers cannot be delegated to`,
    );
  }
  return nameServers;
}

/**
 * Checks, before anything is written, that the service records the deploy
 * will write into an adopted zone (write-dns-records.ts) may go there: none at
 * the apex unless it was adopted, none over a record of another owner.
 */
async function checkServiceRecords(
  route53: Route53Client,
  spec: ZoneSpec,
  zoneId: string,
  input: EnsurePublicZonesInput,
): Promise<void> {
  const planned: DesiredRecord[] = (input.publicServices ?? []).flatMap((service) =>
    service.hostname !== undefined && service.zone !== undefined && sameDnsName(service.zone, spec.name)
      ? [{ Name: absoluteDnsName(service.hostname), Type: service.alias ? 'A' : 'CNAME' } as const]
      : [],
  );
  if (planned.length === 0) return;
  ownedWrites(planned, {
    zone: { name: spec.name, id: zoneId },
    records: await listRecords(route53, zoneId),
    owner: { project: input.project, environment: input.environment },
    apex: input.adoptApex === true,
  });
}

/** Whether `zoneName` is among the adopted zones. */
function isAdopted(input: EnsurePublicZonesInput, zoneName: string): boolean {
  return (input.adoptZones ?? []).some((adopted) => sameDnsName(adopted, zoneName));
}

/** Marks a zone modeshift did not create as adopted by the environment, so that down finds its records. */
async function tagAdopted(
  route53: Route53Client,
  zoneId: string,
  input: EnsurePublicZonesInput,
): Promise<void> {
  await route53.send(
    new ChangeTagsForResourceCommand({
      ResourceType: 'hostedzone',
      ResourceId: zoneId,
      AddTags: [{ Key: adoptionTagKey(input), Value: tagOf(input, 'modeshift:deployment') }],
    }),
  );
}

function tagOf(input: EnsurePublicZonesInput, key: string): string {
  return input.tags.find((tag) => tag.Key === key)?.Value ?? '';
}

/** true for an NS record that delegates to exactly these name servers: the environment's own delegation. */
function delegatesTo(record: ResourceRecordSet, nameServers: readonly string[]): boolean {
  const comparable = (server: string) => server.toLowerCase().replace(/\.$/, '');
  const own = new Set(nameServers.map(comparable));
  const values = (record.ResourceRecords ?? []).map((value) => comparable(value.Value ?? ''));
  return record.Type === 'NS' && values.length > 0 && values.every((value) => own.has(value));
}

/**
 * Delegates the zone from the domain's public zones that may carry its
 * delegation: the same project's (by its tags) and adopted ones. Another
 * project's zone, or a zone modeshift did not create and the request does not
 * adopt, is left alone (the zone then serves nothing until someone delegates
 * to it). The NS record never goes over a record of another owner.
 */
async function delegate(
  route53: Route53Client,
  spec: ZoneSpec,
  zoneId: string,
  input: EnsurePublicZonesInput,
): Promise<void> {
  const owner = { project: input.project, environment: input.environment };
  const parents = await findPublicZonesByName(route53, spec.domain);
  if (parents.length === 0) return;
  const tags = await hostedZoneTags(
    route53,
    parents.map((parent) => parent.id),
  );
  const sameProject = (parent: FoundZone) =>
    (tags.get(parent.id) ?? []).some((tag) => tag.Key === PROJECT_TAG && tag.Value === input.project);
  const adopted = (parent: FoundZone) =>
    !isTaggedByModeshift(tags.get(parent.id)) && isAdopted(input, spec.domain);
  const writable = parents.filter((parent) => sameProject(parent) || adopted(parent));
  if (writable.length === 0) return;
  const nameServers = await nameServersOf(route53, zoneId, spec.name);
  const delegation: DesiredRecord = {
    Name: absoluteDnsName(spec.name),
    Type: 'NS',
    TTL: input.ttl,
    ResourceRecords: nameServers.map((server) => ({ Value: server })),
  };
  for (const parent of writable) {
    const records = ownedWrites([delegation], {
      zone: parent,
      records: await listRecords(route53, parent.id),
      owner,
      apex: false,
      alsoOwn: (record) => delegatesTo(record, nameServers),
    });
    if (adopted(parent)) await tagAdopted(route53, parent.id, input);
    await writeRecords(route53, parent.id, records, 'upsert');
  }
}

/** Finds or creates, tags and (outside production) delegates each of the environment's public zones. */
export const ensurePublicZones = defineStep({
  name: 'EnsurePublicZones',
  clients: { route53: Route53Client },
  sends: [
    ChangeResourceRecordSetsCommand,
    ChangeTagsForResourceCommand,
    CreateHostedZoneCommand,
    GetHostedZoneCommand,
    ListHostedZonesByNameCommand,
    ListResourceRecordSetsCommand,
    ListTagsForResourcesCommand,
  ],
  async run(input: EnsurePublicZonesInput, { route53 }): Promise<EnsurePublicZonesOutput> {
    const owner = { project: input.project, environment: input.environment };
    const zones: ZoneRef[] = [];
    for (const spec of input.zones) {
      const zone = await ensureZone(route53, spec.name, owner, isAdopted(input, spec.name));
      if (zone.adopted) {
        await checkServiceRecords(route53, spec, zone.id, input);
        await tagAdopted(route53, zone.id, input);
      } else {
        await route53.send(
          new ChangeTagsForResourceCommand({
            ResourceType: 'hostedzone',
            ResourceId: zone.id,
            AddTags: [...input.tags],
          }),
        );
      }
      if (absoluteDnsName(spec.name) !== absoluteDnsName(spec.domain))
        await delegate(route53, spec, zone.id, input);
      zones.push({
        name: spec.name,
        domain: spec.domain,
        id: zone.id,
        ...(zone.adopted ? { adopted: { apex: input.adoptApex === true } } : {}),
      });
    }
    return { zones };
  },
});

export const handler = lambdaHandler(ensurePublicZones);
