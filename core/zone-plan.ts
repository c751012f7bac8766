/**
 * What a deploy does with each of the environment's public hosted zones, from
 * what the account holds (read by cli/live-zones.ts): create it, keep it,
 * adopt it, or be refused — and whether the zone will serve anything. `plan`
 * reports it before anything is created (docs/design.md, "Zones modeshift did
 * not create"): a `domainname` whose zone the account neither holds nor
 * created is created by the deploy but serves nothing until the domain's
 * registrar (or whoever runs its DNS) delegates to the zone's name servers.
 */

/** Who holds a public zone of a name in the account. */
export type ZoneHolder =
  /** This environment: tagged for it, or created with its caller reference. */
  | 'environment'
  /** Another modeshift environment (its tags name it in `holderName`). */
  | 'other-environment'
  /** Nobody modeshift knows: a zone modeshift did not create. */
  | 'foreign'
  /** No public zone of the name. */
  | 'none';

/** Who holds the zone a non-production zone is delegated from (the domain's). */
export type ParentHolder = 'project' | 'other-project' | 'foreign' | 'none';

/** What the account holds for one of the environment's zones. */
export interface ZoneFacts {
  /** The environment's zone: the domain in production, `<environment>.<domain>` elsewhere. */
  readonly zone: string;
  readonly domain: string;
  readonly holder: ZoneHolder;
  /** `project/environment` of the other environment that holds the zone. */
  readonly holderName?: string;
  /** Outside production: who holds the domain's zone, the delegation's place. */
  readonly parent?: ParentHolder;
  /** Whether the account holds a public zone of the domain or of a name above it. */
  readonly accountHoldsDomain: boolean;
}

export type ZoneAction = 'create' | 'keep' | 'adopt' | 'refuse';

export interface ZonePlanEntry {
  readonly zone: string;
  readonly action: ZoneAction;
  /** What a person should know: where the zone is delegated from, or why the deploy is refused. */
  readonly note: string;
}

export interface ZoneRequest {
  readonly adoptZones: readonly string[];
  readonly adoptApex: boolean;
}

function delegationNote(facts: ZoneFacts, request: ZoneRequest): string {
  if (facts.zone === facts.domain) return '';
  switch (facts.parent) {
    case 'project':
      return `; delegated from the project's zone ${facts.domain}`;
    case 'foreign':
      return request.adoptZones.includes(facts.domain)
        ? `; delegated from ${facts.domain}, adopted: its NS record is marked as the environment's and never goes over another record`
        : `; ${facts.domain} is in the account but modeshift did not create it, so no delegation is written there (--adopt-zone ${facts.domain} to write one) and ${facts.zone} serves nothing until someone delegates to it`;
    case 'other-project':
      return `; ${facts.domain} belongs to another project, so no delegation is written there and ${facts.zone} serves nothing until someone delegates to it`;
    default:
      return '';
  }
}

function unheldNote(facts: ZoneFacts): string {
  if (facts.accountHoldsDomain) return '';
  const delegator =
    facts.zone === facts.domain ? `the registrar of ${facts.domain}` : `the DNS of ${facts.domain}`;
  return `; the account holds no zone for ${facts.domain}: ${facts.zone} serves nothing until ${delegator} delegates to its name servers`;
}

/** The plan for one zone. */
export function planZone(facts: ZoneFacts, request: ZoneRequest): ZonePlanEntry {
  const { zone } = facts;
  switch (facts.holder) {
    case 'environment':
      return { zone, action: 'keep', note: `the environment's own zone${delegationNote(facts, request)}` };
    case 'other-environment':
      return {
        zone,
        action: 'refuse',
        note: `a deploy would be refused: the zone belongs to ${facts.holderName ?? 'another modeshift environment'}`,
      };
    case 'foreign': {
      if (!request.adoptZones.includes(zone)) {
        return {
          zone,
          action: 'refuse',
          note: `a deploy would be refused: the zone is in the account but modeshift did not create it; adopt it on purpose with --adopt-zone ${zone} (modeshift then writes only its own marked records, never over another record${request.adoptApex ? '' : ', and never the apex without --adopt-apex'})`,
        };
      }
      return {
        zone,
        action: 'adopt',
        note: `modeshift did not create it: writes only records marked as the environment's, never over another record, ${request.adoptApex ? 'the apex included' : 'never the apex (--adopt-apex)'}; down removes only those`,
      };
    }
    default:
      return {
        zone,
        action: 'create',
        note: `modeshift creates it${delegationNote(facts, request)}${unheldNote(facts)}`,
      };
  }
}

/** The plan for each of the environment's zones, in order. */
export function planZones(facts: readonly ZoneFacts[], request: ZoneRequest): ZonePlanEntry[] {
  return facts.map((entry) => planZone(entry, request));
}
