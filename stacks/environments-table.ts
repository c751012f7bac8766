/**
 * The environments table: one record per environment (current mode, status,
 * the lock of the deployment in progress, the request queued behind it,
 * expiry) and one item per history entry, under the same partition key.
 *
 * The sweeper finds expired or idle development environments with a query on
 * `sweepMode` (set only on live environment records), never a scan. The
 * production stage of modeshift keeps the table when the app is removed.
 */
export function createEnvironmentsTable() {
  return new sst.aws.Dynamo(
    'Environments',
    {
      fields: {
        pk: 'string',
        sk: 'string',
        sweepMode: 'string',
        expiresAt: 'number',
        lastActivityAt: 'number',
      },
      primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
      globalIndexes: {
        byModeAndExpiry: { hashKey: 'sweepMode', rangeKey: 'expiresAt' },
        byModeAndActivity: { hashKey: 'sweepMode', rangeKey: 'lastActivityAt' },
      },
      ttl: 'purgeAt',
    },
    { retainOnDelete: $app.stage === 'production' },
  );
}
