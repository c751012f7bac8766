/**
 * EnsureLoadBalancer: the access-log bucket, the internet-facing application
 * load balancer and a target group per public service. Deletion protection
 * and access logs are the workflow's ConfigureLoadBalancer state's business:
 * it turns them on after this step, once the bucket policy lets the load
 * balancer write.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyTargetGroupCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { TargetGroupSpec } from '../../core/execution-input.ts';
import { accessLogBucketName } from '../../core/names.ts';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import {
  deleteTargetGroups,
  describeTags,
  findEnvironmentLoadBalancer,
  findEnvironmentTargetGroups,
} from '../aws/elbv2/environment-load-balancer.ts';
import {
  assertOwned,
  ENVIRONMENT_TAG,
  type EnvironmentIdentity,
  PROJECT_TAG,
} from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentNames, LoadBalancerRef, NetworkRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of EnsureLoadBalancer, as the deploy workflow passes it. */
export interface EnsureLoadBalancerInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  /** The four modeshift tags, put on everything this step creates. */
  readonly tags: readonly Tag[];
  readonly network: NetworkRef;
  /** One target group per public service. */
  readonly targetGroups: readonly TargetGroupSpec[];
  /** Days the access logs are kept: the mode's log retention (`logRetentionDays`). */
  readonly accessLogExpiryDays: number;
  readonly accountId: string;
  readonly region: string;
}

/** The load balancer, its access-log bucket and the target groups. */
export type EnsureLoadBalancerOutput = LoadBalancerRef;

/**
 * Accounts Elastic Load Balancing writes access logs from, in the regions that
 * predate the `logdelivery.elasticloadbalancing.amazonaws.com` service
 * principal (regions opened before August 2022). Source: "Enable access logs
 * for your Application Load Balancer", Elastic Load Balancing User Guide.
 * Newer regions need only the service principal, which every policy gets.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-central-1': '054676820928',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-northeast-1': '582318560864',
};

const LOG_DELIVERY_SERVICE = 'logdelivery.elasticloadbalancing.amazonaws.com';
const HEALTHY_HTTP_CODES = '200-399';

/**
 * Creates what is missing and brings what exists to the desired settings;
 * deletes this environment's target groups no longer wanted once no listener
 * uses them.
 *
 * @throws StepError `Modeshift.NotOwned` when the bucket, the load
 * balancer or a target group of this environment's name is not this
 * environment's.
 */
export const ensureLoadBalancer = defineStep({
  name: 'EnsureLoadBalancer',
  clients: { elbv2: ElasticLoadBalancingV2Client, s3: S3Client, ddb: DynamoDBClient },
  sends: [
    UpdateItemCommand,
    AddTagsCommand,
    CreateLoadBalancerCommand,
    CreateTargetGroupCommand,
    DeleteTargetGroupCommand,
    DescribeLoadBalancersCommand,
    DescribeTagsCommand,
    DescribeTargetGroupsCommand,
    ModifyTargetGroupCommand,
    SetSecurityGroupsCommand,
    SetSubnetsCommand,
    CreateBucketCommand,
    GetBucketTaggingCommand,
    HeadBucketCommand,
    PutBucketEncryptionCommand,
    PutBucketLifecycleConfigurationCommand,
    PutBucketPolicyCommand,
    PutBucketTaggingCommand,
    PutPublicAccessBlockCommand,
  ],
  async run(input: EnsureLoadBalancerInput, { elbv2, s3, ddb }): Promise<EnsureLoadBalancerOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const shared = input.network.shared;
    if (shared?.loadBalancer !== true) {
      const accessLogBucket = await ensureAccessLogBucket(s3, input, owner);
      const loadBalancer = await ensureApplicationLoadBalancer(elbv2, input, owner);
      return {
        ...(await ensureTargetGroups(elbv2, input, owner, loadBalancer)),
        accessLogBucket,
        shared: false,
      };
    }
    // The shared load balancer and the environment's target groups, under the shared network's lease:
    // a down that finds no other environment's target groups in the VPC removes the load balancer.
    const sharedInput = {
      ...input,
      project: input.project,
      environment: shared.environment,
      names: { ...input.names, loadBalancer: shared.names.loadBalancer },
      tags: shared.tags,
    };
    const lease = {
      table: shared.lockTable,
      key: shared.names.recordKey,
      holder: `${input.project}/${input.environment}`,
    };
    return withNetworkLease(ddb, lease, async () => {
      const sharedOwner = { project: input.project, environment: shared.environment };
      const loadBalancer = await ensureApplicationLoadBalancer(elbv2, sharedInput, sharedOwner);
      // No access logs: they would mix the environments', which development and staging delete at down.
      return {
        ...(await ensureTargetGroups(elbv2, input, owner, loadBalancer)),
        accessLogBucket: '',
        shared: true,
      };
    });
  },
});

/** The environment's target groups, the unwanted ones deleted, and the load balancer's reference. */
async function ensureTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  input: EnsureLoadBalancerInput,
  owner: EnvironmentIdentity,
  loadBalancer: LoadBalancer,
): Promise<Omit<LoadBalancerRef, 'accessLogBucket' | 'shared'>> {
  const targetGroups: Array<LoadBalancerRef['targetGroups'][number]> = [];
  for (const wanted of input.targetGroups) {
    const arn = await ensureTargetGroup(elbv2, wanted, input, owner);
    targetGroups.push({ service: wanted.service, arn, port: wanted.port });
  }
  await deleteUnwantedTargetGroups(elbv2, input, owner);

  return {
    arn: loadBalancer.LoadBalancerArn as string,
    dnsName: loadBalancer.DNSName as string,
    canonicalHostedZoneId: loadBalancer.CanonicalHostedZoneId as string,
    targetGroups,
  };
}

// ── Access-log bucket ────────────────────────────────────────────────────────

async function ensureAccessLogBucket(
  s3: S3Client,
  input: EnsureLoadBalancerInput,
  owner: EnvironmentIdentity,
): Promise<string> {
  const bucket = accessLogBucketName(input.project, input.environment, input.accountId, input.region);
  // Every call on the bucket names this account as its owner: S3 refuses it (403) for a bucket of the
  // same name in another account (bucket names are global and this one is predictable).
  const ours = { Bucket: bucket, ExpectedBucketOwner: input.accountId };
  if (await bucketExists(s3, ours)) {
    await assertBucketIsOurs(s3, ours, owner);
  } else {
    await createBucket(s3, bucket, input.region);
  }
  // Tags first, so a bucket this step created is recognisable as ours even if a later call fails.
  await s3.send(new PutBucketTaggingCommand({ ...ours, Tagging: { TagSet: [...input.tags] } }));
  await s3.send(
    new PutPublicAccessBlockCommand({
      ...ours,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      ...ours,
      ServerSideEncryptionConfiguration: {
        // Load balancers deliver access logs only to SSE-S3 buckets.
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      ...ours,
      LifecycleConfiguration: accessLogLifecycle(input.accessLogExpiryDays),
    }),
  );
  await s3.send(
    new PutBucketPolicyCommand({
      ...ours,
      Policy: accessLogBucketPolicy(bucket, input.names.prefix, input.accountId, input.region),
    }),
  );
  return bucket;
}

/**
 * Access logs expire with the mode's log retention (1, 7 or 30 days), like
 * the services' CloudWatch logs; versions left behind and unfinished uploads go a day later.
 */
export function accessLogLifecycle(days: number) {
  return {
    Rules: [
      {
        ID: 'ExpireAccessLogs',
        Status: 'Enabled' as const,
        Filter: { Prefix: '' },
        Expiration: { Days: Math.max(1, days) },
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

/** The access-log bucket, and the account that must own it (`ExpectedBucketOwner`). */
interface OwnedBucket {
  readonly Bucket: string;
  readonly ExpectedBucketOwner: string;
}

/** HeadBucket: 200 ours, 404 absent, 403 someone else's. */
async function bucketExists(s3: S3Client, ours: OwnedBucket): Promise<boolean> {
  const bucket = ours.Bucket;
  try {
    await s3.send(new HeadBucketCommand(ours));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403) throw bucketTakenElsewhere(bucket, 'HeadBucket answered 403 Forbidden');
    throw error;
  }
}

/**
 * A bucket tagged for another environment is a conflict. An untagged one is
 * adopted: this step tags a bucket right after creating it, and a run that
 * stopped in between leaves it untagged; the account and region hash in the
 * name keeps others' buckets from landing on it.
 */
async function assertBucketIsOurs(
  s3: S3Client,
  ours: OwnedBucket,
  owner: EnvironmentIdentity,
): Promise<void> {
  const bucket = ours.Bucket;
  let tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }>;
  try {
    tags = (await s3.send(new GetBucketTaggingCommand(ours))).TagSet ?? [];
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchTagSet')) return;
    throw error;
  }
  const tagged = tags.some((tag) => tag.Key === PROJECT_TAG || tag.Key === ENVIRONMENT_TAG);
  if (tagged) assertOwned(`S3 bucket ${bucket}`, tags, owner);
}

async function createBucket(s3: S3Client, bucket: string, region: string) {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the default location and must not be named.
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    if (hasAwsErrorName(error, 'BucketAlreadyOwnedByYou')) return;
    if (hasAwsErrorName(error, 'BucketAlreadyExists')) {
      throw bucketTakenElsewhere(bucket, 'CreateBucket: BucketAlreadyExists');
    }
    throw error;
  }
}

/** Bucket names are global: another account holds this one (or this function may not see it). */
function bucketTakenElsewhere(bucket: string, evidence: string): StepError {
  return new StepError(
    'Modeshift.NotOwned',
    `S3 bucket "${bucket}" for the load balancer's access logs exists outside this account or cannot be ` +
      `read by this function (${evidence}); check who owns it`,
  );
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Lets Elastic Load Balancing put access logs under
 * `<prefix>/AWSLogs/<account>/`: the log-delivery service principal, and in
 * the regions that predate it the region's Elastic Load Balancing account.
 * Denies every request that does not come over TLS (`aws:SecureTransport`).
 */
export function accessLogBucketPolicy(
  bucket: string,
  prefix: string,
  accountId: string,
  region: string,
): string {
  const partition = partitionOf(region);
  const resource = `arn:${partition}:s3:::${bucket}/${prefix}/AWSLogs/${accountId}/*`;
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const statements: object[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'LoadBalancerLogDelivery',
      Effect: 'Allow',
      Principal: { Service: LOG_DELIVERY_SERVICE },
      Action: 's3:PutObject',
      Resource: resource,
    },
  ];
  const regionalAccount = ELB_LOG_DELIVERY_ACCOUNTS[region];
  if (regionalAccount !== undefined) {
    statements.push({
      Sid: 'RegionalLoadBalancerAccountLogDelivery',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${regionalAccount}:root` },
      Action: 's3:PutObject',
      Resource: resource,
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

// ── Load balancer ────────────────────────────────────────────────────────────

async function ensureApplicationLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  input: EnsureLoadBalancerInput,
  owner: EnvironmentIdentity,
): Promise<LoadBalancer> {
  const name = input.names.loadBalancer;
  const subnets = [...input.network.publicSubnetIds];
  const securityGroups = [input.network.securityGroups.loadBalancer];
  const existing = await findEnvironmentLoadBalancer(elbv2, name, owner);

  if (existing === undefined) {
    const created = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: name,
        Type: 'application',
        Scheme: 'internet-facing',
        IpAddressType: 'ipv4',
        Subnets: subnets,
        SecurityGroups: securityGroups,
        Tags: [...input.tags],
      }),
    );
    const balancer = created.LoadBalancers?.[0];
    if (balancer?.LoadBalancerArn === undefined) {
      throw new Error(`CreateLoadBalancer returned no load balancer for "${name}"`);
    }
    return balancer;
  }

  const arn = existing.LoadBalancerArn as string;
  if (existing.Type !== 'application' || existing.Scheme !== 'internet-facing') {
    throw new StepError(
      'Modeshift.ResourceConflict',
      `load balancer "${name}" is ${existing.Scheme} ${existing.Type}, expected internet-facing application: ` +
        'delete it so the next deploy can create it again',
    );
  }
  const currentSubnets = (existing.AvailabilityZones ?? []).flatMap((zone) =>
    zone.SubnetId ? [zone.SubnetId] : [],
  );
  if (!sameSet(currentSubnets, subnets)) {
    await elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnets }));
  }
  if (!sameSet(existing.SecurityGroups ?? [], securityGroups)) {
    await elbv2.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: securityGroups }));
  }
  await elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [...input.tags] }));
  return existing;
}

function sameSet(actual: readonly string[], wanted: readonly string[]): boolean {
  return actual.length === wanted.length && wanted.every((value) => actual.includes(value));
}

// ── Target groups ────────────────────────────────────────────────────────────

async function ensureTargetGroup(
  elbv2: ElasticLoadBalancingV2Client,
  wanted: EnsureLoadBalancerInput['targetGroups'][number],
  input: EnsureLoadBalancerInput,
  owner: EnvironmentIdentity,
): Promise<string> {
  const vpcId = input.network.vpcId;
  const existing = await findTargetGroupByName(elbv2, wanted.name);

  if (existing === undefined) {
    const created = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: wanted.name,
        Protocol: 'HTTP',
        Port: wanted.port,
        VpcId: vpcId,
        TargetType: 'ip',
        ...healthCheckOf(wanted),
        Tags: [...input.tags],
      }),
    );
    const arn = created.TargetGroups?.[0]?.TargetGroupArn;
    if (arn === undefined) throw new Error(`CreateTargetGroup returned no target group for "${wanted.name}"`);
    return arn;
  }

  const arn = existing.TargetGroupArn as string;
  const tags = await describeTags(elbv2, [arn]);
  assertOwned(`target group ${wanted.name}`, tags.get(arn), owner);
  // Protocol, target type and VPC cannot change in place. The port can't either, but need not: ECS
  // registers each task with its container port, and the health check uses the target's port.
  if (existing.VpcId !== vpcId || existing.Protocol !== 'HTTP' || existing.TargetType !== 'ip') {
    throw new StepError(
      'Modeshift.ResourceConflict',
      `target group "${wanted.name}" is ${existing.Protocol} with target type ${existing.TargetType} in ` +
        `${existing.VpcId}, expected HTTP with target type ip in ${vpcId}: delete it so the next deploy can ` +
        'create it again',
    );
  }
  const check = healthCheckOf(wanted);
  if (
    existing.HealthCheckProtocol !== check.HealthCheckProtocol ||
    existing.HealthCheckPath !== check.HealthCheckPath ||
    (existing.HealthCheckPort ?? 'traffic-port') !== check.HealthCheckPort ||
    existing.Matcher?.HttpCode !== check.Matcher.HttpCode
  ) {
    await elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...check }));
  }
  await elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [...input.tags] }));
  return arn;
}

/** The target group's health check: the service's path and port, healthy on any 2xx or 3xx. */
function healthCheckOf(wanted: EnsureLoadBalancerInput['targetGroups'][number]) {
  return {
    HealthCheckProtocol: 'HTTP',
    HealthCheckPath: wanted.healthCheckPath ?? '/',
    HealthCheckPort: wanted.healthCheckPort ?? 'traffic-port',
    Matcher: { HttpCode: HEALTHY_HTTP_CODES },
  } as const;
}

async function findTargetGroupByName(
  elbv2: ElasticLoadBalancingV2Client,
  name: string,
): Promise<TargetGroup | undefined> {
  try {
    const result = await elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    return result.TargetGroups?.find((group) => group.TargetGroupName === name);
  } catch (error) {
    if (hasAwsErrorName(error, 'TargetGroupNotFoundException')) return undefined;
    throw error;
  }
}

/**
 * This environment's target groups whose service is gone. One still used by a
 * listener rule (ResourceInUse) is kept: the listeners step (functions/steps/ensure-listeners.ts) removes the rule
 * after this step, and pruning (functions/steps/prune-services.ts) deletes the group.
 */
async function deleteUnwantedTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  input: EnsureLoadBalancerInput,
  owner: EnvironmentIdentity,
): Promise<void> {
  const wanted = new Set(input.targetGroups.map((group) => group.name));
  const ours = await findEnvironmentTargetGroups(elbv2, input.names.targetGroupPrefix, owner);
  await deleteTargetGroups(
    elbv2,
    ours.filter((group) => !wanted.has(group.TargetGroupName as string)),
  );
}

export const handler = lambdaHandler(ensureLoadBalancer);
