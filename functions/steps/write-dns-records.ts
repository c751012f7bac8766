/**
 * WriteDnsRecords: the records modeshift keeps in DNS (docs/design.md §2). Public: each
 * public service's hostname points at the load balancer — an alias A record
 * (no TTL of its own) for a service that owns its domain, a CNAME with the
 * mode's TTL for a service subdomain. Private: each managed database gets
 * `<database>.<namespace>` → its RDS endpoint (TTL of the mode), so
 * `DATABASE_HOST: db` resolves through the VPC's search domain. Records are
 * written the mode's way, one change batch per zone. In a zone the request
 * adopted (one modeshift did not create), each record is marked as the
 * environment's and none is written over a record of another owner, nor at
 * the apex unless the apex was adopted (aws/route53/record-ownership.ts).
 */
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { absoluteDnsName, bareHostedZoneId, sameDnsName } from '../aws/route53/dns-name.ts';
import { ownedWrites } from '../aws/route53/record-ownership.ts';
import { type DesiredRecord, type DnsWriteMode, writeRecords } from '../aws/route53/record-writes.ts';
import { listRecords } from '../aws/route53/zone-records.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type {
  CacheEndpoint,
  DatabaseEndpoint,
  EnvironmentNames,
  LoadBalancerRef,
  NamespaceRef,
  ZoneRef,
} from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** A public service and the hostname it answers on (absent without a domain). */
export interface PublicServiceHostname {
  readonly service: string;
  readonly hostname?: string;
  /** The name of the zone the hostname lives in. */
  readonly zone?: string;
  /** true: the hostname is the zone's apex (the service's own `domainname`), written as an alias record. */
  readonly alias: boolean;
}

export interface WriteDnsRecordsInput {
  /** The environment: whose ownership records mark what it writes into adopted zones. */
  readonly project: string;
  readonly environment: string;
  readonly writeMode: DnsWriteMode;
  /** The mode's DNS TTL in seconds, for every record but the aliases. */
  readonly ttl: number;
  readonly names: EnvironmentNames;
  /** The environment's public zones (functions/steps/ensure-public-zones.ts); empty without a domain. */
  readonly zones: readonly ZoneRef[];
  readonly publicServices: readonly PublicServiceHostname[];
  /** `{}` when the environment has no public service. */
  readonly loadBalancer: LoadBalancerRef | Record<string, never>;
  readonly namespace: NamespaceRef;
  readonly databases: readonly DatabaseEndpoint[];
  /** The managed caches' primary endpoints, found by their compose names like the databases. @default [] */
  readonly caches?: readonly CacheEndpoint[];
}

export interface WriteDnsRecordsOutput {
  /** Records created or overwritten (with `recreate`, records already as desired are not counted). */
  readonly written: number;
}

function isLoadBalancer(value: LoadBalancerRef | Record<string, never>): value is LoadBalancerRef {
  return typeof value.dnsName === 'string' && typeof value.canonicalHostedZoneId === 'string';
}

function loadBalancerOf(input: WriteDnsRecordsInput, service: string): LoadBalancerRef {
  const { loadBalancer } = input;
  if (!isLoadBalancer(loadBalancer)) {
    throw new StepError(
      'Modeshift.InvalidInput',
      `publicServices: ${service} has a hostname but the environment ${input.names.prefix} has no load balancer`,
    );
  }
  return loadBalancer;
}

function zoneIdOf(input: WriteDnsRecordsInput, service: PublicServiceHostname, hostname: string): string {
  const zone =
    service.zone === undefined
      ? undefined
      : input.zones.find((candidate) => sameDnsName(candidate.name, service.zone ?? ''));
  if (zone === undefined) {
    throw new StepError(
      'Modeshift.ZoneNotFound',
      `publicServices: ${service.service} answers on ${hostname} in zone ${service.zone ?? '(none)'}, which is not ` +
        `one of the environment's zones (${input.zones.map((candidate) => candidate.name).join(', ') || 'none'})`,
    );
  }
  return zone.id;
}

/** The public record of one service's hostname. */
function publicRecord(
  input: WriteDnsRecordsInput,
  service: PublicServiceHostname,
  hostname: string,
): DesiredRecord {
  const loadBalancer = loadBalancerOf(input, service.service);
  const name = absoluteDnsName(hostname);
  if (service.alias) {
    return {
      Name: name,
      Type: 'A',
      AliasTarget: {
        HostedZoneId: loadBalancer.canonicalHostedZoneId,
        DNSName: loadBalancer.dnsName,
        EvaluateTargetHealth: false,
      },
    };
  }
  return { Name: name, Type: 'CNAME', TTL: input.ttl, ResourceRecords: [{ Value: loadBalancer.dnsName }] };
}

/** Every record to write, by zone id, in input order; `privateZoneName` is the namespace zone's own name. */
function recordsByZone(input: WriteDnsRecordsInput, privateZoneName: string): Map<string, DesiredRecord[]> {
  const byZone = new Map<string, DesiredRecord[]>();
  const add = (zoneId: string, record: DesiredRecord) =>
    byZone.set(zoneId, [...(byZone.get(zoneId) ?? []), record]);
  for (const service of input.publicServices) {
    if (service.hostname === undefined) continue;
    add(zoneIdOf(input, service, service.hostname), publicRecord(input, service, service.hostname));
  }
  const privateRecords = [
    ...input.databases.map((database) => ({ name: database.name, endpoint: database.endpoint })),
    ...(input.caches ?? []).map((cache) => ({ name: cache.name, endpoint: cache.endpoint })),
  ];
  if (privateRecords.length > 0) {
    const privateZoneId = bareHostedZoneId(input.namespace.hostedZoneId);
    for (const store of privateRecords) {
      add(privateZoneId, {
        Name: absoluteDnsName(`${store.name}.${privateZoneName}`),
        Type: 'CNAME',
        TTL: input.ttl,
        ResourceRecords: [{ Value: store.endpoint }],
      });
    }
  }
  return byZone;
}

/**
 * The name of the namespace's hosted zone, which the database records live
 * under. On AWS it is the namespace's name; it is read rather than assumed
 * because emulators name the zone differently.
 */
async function privateZoneName(input: WriteDnsRecordsInput, route53: Route53Client): Promise<string> {
  if (input.databases.length === 0 && (input.caches ?? []).length === 0) return input.namespace.name;
  const { HostedZone } = await route53.send(
    new GetHostedZoneCommand({ Id: bareHostedZoneId(input.namespace.hostedZoneId) }),
  );
  return (HostedZone?.Name ?? input.namespace.name).replace(/\.$/, '');
}

/** Writes the environment's public and private records; nothing to write makes no call. */
export const writeDnsRecords = defineStep({
  name: 'WriteDnsRecords',
  clients: { route53: Route53Client },
  sends: [ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand],
  async run(input: WriteDnsRecordsInput, clients): Promise<WriteDnsRecordsOutput> {
    const owner = { project: input.project, environment: input.environment };
    const byZone = recordsByZone(input, await privateZoneName(input, clients.route53));
    // Every adopted zone is checked before anything is written, so a refusal leaves every zone as it was.
    const batches: Array<[string, DesiredRecord[]]> = [];
    for (const [zoneId, records] of byZone) {
      const zone = input.zones.find((candidate) => candidate.id === zoneId);
      if (zone?.adopted === undefined) {
        batches.push([zoneId, records]);
        continue;
      }
      const check = {
        zone,
        records: await listRecords(clients.route53, zoneId),
        owner,
        apex: zone.adopted.apex,
      };
      batches.push([zoneId, ownedWrites(records, check)]);
    }
    let written = 0;
    for (const [zoneId, records] of batches) {
      written += await writeRecords(clients.route53, zoneId, records, input.writeMode);
    }
    return { written };
  },
});

export const handler = lambdaHandler(writeDnsRecords);
