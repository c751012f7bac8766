/**
 * The names of the workflow steps, as the ASL calls them (`${<Name>FunctionArn}`).
 * Kept apart from the registry so the SST app can list the steps without
 * bundling their code; a test checks the two agree.
 */
export const STEP_NAMES = [
  'EnsureNetwork',
  'EnsureNatGateways',
  'EnsureDatabase',
  'EnsureLoadBalancer',
  'EnsurePrivateNamespace',
  'EnsurePublicZones',
  'EnsureBuildProject',
  'EnsureCertificate',
  'EnsureListeners',
  'RegisterTaskDefinition',
  'EnsureService',
  'CheckServicesStable',
  'WriteDnsRecords',
  'DeleteServices',
  'DisableLoadBalancerProtection',
  'DeleteLoadBalancer',
  'DeleteCertificate',
  'FindDatabases',
  'CheckDatabaseDeleted',
  'DeleteBuildResources',
  'DeleteLogGroups',
  'DeletePrivateNamespace',
  'DeleteNetwork',
  'PurgeAndDeleteZones',
  'RemoveServiceRecords',
  'DeleteAccessLogBucket',
  'DescribeFailure',
] as const;
