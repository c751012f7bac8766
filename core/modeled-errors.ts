/**
 * The errors a service's model declares, as its JS SDK v3 package exports
 * them: one class per modeled error (`DBInstanceNotFoundFault`,
 * `ThrottlingException`), besides the package's `<Service>ServiceException`
 * base. Step Functions names an aws-sdk integration's error after its class
 * only when the model declares it; any other error (RDS's `Throttling`, most
 * 5xx) arrives as `<Service>.<Service>Exception` (engine/sdk-errors.ts). So
 * whether a `Retry` or `Catch` name can ever match is read from here.
 */
import type { AwsService } from './aws-services.ts';

/** Whether the service's model declares an error of this name (as the SDK spells it): its package exports a class for it. */
export function isModeledError(service: AwsService, errorName: string): boolean {
  const exported = service.sdk[errorName];
  return (
    typeof exported === 'function' &&
    exported.prototype instanceof Error &&
    !errorName.endsWith('ServiceException')
  );
}

/** Every error the service's model declares, as the SDK spells it, without its `…ServiceException` base. */
export function modeledErrors(service: AwsService): string[] {
  return Object.keys(service.sdk).filter((name) => isModeledError(service, name));
}
