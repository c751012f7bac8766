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

/**
 * Whether an endpoint does not implement the operation (an emulator: moto has
 * no CodeBuild UpdateProject, no ECS ExecuteCommand). It answers with
 * something that is not the service's error: a 404 or 501, or a page the SDK
 * cannot read as JSON. AWS itself always answers in the service's protocol.
 */
export function isUnsupportedOperation(error: unknown): boolean {
  const failure = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  return (
    failure.name === 'SyntaxError' ||
    ((status === 404 || status === 501) && !hasAwsErrorName(error, 'ResourceNotFoundException'))
  );
}
