/**
 * AWS errors by name, the one way modeshift matches them: the SDK sets an
 * error's `name` to the service's error code (`DependencyViolation`,
 * `InvalidPermission.Duplicate`, `ResourceInUse`), whether or not the
 * package models it as a class, and code that tolerates a known refusal
 * matches on it. (Throttling is recognised by the SDK's own classifier:
 * functions/step-errors.ts.)
 */

/** Whether `error` is an AWS SDK error with one of `names`. */
export function hasAwsErrorName(error: unknown, ...names: readonly string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/**
 * `error` when it is an AWS SDK error of that name, typed as the package's
 * modelled exception so its fields can be read:
 * `awsErrorNamed<DuplicateRequest>(error, 'DuplicateRequest')?.DuplicateOperationId`.
 */
export function awsErrorNamed<E extends Error>(error: unknown, name: E['name']): Partial<E> | undefined {
  return hasAwsErrorName(error, name) ? (error as Partial<E>) : undefined;
}

/** Whether `error` says the resource is already gone (`InvalidVpcID.NotFound`, `NatGatewayNotFound`, …). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name.endsWith('NotFound');
}
