/**
 * What the account holds for each of the environment's public zones, read as
 * EnsurePublicZones reads it (functions/steps/ensure-public-zones.ts): the
 * zones of each name and their tags and caller references, the domain's zone
 * a delegation would go into, and whether any zone of the domain or above it
 * is there. core/zone-plan.ts turns the facts into the plan.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ZoneSpec } from '../core/execution-input.ts';
import type { ParentHolder, ZoneFacts, ZoneHolder } from '../core/zone-plan.ts';
import {
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  isTaggedForEnvironment,
  PROJECT_TAG,
  tagValue,
} from '../functions/aws/environment-tags.ts';
import { ancestorDnsNames, sameDnsName } from '../functions/aws/route53/dns-name.ts';
import {
  hostedZoneTags,
  isCreatedBy,
  isTaggedByModeshift,
} from '../functions/aws/route53/environment-zones.ts';
import { findPublicZonesByName } from '../functions/aws/route53/public-zones-by-name.ts';

async function holderOf(
  route53: Route53Client,
  name: string,
  owner: EnvironmentIdentity,
): Promise<{ holder: ZoneHolder; holderName?: string }> {
  const zones = await findPublicZonesByName(route53, name);
  if (zones.length === 0) return { holder: 'none' };
  const tags = await hostedZoneTags(
    route53,
    zones.map((zone) => zone.id),
  );
  if (
    zones.some(
      (zone) =>
        isTaggedForEnvironment(tags.get(zone.id), owner) ||
        (!isTaggedByModeshift(tags.get(zone.id)) && isCreatedBy(zone, owner)),
    )
  )
    return { holder: 'environment' };
  if (zones.some((zone) => !isTaggedByModeshift(tags.get(zone.id)))) return { holder: 'foreign' };
  const other = tags.get(zones[0]?.id ?? '');
  return {
    holder: 'other-environment',
    holderName: `${tagValue(other, PROJECT_TAG) ?? '?'}/${tagValue(other, ENVIRONMENT_TAG) ?? '?'}`,
  };
}

async function parentOf(route53: Route53Client, domain: string, project: string): Promise<ParentHolder> {
  const zones = await findPublicZonesByName(route53, domain);
  if (zones.length === 0) return 'none';
  const tags = await hostedZoneTags(
    route53,
    zones.map((zone) => zone.id),
  );
  if (zones.some((zone) => tagValue(tags.get(zone.id), PROJECT_TAG) === project)) return 'project';
  if (zones.some((zone) => !isTaggedByModeshift(tags.get(zone.id)))) return 'foreign';
  return 'other-project';
}

/** Whether the account holds a public zone named `domain` or a name above it. */
async function holdsDomain(route53: Route53Client, domain: string): Promise<boolean> {
  for (const name of [domain, ...ancestorDnsNames(domain)]) {
    if ((await findPublicZonesByName(route53, name)).length > 0) return true;
  }
  return false;
}

/** The facts of each of the environment's zones, in order. */
export async function readZoneFacts(
  route53: Route53Client,
  zones: readonly ZoneSpec[],
  owner: EnvironmentIdentity,
): Promise<ZoneFacts[]> {
  const facts: ZoneFacts[] = [];
  for (const spec of zones) {
    const held = await holderOf(route53, spec.name, owner);
    const delegated = !sameDnsName(spec.name, spec.domain);
    facts.push({
      zone: spec.name,
      domain: spec.domain,
      ...held,
      ...(delegated ? { parent: await parentOf(route53, spec.domain, owner.project) } : {}),
      accountHoldsDomain: await holdsDomain(route53, spec.domain),
    });
  }
  return facts;
}
