/**
 * The ACM certificates an environment owns: certificates tagged with its
 * `modeshift:project` and `modeshift:environment` (never found by domain alone:
 * another environment or a person may hold a certificate for the same names).
 */
import {
  type ACMClient,
  type CertificateStatus,
  type CertificateSummary,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  type Tag,
} from '@aws-sdk/client-acm';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

export interface CertificateQuery {
  /** Only certificates in these statuses; every status when absent. */
  readonly statuses?: readonly CertificateStatus[];
  /** A cheap test on the summary, applied before the tags are read (one call per certificate). */
  readonly where?: (summary: CertificateSummary) => boolean;
}

/** The certificate's tags; undefined when it was deleted since it was listed. */
async function tagsOf(acm: ACMClient, arn: string): Promise<Tag[] | undefined> {
  try {
    return (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? [];
  } catch (error) {
    if (hasAwsErrorName(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** The certificates tagged with this project and environment, following ListCertificates' pages. */
export async function findEnvironmentCertificates(
  acm: ACMClient,
  owner: EnvironmentIdentity,
  query: CertificateQuery = {},
): Promise<CertificateSummary[]> {
  const candidates: CertificateSummary[] = [];
  let nextToken: string | undefined;
  do {
    const response = await acm.send(
      new ListCertificatesCommand({
        ...(query.statuses !== undefined ? { CertificateStatuses: [...query.statuses] } : {}),
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    for (const summary of response.CertificateSummaryList ?? []) {
      if (summary.CertificateArn !== undefined && (query.where?.(summary) ?? true)) candidates.push(summary);
    }
    nextToken = response.NextToken;
  } while (nextToken !== undefined);

  const owned: CertificateSummary[] = [];
  for (const summary of candidates) {
    const tags = await tagsOf(acm, summary.CertificateArn as string);
    if (tags !== undefined && isTaggedForEnvironment(tags, owner)) owned.push(summary);
  }
  return owned;
}
