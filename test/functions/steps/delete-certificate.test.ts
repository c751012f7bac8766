import {
  ACMClient,
  AccessDeniedException,
  DeleteCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-acm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ThrottledError } from '../../../functions/step-errors.ts';
import {
  type DeleteCertificateInput,
  deleteCertificate,
} from '../../../functions/steps/delete-certificate.ts';
import { teardownInput } from '../../support/step-inputs.ts';

const acm = mockClient(ACMClient);
const clients = () => ({ acm: new ACMClient({ region: 'us-east-1' }) });

const input = teardownInput('shop', 'pr-42') satisfies DeleteCertificateInput;
const { environmentTags } = input;
const arn = (name: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${name}`;

function certificates(owners: Record<string, Array<{ Key: string; Value: string }>>) {
  acm.on(ListCertificatesCommand).resolves({
    CertificateSummaryList: Object.keys(owners).map((name) => ({
      CertificateArn: arn(name),
      DomainName: `${name}.example.com`,
    })),
  });
  for (const [name, tags] of Object.entries(owners)) {
    acm.on(ListTagsForCertificateCommand, { CertificateArn: arn(name) }).resolves({ Tags: tags });
  }
}

beforeEach(() => {
  acm.reset();
  acm.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
  acm.on(DeleteCertificateCommand).resolves({});
});

describe('DeleteCertificate', () => {
  it('deletes every certificate tagged with the project and environment', async () => {
    certificates({
      current: environmentTags,
      previous: [...environmentTags, { Key: 'modeshift:mode', Value: 'staging' }],
    });

    const result = await deleteCertificate(input, clients());

    expect(result).toEqual({});
    expect(acm).toHaveReceivedCommandWith(DeleteCertificateCommand, { CertificateArn: arn('current') });
    expect(acm).toHaveReceivedCommandWith(DeleteCertificateCommand, { CertificateArn: arn('previous') });
  });

  it('never deletes a certificate of another environment or project, or an untagged one', async () => {
    certificates({
      ours: environmentTags,
      sibling: [
        { Key: 'modeshift:project', Value: 'shop' },
        { Key: 'modeshift:environment', Value: 'pr-43' },
      ],
      otherProject: [
        { Key: 'modeshift:project', Value: 'catalog' },
        { Key: 'modeshift:environment', Value: 'pr-42' },
      ],
      untagged: [],
    });

    await deleteCertificate(input, clients());

    expect(acm).toHaveReceivedCommandTimes(DeleteCertificateCommand, 1);
    expect(acm).toHaveReceivedCommandWith(DeleteCertificateCommand, { CertificateArn: arn('ours') });
  });

  it('lists certificates of every status, failed and expired ones included', async () => {
    await deleteCertificate(input, clients());

    const listInput = acm.commandCalls(ListCertificatesCommand)[0]?.args[0].input;
    expect(listInput).toBeDefined();
    expect(listInput?.CertificateStatuses).toBeUndefined();
  });

  it('follows ListCertificates pages', async () => {
    acm
      .on(ListCertificatesCommand)
      .resolvesOnce({ CertificateSummaryList: [], NextToken: 'page-2' })
      .resolves({ CertificateSummaryList: [{ CertificateArn: arn('later') }] });
    acm.on(ListTagsForCertificateCommand).resolves({ Tags: environmentTags });

    await deleteCertificate(input, clients());

    expect(acm).toHaveReceivedCommandWith(ListCertificatesCommand, { NextToken: 'page-2' });
    expect(acm).toHaveReceivedCommandWith(DeleteCertificateCommand, { CertificateArn: arn('later') });
  });

  it('makes no delete call when the environment has no certificate', async () => {
    await deleteCertificate(input, clients());

    expect(acm).not.toHaveReceivedCommand(DeleteCertificateCommand);
  });

  it('raises Modeshift.Throttled while the certificate is still in use by the listener being removed', async () => {
    certificates({ current: environmentTags });
    acm
      .on(DeleteCertificateCommand)
      .rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));

    const run = deleteCertificate(input, clients());

    await expect(run).rejects.toBeInstanceOf(ThrottledError);
    await expect(run).rejects.toMatchObject({ name: 'Modeshift.Throttled' });
  });

  it('counts a certificate deleted in the meantime as deleted', async () => {
    certificates({ current: environmentTags });
    acm
      .on(DeleteCertificateCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    await expect(deleteCertificate(input, clients())).resolves.toEqual({});
  });

  it('skips a certificate that disappears between listing and reading its tags', async () => {
    certificates({ current: environmentTags });
    acm
      .on(ListTagsForCertificateCommand, { CertificateArn: arn('current') })
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    await deleteCertificate(input, clients());

    expect(acm).not.toHaveReceivedCommand(DeleteCertificateCommand);
  });

  it('lets other ACM errors through', async () => {
    certificates({ current: environmentTags });
    acm.on(DeleteCertificateCommand).rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));

    await expect(deleteCertificate(input, clients())).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
