/**
 * From an SDK call to the IAM actions AWS checks for it: the called action
 * itself (S3's differ from its operations), the tag action of a create that
 * carries tags, a role passed to a service, and the actions AWS checks
 * behind some calls (a service-linked role, RDS's managed secret).
 */
import type { AwsService } from '../aws-services.ts';
import type { ModeshiftArns } from './arns.ts';
import type { Grant } from './policy.ts';

/** What an S3 action applies to. */
export type S3Level = 'bucket' | 'object' | 'account';

/**
 * S3 is the one service whose IAM actions are not its API operations. Each
 * operation modeshift may call, with the IAM actions it needs and whether they
 * apply to the bucket, its objects, or the account. An operation missing here
 * is an error rather than a guess, because a guessed S3 action may not exist.
 * `DeleteObject(s)` also need `DeleteObjectVersion`: the access-log bucket is
 * emptied version by version.
 */
export const S3_ACTIONS: Readonly<Record<string, ReadonlyArray<readonly [string, S3Level]>>> = {
  CreateBucket: [['s3:CreateBucket', 'bucket']],
  DeleteBucket: [['s3:DeleteBucket', 'bucket']],
  HeadBucket: [['s3:ListBucket', 'bucket']],
  ListObjects: [['s3:ListBucket', 'bucket']],
  ListObjectsV2: [['s3:ListBucket', 'bucket']],
  ListObjectVersions: [['s3:ListBucketVersions', 'bucket']],
  GetBucketLocation: [['s3:GetBucketLocation', 'bucket']],
  GetBucketTagging: [['s3:GetBucketTagging', 'bucket']],
  PutBucketTagging: [['s3:PutBucketTagging', 'bucket']],
  DeleteBucketTagging: [['s3:PutBucketTagging', 'bucket']],
  GetBucketPolicy: [['s3:GetBucketPolicy', 'bucket']],
  PutBucketPolicy: [['s3:PutBucketPolicy', 'bucket']],
  DeleteBucketPolicy: [['s3:DeleteBucketPolicy', 'bucket']],
  GetPublicAccessBlock: [['s3:GetBucketPublicAccessBlock', 'bucket']],
  PutPublicAccessBlock: [['s3:PutBucketPublicAccessBlock', 'bucket']],
  DeletePublicAccessBlock: [['s3:PutBucketPublicAccessBlock', 'bucket']],
  GetBucketEncryption: [['s3:GetEncryptionConfiguration', 'bucket']],
  PutBucketEncryption: [['s3:PutEncryptionConfiguration', 'bucket']],
  GetBucketVersioning: [['s3:GetBucketVersioning', 'bucket']],
  PutBucketVersioning: [['s3:PutBucketVersioning', 'bucket']],
  GetBucketLifecycleConfiguration: [['s3:GetLifecycleConfiguration', 'bucket']],
  PutBucketLifecycleConfiguration: [['s3:PutLifecycleConfiguration', 'bucket']],
  PutBucketOwnershipControls: [['s3:PutBucketOwnershipControls', 'bucket']],
  GetObject: [['s3:GetObject', 'object']],
  HeadObject: [['s3:GetObject', 'object']],
  PutObject: [['s3:PutObject', 'object']],
  DeleteObject: [
    ['s3:DeleteObject', 'object'],
    ['s3:DeleteObjectVersion', 'object'],
  ],
  DeleteObjects: [
    ['s3:DeleteObject', 'object'],
    ['s3:DeleteObjectVersion', 'object'],
  ],
  ListBuckets: [['s3:ListAllMyBuckets', 'account']],
};

/** An IAM action an operation needs, and for S3 what it applies to. */
export interface IamAction {
  readonly action: string;
  readonly s3Level?: S3Level;
}

/**
 * The IAM actions an SDK operation needs: `<prefix>:<Operation>`, except for
 * S3 (see the table above). Undefined for an S3 operation not in the table.
 */
export function iamActionsOf(service: AwsService, operation: string): readonly IamAction[] | undefined {
  if (service.id !== 's3') return [{ action: `${service.iamPrefix}:${operation}` }];
  return S3_ACTIONS[operation]?.map(([action, s3Level]) => ({ action, s3Level }));
}

/** The resources of an S3 action, by what it applies to. */
export function s3Resources(level: S3Level, arns: ModeshiftArns): string[] {
  if (level === 'account') return ['*'];
  return [level === 'bucket' ? arns.accessLogBuckets : arns.accessLogObjects];
}

/** Whether an operation creates a resource, so that tags in it are checked as a tag-on-create. */
export function isCreateOperation(operation: string): boolean {
  return /^(Create|Register|Request|Allocate|Run)[A-Z]/.test(operation) && operation !== 'CreateTags';
}

/**
 * Actions that pass a role, and the service principal the role is passed to
 * (the value of `iam:PassedToService`).
 */
export const ROLE_TAKING_ACTIONS: Readonly<Record<string, string>> = {
  'codebuild:CreateProject': 'codebuild.amazonaws.com',
  'codebuild:UpdateProject': 'codebuild.amazonaws.com',
  'codebuild:StartBuild': 'codebuild.amazonaws.com',
  'ecs:RegisterTaskDefinition': 'ecs-tasks.amazonaws.com',
  // A task's execution role (and its task role) are passed by whoever runs it.
  'ecs:RunTask': 'ecs-tasks.amazonaws.com',
  'events:PutTargets': 'events.amazonaws.com',
  'scheduler:CreateSchedule': 'scheduler.amazonaws.com',
  'scheduler:UpdateSchedule': 'scheduler.amazonaws.com',
};

/**
 * Actions that create a service's service-linked role when the account has
 * none yet (a fresh account's first ECS cluster or service, load balancer,
 * database), and the service it is created for.
 */
const SERVICE_LINKED_ROLES: Readonly<Record<string, string>> = {
  'ecs:CreateCluster': 'ecs.amazonaws.com',
  'ecs:CreateService': 'ecs.amazonaws.com',
  'elasticloadbalancing:CreateLoadBalancer': 'elasticloadbalancing.amazonaws.com',
  'rds:CreateDBInstance': 'rds.amazonaws.com',
  'elasticache:CreateReplicationGroup': 'elasticache.amazonaws.com',
  'application-autoscaling:RegisterScalableTarget': 'ecs.application-autoscaling.amazonaws.com',
};

/**
 * Actions AWS checks behind another one, beyond tag on create: the first
 * cluster, load balancer, database or scalable service of an account creates
 * the service's service-linked role on the caller's permission; Application
 * Auto Scaling reads and updates the ECS service and makes the alarms of its
 * target tracking on the caller's permission; RDS creating a database
 * whose master password it manages in Secrets Manager (modeshift always lets
 * it: docs/design.md §2) needs `secretsmanager:CreateSecret`,
 * `secretsmanager:TagResource` and `kms:DescribeKey` (RDS User Guide,
 * "Permissions required for Secrets Manager integration").
 */
export function dependentGrants(action: string, arns: ModeshiftArns): Grant[] {
  const grants: Grant[] = [];
  const linkedService = SERVICE_LINKED_ROLES[action];
  if (linkedService !== undefined) {
    grants.push({
      action: 'iam:CreateServiceLinkedRole',
      resources: [arns.serviceLinkedRoles(linkedService)],
      condition: { StringEquals: { 'iam:AWSServiceName': linkedService } },
    });
  }
  // Application Auto Scaling acts on the caller's permission: registering a service reads and
  // updates it, and a target-tracking policy makes (and its removal deletes) CloudWatch alarms
  // (ECS Developer Guide, "IAM permissions required for Amazon ECS service auto scaling").
  if (action === 'application-autoscaling:RegisterScalableTarget') {
    grants.push(
      { action: 'ecs:DescribeServices', resources: [arns.ecsServices] },
      { action: 'ecs:UpdateService', resources: [arns.ecsServices] },
    );
  }
  if (
    action === 'application-autoscaling:PutScalingPolicy' ||
    action === 'application-autoscaling:DeregisterScalableTarget'
  ) {
    grants.push(
      { action: 'cloudwatch:DescribeAlarms', resources: [arns.targetTrackingAlarms] },
      { action: 'cloudwatch:PutMetricAlarm', resources: [arns.targetTrackingAlarms] },
      { action: 'cloudwatch:DeleteAlarms', resources: [arns.targetTrackingAlarms] },
    );
  }
  // WAF associates a web ACL with a load balancer on the caller's permission to set one on it
  // (AWS WAF Developer Guide, "Permissions to associate a web ACL").
  if (action === 'wafv2:AssociateWebACL' || action === 'wafv2:DisassociateWebACL') {
    grants.push({ action: 'elasticloadbalancing:SetWebACL', resources: ['*'] });
  }
  if (action === 'rds:CreateDBInstance') {
    grants.push(
      { action: 'secretsmanager:CreateSecret', resources: [arns.rdsSecrets] },
      { action: 'secretsmanager:TagResource', resources: [arns.rdsSecrets] },
      { action: 'kms:DescribeKey', resources: [arns.kmsKeys] },
    );
  }
  return grants;
}
