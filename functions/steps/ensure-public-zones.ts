/**
 * EnsurePublicZones: the environment's public hosted zone per domain (docs/design.md
 * §2) — the domain itself in production, `<environment>.<domain>` elsewhere —
 * found by its exact name or created, and tagged for the environment. A
 * non-production zone is delegated from its parent (an NS record in the
 * domain's zone, with the mode's TTL) when the account holds the parent's
 * public zone; a parent zone is never created, and never changed otherwise.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListTagsForResourcesCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { ZoneSpec } from '../../core/execution-input.ts';
import { shortHash } from '../../core/names.ts';
import type { Mode } from '../../core/policy.ts';
import {
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  isTaggedForEnvironment,
  PROJECT_TAG,
} from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { absoluteDnsName, bareHostedZoneId } from '../aws/route53/dns-name.ts';
import { hostedZoneTags } from '../aws/route53/environment-zones.ts';
import { type FoundZone, findPublicZonesByName } from '../aws/route53/public-zones-by-name.ts';
import { writeRecords } from '../aws/route53/record-writes.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { Tag, ZoneRef } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

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
}

export interface EnsurePublicZonesOutput {
  /** The zones in the order of `input.zones`, ids without the `/hostedzone/` prefix. */
  readonly zones: ZoneRef[];
}

/** Errors of CreateHostedZone that mean the zone may already be there: look again. */
const ALREADY_THERE = ['HostedZoneAlreadyExists', 'ConflictingDomainExists'];

/**
 * Of the public zones carrying the name, the one this environment owns, else
 * one no modeshift environment owns (a zone a person made: adopted). A zone
 * that only another environment owns is never taken over.
 */
async function chooseZone(
  route53: Route53Client,
  candidates: readonly FoundZone[],
  owner: EnvironmentIdentity,
  name: string,
): Promise<string | undefined> {
  if (candidates.length === 0) return undefined;
  const tags = await hostedZoneTags(
    route53,
    candidates.map((zone) => zone.id),
  );
  const own = candidates.find((zone) => isTaggedForEnvironment(tags.get(zone.id), owner));
  if (own !== undefined) return own.id;
  const unowned = candidates.find(
    (zone) =>
      !(tags.get(zone.id) ?? []).some((tag) => tag.Key === PROJECT_TAG || tag.Key === ENVIRONMENT_TAG),
  );
  if (unowned !== undefined) return unowned.id;
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
): Promise<string | undefined> {
  return chooseZone(route53, await findPublicZonesByName(route53, name), owner, name);
}

/** The id of the environment's zone named `name`: found, or created. */
async function ensureZone(route53: Route53Client, name: string, owner: EnvironmentIdentity): Promise<string> {
  const existing = await findZone(route53, name, owner);
  if (existing !== undefined) return existing;
  try {
    const created = await route53.send(
      new CreateHostedZoneCommand({
        Name: name,
        // Unique per attempt, as Route 53 requires; the lookup above keeps creation idempotent.
        CallerReference: `modeshift-${shortHash(`${owner.project}/${owner.environment}/${name}`, 12)}-${randomUUID()}`,
        HostedZoneConfig: {
          Comment: `modeshift: public zone of ${owner.project}/${owner.environment}`,
          PrivateZone: false,
        },
      }),
    );
    const id = created.HostedZone?.Id;
    if (id === undefined) throw new Error(`CreateHostedZone for ${name} returned no hosted zone id`);
    return bareHostedZoneId(id);
  } catch (error) {
    if (!hasAwsErrorName(error, ...ALREADY_THERE)) throw error;
    const found = await findZone(route53, name, owner);
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

/** Delegates the zone from every public zone of its domain in the account (none: nothing to do). */
async function delegate(route53: Route53Client, spec: ZoneSpec, zoneId: string, ttl: number): Promise<void> {
  const parents = await findPublicZonesByName(route53, spec.domain);
  if (parents.length === 0) return;
  const nameServers = await nameServersOf(route53, zoneId, spec.name);
  for (const parent of parents) {
    await writeRecords(
      route53,
      parent.id,
      [
        {
          Name: absoluteDnsName(spec.name),
          Type: 'NS',
          TTL: ttl,
          ResourceRecords: nameServers.map((server) => ({ Value: server })),
        },
      ],
      'upsert',
    );
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
    ListTagsForResourcesCommand,
  ],
  async run(input: EnsurePublicZonesInput, { route53 }): Promise<EnsurePublicZonesOutput> {
    const owner = { project: input.project, environment: input.environment };
    const zones: ZoneRef[] = [];
    for (const spec of input.zones) {
      const id = await ensureZone(route53, spec.name, owner);
      await route53.send(
        new ChangeTagsForResourceCommand({
          ResourceType: 'hostedzone',
          ResourceId: id,
          AddTags: [...input.tags],
        }),
      );
      if (absoluteDnsName(spec.name) !== absoluteDnsName(spec.domain))
        await delegate(route53, spec, id, input.ttl);
      zones.push({ name: spec.name, domain: spec.domain, id });
    }
    return { zones };
  },
});

export const handler = lambdaHandler(ensurePublicZones);
