/**
 * modeshift's own resources in an account it runs in locally — what the SST
 * app creates on AWS (stacks/): the environments table, the event bus, the
 * roles the workflows hand to AWS services, the permission boundary of the
 * apps' task roles, and the bucket build contexts are
 * uploaded to. Idempotent: an existing resource is left as it is, but for the
 * bucket's lifecycle rules, which are set again (the same rules every time).
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  type EventBridgeClient,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  EntityAlreadyExistsException,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ARTIFACT_LIFECYCLE_RULES } from '../core/artifact-lifecycle.ts';
import { APP_BOUNDARY_NAME, APP_BOUNDARY_PATH, appBoundaryDocument } from '../core/iam/app-boundary.ts';

/** Names and ARNs the workflows' `${Placeholder}` tokens resolve to. */
export interface LocalTarget {
  readonly accountId: string;
  readonly region: string;
  readonly tableName: string;
  readonly busName: string;
  readonly artifactBucket: string;
}

export const DEFAULT_LOCAL_TARGET: LocalTarget = {
  accountId: '123456789012',
  region: 'us-east-1',
  tableName: 'modeshift-environments',
  busName: 'modeshift',
  artifactBucket: 'modeshift-artifacts',
};

const ROLES = {
  SchedulerRoleArn: { name: 'modeshift-scheduler', service: 'scheduler.amazonaws.com' },
} as const;

/** The workflows' placeholders for a target. */
export function placeholdersFor(target: LocalTarget): Record<string, string> {
  const iam = (name: string) => `arn:aws:iam::${target.accountId}:role/${name}`;
  return {
    EnvironmentsTable: target.tableName,
    EventBusName: target.busName,
    EventBusArn: `arn:aws:events:${target.region}:${target.accountId}:event-bus/${target.busName}`,
    AccountId: target.accountId,
    Region: target.region,
    ...Object.fromEntries(Object.entries(ROLES).map(([key, role]) => [key, iam(role.name)])),
  };
}

async function ignoring<T>(
  run: () => Promise<T>,
  ...accepted: Array<new (...args: never[]) => Error>
): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (accepted.some((kind) => error instanceof kind)) return;
    if (
      error instanceof Error &&
      /already (exists|owned)|AlreadyOwnedByYou/i.test(`${error.name} ${error.message}`)
    )
      return;
    throw error;
  }
}

/** The bucket build contexts are uploaded to, expiring them as the SST app's does (core/artifact-lifecycle.ts). */
async function createArtifactBucket(bucket: string, s3: S3Client): Promise<void> {
  await ignoring(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: ARTIFACT_LIFECYCLE_RULES.map((rule) => structuredClone(rule)) },
    }),
  );
}

export async function bootstrapLocalTarget(
  target: LocalTarget,
  clients: { dynamodb: DynamoDBClient; eventbridge: EventBridgeClient; iam: IAMClient; s3: S3Client },
): Promise<void> {
  await Promise.all([
    ignoring(
      () =>
        clients.dynamodb.send(
          new CreateTableCommand({
            TableName: target.tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
              { AttributeName: 'sweepMode', AttributeType: 'S' },
              { AttributeName: 'expiresAt', AttributeType: 'N' },
              { AttributeName: 'lastActivityAt', AttributeType: 'N' },
            ],
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            GlobalSecondaryIndexes: [
              {
                IndexName: 'byModeAndExpiry',
                KeySchema: [
                  { AttributeName: 'sweepMode', KeyType: 'HASH' },
                  { AttributeName: 'expiresAt', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              },
              {
                IndexName: 'byModeAndActivity',
                KeySchema: [
                  { AttributeName: 'sweepMode', KeyType: 'HASH' },
                  { AttributeName: 'lastActivityAt', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              },
            ],
          }),
        ),
      ResourceInUseException,
    ),
    ignoring(
      () => clients.eventbridge.send(new CreateEventBusCommand({ Name: target.busName })),
      ResourceAlreadyExistsException,
    ),
    ...Object.values(ROLES).map((role) =>
      ignoring(
        () =>
          clients.iam.send(
            new CreateRoleCommand({
              RoleName: role.name,
              AssumeRolePolicyDocument: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Principal: { Service: role.service }, Action: 'sts:AssumeRole' },
                ],
              }),
            }),
          ),
        EntityAlreadyExistsException,
      ),
    ),
    ignoring(
      () =>
        clients.iam.send(
          new CreatePolicyCommand({
            PolicyName: APP_BOUNDARY_NAME,
            Path: APP_BOUNDARY_PATH,
            PolicyDocument: appBoundaryDocument(),
            Description: "The permission boundary of the apps' task roles modeshift creates",
          }),
        ),
      EntityAlreadyExistsException,
    ),
    createArtifactBucket(target.artifactBucket, clients.s3),
  ]);
}
