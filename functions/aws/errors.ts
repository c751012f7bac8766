/**
 * AWS errors by name: the SDK sets `name` to the service's error code
 * (`DependencyViolation`, `InvalidPermission.Duplicate`, `ResourceInUse`), and
 * steps that tolerate a known refusal match on it.
 */

/** Whether `error` is an AWS SDK error with one of `names`. */
export function hasAwsErrorName(error: unknown, ...names: readonly string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/** Whether `error` says the resource is already gone (`InvalidVpcID.NotFound`, `NatGatewayNotFound`, …). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name.endsWith('NotFound');
}
