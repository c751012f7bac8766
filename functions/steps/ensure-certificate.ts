/**
 * EnsureCertificate: one ACM certificate for the environment's public zones —
 * every zone name and its wildcard — validated by DNS. The validation records
 * go into the matching zones with the mode's TTL, written the mode's way (in
 * an adopted zone, marked as the environment's and never over another's). The
 * step never waits: while ACM validates it reports ready false and the
 * workflow calls it again.
 */
import {
  ACMClient,
  AddTagsToCertificateCommand,
  type CertificateDetail,
  type CertificateStatus,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { shortHash } from '../../core/names.ts';
import { findEnvironmentCertificates } from '../aws/acm/environment-certificates.ts';
import { ENVIRONMENT_TAG, type EnvironmentIdentity, PROJECT_TAG } from '../aws/environment-tags.ts';
import { isWithinZone, relativeDnsName } from '../aws/route53/dns-name.ts';
import { ownedWrites } from '../aws/route53/record-ownership.ts';
import { type DesiredRecord, type DnsWriteMode, writeRecords } from '../aws/route53/record-writes.ts';
import { listRecords } from '../aws/route53/zone-records.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { CertificateRef, EnvironmentNames, Tag, ZoneRef } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

export interface EnsureCertificateInput {
  /** The environment's public zones (functions/steps/ensure-public-zones.ts); the first one is the certificate's DomainName. */
  readonly zones: readonly ZoneRef[];
  readonly names: EnvironmentNames;
  /** The four modeshift tags, put on the certificate. */
  readonly tags: readonly Tag[];
  /** The mode's DNS TTL in seconds, for the validation records. */
  readonly ttl: number;
  /** How the validation records are written: the policy's `dnsWriteMode`. */
  readonly writeMode: DnsWriteMode;
}

export type EnsureCertificateOutput = CertificateRef;

/** Statuses of a certificate that can still serve the environment. */
const USABLE: readonly CertificateStatus[] = ['PENDING_VALIDATION', 'ISSUED'];

function tagValue(tags: readonly Tag[], key: string): string {
  const value = tags.find((tag) => tag.Key === key)?.Value;
  if (value === undefined)
    throw new StepError('Modeshift.InvalidInput', `tags: no ${key} tag in the step input`);
  return value;
}

/** The certificate's names: each zone and its wildcard, in zone order, lower case, without trailing dots. */
function certificateDomains(zones: readonly ZoneRef[]): string[] {
  const domains = zones.flatMap((zone) => {
    const name = relativeDnsName(zone.name);
    return [name, `*.${name}`];
  });
  return [...new Set(domains)];
}

function sameDomainSet(certificate: CertificateDetail, domains: readonly string[]): boolean {
  const names = new Set(
    [certificate.DomainName, ...(certificate.SubjectAlternativeNames ?? [])]
      .filter((name): name is string => name !== undefined)
      .map(relativeDnsName),
  );
  return names.size === domains.length && domains.every((domain) => names.has(domain));
}

async function describe(acm: ACMClient, arn: string): Promise<CertificateDetail> {
  const response = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
  if (response.Certificate === undefined)
    throw new Error(`DescribeCertificate ${arn} returned no certificate`);
  return response.Certificate;
}

/** This environment's usable certificate for exactly these names, issued ones first. */
async function findCertificate(
  acm: ACMClient,
  owner: EnvironmentIdentity,
  domains: readonly string[],
): Promise<CertificateDetail | undefined> {
  const summaries = await findEnvironmentCertificates(acm, owner, {
    statuses: USABLE,
    where: (summary) =>
      summary.DomainName !== undefined && domains.includes(relativeDnsName(summary.DomainName)),
  });
  const matches: CertificateDetail[] = [];
  for (const summary of summaries) {
    const certificate = await describe(acm, summary.CertificateArn as string);
    if (USABLE.includes(certificate.Status as CertificateStatus) && sameDomainSet(certificate, domains)) {
      matches.push(certificate);
    }
  }
  return matches.find((certificate) => certificate.Status === 'ISSUED') ?? matches[0];
}

/**
 * The request token: the same for every attempt of one deployment, so a retried
 * request returns the same certificate. The deployment is part of it because
 * ACM honours a token for an hour, even after the certificate it named was
 * deleted by a down in between.
 */
function idempotencyToken(names: EnvironmentNames, deployment: string, domains: readonly string[]): string {
  return shortHash(`${names.prefix}|${deployment}|${domains.join(',')}`, 32);
}

async function requestCertificate(
  acm: ACMClient,
  input: EnsureCertificateInput,
  domains: readonly string[],
): Promise<string> {
  const [domainName, ...alternativeNames] = domains as [string, ...string[]];
  const response = await acm.send(
    new RequestCertificateCommand({
      DomainName: domainName,
      SubjectAlternativeNames: alternativeNames,
      ValidationMethod: 'DNS',
      IdempotencyToken: idempotencyToken(input.names, tagValue(input.tags, 'modeshift:deployment'), domains),
      Tags: [...input.tags],
    }),
  );
  if (response.CertificateArn === undefined) {
    throw new Error(`RequestCertificate for ${domainName} returned no certificate ARN`);
  }
  return response.CertificateArn;
}

/** The zone a validation record belongs in: the deepest zone whose name is the record's name or a suffix of it. */
function zoneFor(recordName: string, zones: readonly ZoneRef[]): ZoneRef {
  const zone = zones
    .filter((candidate) => isWithinZone(recordName, candidate.name))
    .sort((a, b) => relativeDnsName(b.name).length - relativeDnsName(a.name).length)[0];
  if (zone === undefined) {
    throw new StepError(
      'Modeshift.ValidationRecordOutsideZones',
      `ACM validation record ${recordName} is in none of the environment's zones ` +
        `(${zones.map((candidate) => candidate.name).join(', ')})`,
    );
  }
  return zone;
}

/**
 * Writes the validation records ACM has given so far (right after the request
 * it may not have given them yet: the next call writes them).
 */
async function writeValidationRecords(
  route53: Route53Client,
  certificate: CertificateDetail,
  input: EnsureCertificateInput,
  owner: EnvironmentIdentity,
): Promise<void> {
  const options = certificate.DomainValidationOptions ?? [];
  const byZone = new Map<string, DesiredRecord[]>();
  for (const option of options) {
    const record = option.ResourceRecord;
    if (record?.Name === undefined || record.Value === undefined) continue;
    const zone = zoneFor(record.Name, input.zones);
    const records = byZone.get(zone.id) ?? [];
    records.push({
      Name: record.Name,
      Type: 'CNAME',
      TTL: input.ttl,
      ResourceRecords: [{ Value: record.Value }],
    });
    byZone.set(zone.id, records);
  }
  const batches: Array<[string, DesiredRecord[]]> = [];
  for (const [zoneId, records] of byZone) {
    const zone = input.zones.find((candidate) => candidate.id === zoneId);
    if (zone?.adopted === undefined) batches.push([zoneId, records]);
    else {
      const existing = await listRecords(route53, zoneId);
      batches.push([
        zoneId,
        ownedWrites(records, { zone, records: existing, owner, apex: zone.adopted.apex }),
      ]);
    }
  }
  for (const [zoneId, records] of batches) await writeRecords(route53, zoneId, records, input.writeMode);
}

/** Finds or requests the environment's certificate, writes its validation records and reports its status. */
export const ensureCertificate = defineStep({
  name: 'EnsureCertificate',
  clients: { acm: ACMClient, route53: Route53Client },
  sends: [
    AddTagsToCertificateCommand,
    DescribeCertificateCommand,
    ListCertificatesCommand,
    ListTagsForCertificateCommand,
    RequestCertificateCommand,
    ChangeResourceRecordSetsCommand,
    ListResourceRecordSetsCommand,
  ],
  async run(input: EnsureCertificateInput, { acm, route53 }): Promise<EnsureCertificateOutput> {
    if (input.zones.length === 0) {
      throw new StepError('Modeshift.InvalidInput', 'zones: a certificate needs at least one public zone');
    }
    const owner = {
      project: tagValue(input.tags, PROJECT_TAG),
      environment: tagValue(input.tags, ENVIRONMENT_TAG),
    };
    const domains = certificateDomains(input.zones);

    const existing = await findCertificate(acm, owner, domains);
    let certificate: CertificateDetail;
    if (existing?.CertificateArn !== undefined) {
      await acm.send(
        new AddTagsToCertificateCommand({ CertificateArn: existing.CertificateArn, Tags: [...input.tags] }),
      );
      certificate = existing;
    } else {
      certificate = await describe(acm, await requestCertificate(acm, input, domains));
    }
    const arn = certificate.CertificateArn as string;

    if (certificate.Status !== 'ISSUED' && certificate.Status !== 'PENDING_VALIDATION') {
      return { arn, status: 'FAILED', ready: false };
    }
    await writeValidationRecords(route53, certificate, input, owner);
    if (certificate.Status === 'ISSUED') return { arn, status: 'ISSUED', ready: true };
    return { arn, status: 'PENDING_VALIDATION', ready: false };
  },
  /** Settled once issued; ACM failing to validate the certificate fails the deploy. */
  settled: (output) => {
    if (output.status === 'FAILED') {
      throw new StepError('Modeshift.CertificateFailed', `ACM could not validate certificate ${output.arn}`);
    }
    return output.ready;
  },
});

export const handler = lambdaHandler(ensureCertificate);
