/**
 * SDK errors → Step Functions error names, so `Retry`/`Catch` `ErrorEquals`
 * match locally as they do on AWS.
 *
 * aws-sdk integrations (Java SDK v2 naming, see the AWS docs on aws-sdk
 * service integrations): `<Service>.<Exception>`, the exception named after
 * the modeled error shape and always ending in `Exception`
 * (`Rds.DbInstanceNotFoundException` for `DBInstanceNotFoundFault`,
 * `Route53.NoSuchHostedZoneException` for `NoSuchHostedZone`). An error the
 * service model does not declare becomes `<Service>.<Service>Exception`: every
 * EC2 error (`Ec2.Ec2Exception`), and throttling codes such as Route 53's
 * `Throttling` or EC2's `RequestLimitExceeded`.
 *
 * Optimized integrations (`arn:aws:states:::dynamodb:putItem`, …) name errors
 * `<Prefix>.<ErrorCode>` with the API's own code (`DynamoDB.ConditionalCheckFailedException`).
 *
 * The cause follows the Java SDK's message, `<message> (Service: Rds, Status
 * Code: 404, Request ID: …)`. Where the name does not say which error it was
 * (the `<Service>Exception` fallback), the cause also carries `Error Code:
 * <code>`, so a throttled EC2 call reads `Ec2.Ec2Exception` with
 * `RequestLimitExceeded` in its cause. An error that never reached the
 * service (a plain `TypeError`, a refused connection) is `<Service>.SdkClientException`.
 */

import type { AwsService } from '../core/aws-services.ts';
import { TaskError } from './errors.ts';
import { javaExceptionName } from './java-names.ts';

export type ErrorNaming =
  | { readonly style: 'aws-sdk'; readonly service: AwsService }
  | { readonly style: 'optimized'; readonly service: AwsService; readonly prefix: string };

const JAVASCRIPT_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
  'AggregateError',
  'AbortError',
]);

interface SdkErrorFields {
  name?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/** Whether the service model declares an error of this name: the package exports a class for it. */
function isModeledError(service: AwsService, errorName: string): boolean {
  const exported = service.sdk[errorName];
  return (
    typeof exported === 'function' &&
    exported.prototype instanceof Error &&
    !errorName.endsWith('ServiceException')
  );
}

function causeOf(message: string, service: string, fields: SdkErrorFields, errorCode?: string): string {
  const details = [`Service: ${service}`];
  const status = fields.$metadata?.httpStatusCode;
  if (typeof status === 'number') details.push(`Status Code: ${status}`);
  if (errorCode !== undefined) details.push(`Error Code: ${errorCode}`);
  const requestId = fields.$metadata?.requestId;
  if (typeof requestId === 'string' && requestId !== '') details.push(`Request ID: ${requestId}`);
  return `${message} (${details.join(', ')})`;
}

/** The TaskError a Task fails with when the SDK call throws `error`. */
export function toStepFunctionsError(error: unknown, naming: ErrorNaming): TaskError {
  const fields: SdkErrorFields = typeof error === 'object' && error !== null ? (error as SdkErrorFields) : {};
  const code = typeof fields.name === 'string' && fields.name !== '' ? fields.name : 'Error';
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  const service = naming.service.errorPrefix;
  const prefix = naming.style === 'aws-sdk' ? service : naming.prefix;
  const reachedService =
    fields.$metadata !== undefined || fields.$fault !== undefined || !JAVASCRIPT_ERRORS.has(code);
  if (!reachedService) {
    return new TaskError(`${prefix}.SdkClientException`, causeOf(message, service, fields, code), error);
  }
  if (naming.style === 'optimized') {
    return new TaskError(`${prefix}.${code}`, causeOf(message, service, fields), error);
  }
  if (isModeledError(naming.service, code)) {
    return new TaskError(`${prefix}.${javaExceptionName(code)}`, causeOf(message, service, fields), error);
  }
  return new TaskError(`${prefix}.${prefix}Exception`, causeOf(message, service, fields, code), error);
}
