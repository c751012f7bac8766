/**
 * DeleteCertificate (down): deletes every ACM certificate tagged with this
 * project and environment, whatever its status. It runs after the load
 * balancer is deleted; while ACM still counts the certificate as in use by the
 * listener being removed, the step raises Modeshift.Throttled and the
 * workflow retries it with backoff.
 */
import {
  ACMClient,
  DeleteCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { findEnvironmentCertificates } from '../aws/acm/environment-certificates.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { ThrottledError } from '../step-errors.ts';

export type DeleteCertificateInput = EnvironmentStepInput;

export type DeleteCertificateOutput = Record<string, never>;

/** Deletes the environment's certificates; one already gone counts as deleted. */
export const deleteCertificate = defineStep({
  name: 'DeleteCertificate',
  clients: { acm: ACMClient },
  sends: [ListCertificatesCommand, ListTagsForCertificateCommand, DeleteCertificateCommand],
  async run(input: DeleteCertificateInput, { acm }): Promise<DeleteCertificateOutput> {
    const owner = { project: input.project, environment: input.environment };
    for (const certificate of await findEnvironmentCertificates(acm, owner)) {
      const arn = certificate.CertificateArn as string;
      try {
        await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
      } catch (error) {
        if (hasAwsErrorName(error, 'ResourceNotFoundException')) continue;
        if (hasAwsErrorName(error, 'ResourceInUseException')) {
          throw new ThrottledError(
            `certificate ${arn} of ${input.names.prefix} is still in use (the load balancer's listener is being ` +
              'removed): retrying',
            { cause: error },
          );
        }
        throw error;
      }
    }
    return {};
  },
});

export const handler = lambdaHandler(deleteCertificate);
