/**
 * The names of the workflow steps, as the ASL calls them (`${<Name>FunctionArn}`).
 * Kept apart from the registry so the SST app can list the steps without
 * bundling their code; a test checks the two agree.
 */
export const STEP_NAMES = [
  'EnsureNetwork',
  'EnsureNatGateways',
  'EnsureDatabases',
  'EnsureLoadBalancer',
  'EnsurePrivateNamespace',
  'EnsurePublicZones',
  'StartBuilds',
  'CheckBuilds',
  'EnsureLogGroups',
  'EnsureCertificate',
  'EnsureListeners',
  'RolloutServices',
  'WriteDnsRecords',
  'DeleteServices',
  'DisableLoadBalancerProtection',
  'DeleteLoadBalancer',
  'DeleteCertificate',
  'FindDatabases',
  'DeleteDatabases',
  'CheckDatabasesDeleted',
  'DeleteBuildResources',
  'DeleteLogGroups',
  'DeletePrivateNamespace',
  'DeleteNetwork',
  'PurgeAndDeleteZones',
  'RemoveServiceRecords',
  'DeleteAccessLogBucket',
  'DescribeFailure',
] as const;

/** Memory of each step's Lambda function (stacks/workflow-steps.ts); what its GB-seconds are billed on. */
export const STEP_FUNCTION_MEMORY_MB = 512;

/** `EnsureNetwork` → `ensure-network.ts`: every step lives in the file named after it (its Lambda entry too, under functions/steps/lambda/). */
export function stepFile(step: string): string {
  return `${step.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`;
}
