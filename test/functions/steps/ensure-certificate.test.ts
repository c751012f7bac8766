import {
  ACMClient,
  AddTagsToCertificateCommand,
  type CertificateDetail,
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
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { environmentNames } from '../../../core/names.ts';
import { runAsTask } from '../../../functions/step.ts';
import {
  type EnsureCertificateInput,
  ensureCertificate,
} from '../../../functions/steps/ensure-certificate.ts';
import { pendingChange } from '../../support/route53-fixtures.ts';

const acm = mockClient(ACMClient);
const route53 = mockClient(Route53Client);
const clients = () => ({
  acm: new ACMClient({ region: 'us-east-1' }),
  route53: new Route53Client({ region: 'us-east-1' }),
});

const tags = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'pr-42' },
  { Key: 'modeshift:mode', Value: 'development' },
  { Key: 'modeshift:deployment', Value: 'd-1' },
];
const environmentTags = tags.slice(0, 2);
const NEW_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/new';
const OLD_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/old';

const input: EnsureCertificateInput = {
  zones: [{ name: 'pr-42.shop.example.com', domain: 'shop.example.com', id: 'ZSHOP' }],
  names: environmentNames('shop', 'pr-42'),
  tags,
  ttl: 60,
  writeMode: 'upsert',
};
const twoZones: EnsureCertificateInput = {
  ...input,
  zones: [...input.zones, { name: 'pr-42.admin.example.com', domain: 'admin.example.com', id: 'ZADMIN' }],
};

const shopRecord = {
  Name: '_a1b2.pr-42.shop.example.com.',
  Type: 'CNAME' as const,
  Value: '_c3d4.xyzabc.acm-validations.aws.',
};
const adminRecord = {
  Name: '_e5f6.pr-42.admin.example.com.',
  Type: 'CNAME' as const,
  Value: '_a7b8.xyzabc.acm-validations.aws.',
};

function certificate(
  arn: string,
  status: CertificateDetail['Status'],
  domains: string[],
  withRecords = true,
) {
  const record = (domain: string) => (domain.includes('admin') ? adminRecord : shopRecord);
  return {
    Certificate: {
      CertificateArn: arn,
      DomainName: domains[0],
      SubjectAlternativeNames: domains,
      Status: status,
      DomainValidationOptions: domains.map((domain) => ({
        DomainName: domain,
        ValidationMethod: 'DNS' as const,
        ...(withRecords ? { ResourceRecord: record(domain) } : {}),
      })),
    },
  };
}
const shopDomains = ['pr-42.shop.example.com', '*.pr-42.shop.example.com'];
const allDomains = [...shopDomains, 'pr-42.admin.example.com', '*.pr-42.admin.example.com'];

function listed(arn: string, domainName: string, ownerTags = environmentTags) {
  acm.on(ListCertificatesCommand).resolves({
    CertificateSummaryList: [{ CertificateArn: arn, DomainName: domainName }],
  });
  acm.on(ListTagsForCertificateCommand, { CertificateArn: arn }).resolves({ Tags: ownerTags });
}

beforeEach(() => {
  acm.reset();
  route53.reset();
  acm.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
  acm.on(RequestCertificateCommand).resolves({ CertificateArn: NEW_ARN });
  acm
    .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
    .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', shopDomains));
  acm.on(AddTagsToCertificateCommand).resolves({});
  route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 1 });
  route53.on(ChangeResourceRecordSetsCommand).resolves(pendingChange('C1'));
});

describe('EnsureCertificate', () => {
  it('requests one DNS-validated certificate for every zone and its wildcard, tagged for the environment', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', allDomains));

    await ensureCertificate(twoZones, clients());

    expect(acm).toHaveReceivedCommandWith(RequestCertificateCommand, {
      DomainName: 'pr-42.shop.example.com',
      SubjectAlternativeNames: [
        '*.pr-42.shop.example.com',
        'pr-42.admin.example.com',
        '*.pr-42.admin.example.com',
      ],
      ValidationMethod: 'DNS',
      Tags: tags,
    });
  });

  it('sends the same short alphanumeric idempotency token on every attempt', async () => {
    await ensureCertificate(input, clients());
    await ensureCertificate(input, clients());

    const tokens = acm
      .commandCalls(RequestCertificateCommand)
      .map((call) => call.args[0].input.IdempotencyToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[a-zA-Z0-9]{1,32}$/);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('sends another idempotency token when the domains differ', async () => {
    await ensureCertificate(input, clients());
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', allDomains));

    await ensureCertificate(twoZones, clients());

    const tokens = acm
      .commandCalls(RequestCertificateCommand)
      .map((call) => call.args[0].input.IdempotencyToken);
    expect(tokens[1]).not.toBe(tokens[0]);
  });

  it('reports a pending certificate as not ready, to be looked at again in 30 seconds', async () => {
    const result = await ensureCertificate(input, clients());

    expect(result).toEqual({
      arn: NEW_ARN,
      status: 'PENDING_VALIDATION',
      ready: false,
    });
  });

  it('upserts the validation record once for the zone and its wildcard, with the mode’s TTL', async () => {
    await ensureCertificate(input, clients());

    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZSHOP',
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: shopRecord.Name,
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: shopRecord.Value }],
            },
          },
        ],
      },
    });
  });

  it('writes each validation record into the zone it belongs to', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', allDomains));

    await ensureCertificate(twoZones, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZADMIN',
      ChangeBatch: {
        Changes: [
          expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ Name: adminRecord.Name }) }),
        ],
      },
    });
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZSHOP',
      ChangeBatch: {
        Changes: [
          expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ Name: shopRecord.Name }) }),
        ],
      },
    });
  });

  it('recreates a validation record that differs: deletes it exactly as it is and creates it, in one batch', async () => {
    const current = {
      Name: shopRecord.Name,
      Type: 'CNAME' as const,
      TTL: 300,
      ResourceRecords: [{ Value: shopRecord.Value }],
    };
    route53
      .on(ListResourceRecordSetsCommand, {
        HostedZoneId: 'ZSHOP',
        StartRecordName: shopRecord.Name,
        StartRecordType: 'CNAME',
      })
      .resolves({ ResourceRecordSets: [current], IsTruncated: false, MaxItems: 1 });

    await ensureCertificate({ ...input, writeMode: 'recreate' }, clients());

    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZSHOP',
      ChangeBatch: {
        Changes: [
          { Action: 'DELETE', ResourceRecordSet: current },
          {
            Action: 'CREATE',
            ResourceRecordSet: { ...current, TTL: 60 },
          },
        ],
      },
    });
  });

  it('only creates a validation record that is not in the zone yet when recreating', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        { Name: 'z.pr-42.shop.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] },
      ],
      IsTruncated: false,
      MaxItems: 1,
    });

    await ensureCertificate({ ...input, writeMode: 'recreate' }, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: shopRecord.Name,
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: shopRecord.Value }],
            },
          },
        ],
      },
    });
  });

  it('leaves a validation record that is already as desired when recreating', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        { Name: shopRecord.Name, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: shopRecord.Value }] },
      ],
      IsTruncated: false,
      MaxItems: 1,
    });

    await ensureCertificate({ ...input, writeMode: 'recreate' }, clients());

    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('reports not ready and writes nothing while ACM has not given the validation records yet', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', shopDomains, false));

    const result = await ensureCertificate(input, clients());

    expect(result.ready).toBe(false);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('looks only at pending and issued certificates, so a failed or expired one is not reused', async () => {
    await ensureCertificate(input, clients());

    expect(acm).toHaveReceivedCommandWith(ListCertificatesCommand, {
      CertificateStatuses: ['PENDING_VALIDATION', 'ISSUED'],
    });
  });

  it('reuses the issued certificate of the environment for the same names, and reports it ready', async () => {
    listed(OLD_ARN, 'pr-42.shop.example.com');
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));

    const result = await ensureCertificate(input, clients());

    expect(acm).not.toHaveReceivedCommand(RequestCertificateCommand);
    expect(result).toEqual({ arn: OLD_ARN, status: 'ISSUED', ready: true });
  });

  it('re-applies the tags to a reused certificate', async () => {
    listed(OLD_ARN, 'pr-42.shop.example.com');
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));

    await ensureCertificate(input, clients());

    expect(acm).toHaveReceivedCommandWith(AddTagsToCertificateCommand, {
      CertificateArn: OLD_ARN,
      Tags: tags,
    });
  });

  it('keeps the validation records of an issued certificate, with the mode’s TTL', async () => {
    listed(OLD_ARN, 'pr-42.shop.example.com');
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));

    await ensureCertificate({ ...input, ttl: 3600 }, clients());

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: {
        Changes: [expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ TTL: 3600 }) })],
      },
    });
  });

  it('does not reuse a certificate of another environment for the same names', async () => {
    listed(OLD_ARN, 'pr-42.shop.example.com', [
      { Key: 'modeshift:project', Value: 'catalog' },
      { Key: 'modeshift:environment', Value: 'pr-42' },
    ]);
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));

    const result = await ensureCertificate(input, clients());

    expect(acm).toHaveReceivedCommandWith(ListTagsForCertificateCommand, { CertificateArn: OLD_ARN });
    expect(acm).toHaveReceivedCommandTimes(RequestCertificateCommand, 1);
    expect(result.arn).toBe(NEW_ARN);
  });

  it('does not reuse a certificate of the environment that covers other names', async () => {
    listed(OLD_ARN, 'pr-42.shop.example.com');
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'PENDING_VALIDATION', allDomains));

    const result = await ensureCertificate(twoZones, clients());

    expect(result.arn).toBe(NEW_ARN);
  });

  it('finds the environment’s certificate on a later ListCertificates page', async () => {
    acm
      .on(ListCertificatesCommand)
      .resolvesOnce({ CertificateSummaryList: [], NextToken: 'page-2' })
      .resolves({
        CertificateSummaryList: [{ CertificateArn: OLD_ARN, DomainName: 'pr-42.shop.example.com' }],
      });
    acm.on(ListTagsForCertificateCommand, { CertificateArn: OLD_ARN }).resolves({ Tags: environmentTags });
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OLD_ARN })
      .resolves(certificate(OLD_ARN, 'ISSUED', shopDomains));

    const result = await ensureCertificate(input, clients());

    expect(acm).toHaveReceivedCommandWith(ListCertificatesCommand, { NextToken: 'page-2' });
    expect(result.arn).toBe(OLD_ARN);
  });

  it('reports a failed certificate as FAILED so the workflow fails, writing no record', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'FAILED', shopDomains));

    const result = await ensureCertificate(input, clients());

    expect(result).toMatchObject({ arn: NEW_ARN, status: 'FAILED', ready: false });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('fails the task with Modeshift.CertificateFailed when ACM could not validate the certificate', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: NEW_ARN })
      .resolves(certificate(NEW_ARN, 'FAILED', shopDomains));

    await expect(runAsTask(ensureCertificate, input, clients())).rejects.toMatchObject({
      name: 'Modeshift.CertificateFailed',
    });
  });

  it('refuses a validation record that lies in none of the zones', async () => {
    acm.on(DescribeCertificateCommand, { CertificateArn: NEW_ARN }).resolves({
      Certificate: {
        ...certificate(NEW_ARN, 'PENDING_VALIDATION', shopDomains).Certificate,
        DomainValidationOptions: [
          {
            DomainName: 'pr-42.shop.example.com',
            ResourceRecord: { ...shopRecord, Name: '_x.elsewhere.org.' },
          },
        ],
      },
    });

    await expect(ensureCertificate(input, clients())).rejects.toMatchObject({
      name: 'Modeshift.ValidationRecordOutsideZones',
    });
  });
});
