/**
 * The AWS services modeshift calls, each as the four vocabularies involved
 * name it: Step Functions (`arn:aws:states:::aws-sdk:<id>:<action>` and the
 * service in its error names), the JS SDK v3 (package, client, commands) and
 * IAM (the prefix of its actions). The local engine makes its clients and
 * names its errors from this table; the IAM derivation maps calls to actions
 * through it; a step's declared clients and commands are looked up in it.
 */
import * as acm from '@aws-sdk/client-acm';
import * as applicationautoscaling from '@aws-sdk/client-application-auto-scaling';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import * as cloudwatchlogs from '@aws-sdk/client-cloudwatch-logs';
import * as codebuild from '@aws-sdk/client-codebuild';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecr from '@aws-sdk/client-ecr';
import * as ecs from '@aws-sdk/client-ecs';
import * as elasticloadbalancingv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as elasticache from '@aws-sdk/client-elasticache';
import * as eventbridge from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as rds from '@aws-sdk/client-rds';
import * as route53 from '@aws-sdk/client-route-53';
import * as s3 from '@aws-sdk/client-s3';
import * as scheduler from '@aws-sdk/client-scheduler';
import * as servicediscovery from '@aws-sdk/client-servicediscovery';
import * as sfn from '@aws-sdk/client-sfn';
import * as sns from '@aws-sdk/client-sns';
import * as ssm from '@aws-sdk/client-ssm';
import * as wafv2 from '@aws-sdk/client-wafv2';
import type { Client } from '@smithy/core/client';

/** A JS SDK v3 client: any `@aws-sdk/client-*` client, used through `send()`. */
// biome-ignore lint/suspicious/noExplicitAny: every service client has its own input, output and config types
export type AwsClient = Client<any, any, any, any>;

/** What a client is created with. */
export interface ClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** S3 only: `bucket` in the path, which local emulators need. */
  forcePathStyle?: boolean;
}

/** A client class: `EC2Client`, `RDSClient`, … */
export type AwsClientClass = new (config: ClientConfig) => AwsClient;

/** One AWS service, as Step Functions, the SDK and IAM name it. */
export interface AwsService {
  /** The `<id>` of `arn:aws:states:::aws-sdk:<id>:<action>`: `elasticloadbalancingv2`. */
  readonly id: string;
  /** The JS SDK v3 package: `@aws-sdk/client-elastic-load-balancing-v2`. */
  readonly sdkPackage: string;
  /** The package's exports: its `<Operation>Command` classes are the source of truth for operation names. */
  readonly sdk: Readonly<Record<string, unknown>>;
  /** The package's client class. */
  readonly client: AwsClientClass;
  /** The prefix of its IAM actions: `elasticloadbalancing`. */
  readonly iamPrefix: string;
  /** The service in Step Functions error names (`Rds` in `Rds.DbInstanceNotFoundException`): the Java SDK's name. */
  readonly errorPrefix: string;
  /**
   * The action AWS also checks when a create call carries tags ("tag on
   * create"), where the service has one. Schedules and CodeBuild projects
   * need none; Route 53 and S3 take no tags on create.
   */
  readonly tagAction?: string;
}

const services = {
  acm: {
    sdkPackage: '@aws-sdk/client-acm',
    sdk: acm,
    client: acm.ACMClient,
    iamPrefix: 'acm',
    errorPrefix: 'Acm',
    tagAction: 'AddTagsToCertificate',
  },
  applicationautoscaling: {
    sdkPackage: '@aws-sdk/client-application-auto-scaling',
    sdk: applicationautoscaling,
    client: applicationautoscaling.ApplicationAutoScalingClient,
    iamPrefix: 'application-autoscaling',
    errorPrefix: 'ApplicationAutoScaling',
    tagAction: 'TagResource',
  },
  cloudwatch: {
    sdkPackage: '@aws-sdk/client-cloudwatch',
    sdk: cloudwatch,
    client: cloudwatch.CloudWatchClient,
    iamPrefix: 'cloudwatch',
    errorPrefix: 'CloudWatch',
    tagAction: 'TagResource',
  },
  cloudwatchlogs: {
    sdkPackage: '@aws-sdk/client-cloudwatch-logs',
    sdk: cloudwatchlogs,
    client: cloudwatchlogs.CloudWatchLogsClient,
    iamPrefix: 'logs',
    errorPrefix: 'CloudWatchLogs',
    tagAction: 'TagResource',
  },
  codebuild: {
    sdkPackage: '@aws-sdk/client-codebuild',
    sdk: codebuild,
    client: codebuild.CodeBuildClient,
    iamPrefix: 'codebuild',
    errorPrefix: 'CodeBuild',
  },
  dynamodb: {
    sdkPackage: '@aws-sdk/client-dynamodb',
    sdk: dynamodb,
    client: dynamodb.DynamoDBClient,
    iamPrefix: 'dynamodb',
    errorPrefix: 'DynamoDb',
    tagAction: 'TagResource',
  },
  ec2: {
    sdkPackage: '@aws-sdk/client-ec2',
    sdk: ec2,
    client: ec2.EC2Client,
    iamPrefix: 'ec2',
    errorPrefix: 'Ec2',
    tagAction: 'CreateTags',
  },
  ecr: {
    sdkPackage: '@aws-sdk/client-ecr',
    sdk: ecr,
    client: ecr.ECRClient,
    iamPrefix: 'ecr',
    errorPrefix: 'Ecr',
    tagAction: 'TagResource',
  },
  ecs: {
    sdkPackage: '@aws-sdk/client-ecs',
    sdk: ecs,
    client: ecs.ECSClient,
    iamPrefix: 'ecs',
    errorPrefix: 'Ecs',
    tagAction: 'TagResource',
  },
  elasticloadbalancingv2: {
    sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
    sdk: elasticloadbalancingv2,
    client: elasticloadbalancingv2.ElasticLoadBalancingV2Client,
    iamPrefix: 'elasticloadbalancing',
    errorPrefix: 'ElasticLoadBalancingV2',
    tagAction: 'AddTags',
  },
  eventbridge: {
    sdkPackage: '@aws-sdk/client-eventbridge',
    sdk: eventbridge,
    client: eventbridge.EventBridgeClient,
    iamPrefix: 'events',
    errorPrefix: 'EventBridge',
  },
  iam: {
    sdkPackage: '@aws-sdk/client-iam',
    sdk: iam,
    client: iam.IAMClient,
    iamPrefix: 'iam',
    errorPrefix: 'Iam',
    tagAction: 'TagRole',
  },
  elasticache: {
    sdkPackage: '@aws-sdk/client-elasticache',
    sdk: elasticache,
    client: elasticache.ElastiCacheClient,
    iamPrefix: 'elasticache',
    errorPrefix: 'ElastiCache',
    tagAction: 'AddTagsToResource',
  },
  rds: {
    sdkPackage: '@aws-sdk/client-rds',
    sdk: rds,
    client: rds.RDSClient,
    iamPrefix: 'rds',
    errorPrefix: 'Rds',
    tagAction: 'AddTagsToResource',
  },
  route53: {
    sdkPackage: '@aws-sdk/client-route-53',
    sdk: route53,
    client: route53.Route53Client,
    iamPrefix: 'route53',
    errorPrefix: 'Route53',
  },
  s3: { sdkPackage: '@aws-sdk/client-s3', sdk: s3, client: s3.S3Client, iamPrefix: 's3', errorPrefix: 'S3' },
  scheduler: {
    sdkPackage: '@aws-sdk/client-scheduler',
    sdk: scheduler,
    client: scheduler.SchedulerClient,
    iamPrefix: 'scheduler',
    errorPrefix: 'Scheduler',
  },
  servicediscovery: {
    sdkPackage: '@aws-sdk/client-servicediscovery',
    sdk: servicediscovery,
    client: servicediscovery.ServiceDiscoveryClient,
    iamPrefix: 'servicediscovery',
    errorPrefix: 'ServiceDiscovery',
    tagAction: 'TagResource',
  },
  sfn: {
    sdkPackage: '@aws-sdk/client-sfn',
    sdk: sfn,
    client: sfn.SFNClient,
    iamPrefix: 'states',
    errorPrefix: 'Sfn',
  },
  sns: {
    sdkPackage: '@aws-sdk/client-sns',
    sdk: sns,
    client: sns.SNSClient,
    iamPrefix: 'sns',
    errorPrefix: 'Sns',
    tagAction: 'TagResource',
  },
  ssm: {
    sdkPackage: '@aws-sdk/client-ssm',
    sdk: ssm,
    client: ssm.SSMClient,
    iamPrefix: 'ssm',
    errorPrefix: 'Ssm',
    tagAction: 'AddTagsToResource',
  },
  wafv2: {
    sdkPackage: '@aws-sdk/client-wafv2',
    sdk: wafv2,
    client: wafv2.WAFV2Client,
    iamPrefix: 'wafv2',
    errorPrefix: 'Wafv2',
    tagAction: 'TagResource',
  },
} satisfies Record<string, Omit<AwsService, 'id'>>;

/** A Step Functions service id modeshift knows: `ec2`, `rds`, `elasticloadbalancingv2`, … */
export type ServiceId = keyof typeof services;

/** Every service, by id, sorted. */
export const AWS_SERVICES: readonly AwsService[] = Object.entries(services)
  .map(([id, service]): AwsService => ({ id, ...service }))
  .sort((a, b) => (a.id < b.id ? -1 : 1));

export const SERVICE_IDS: readonly ServiceId[] = AWS_SERVICES.map((service) => service.id as ServiceId);

/** The service behind a Step Functions service id, if modeshift knows it. */
export function awsServiceById(id: string): AwsService | undefined {
  return AWS_SERVICES.find((service) => service.id === id);
}

/** The service whose client class this is. */
export function awsServiceOfClient(client: unknown): AwsService | undefined {
  return AWS_SERVICES.find((service) => service.client === client);
}

/** An SDK operation, identified: the service it belongs to and its name as the SDK spells it (`CreateVpc`). */
export interface SdkOperation {
  readonly service: AwsService;
  readonly operation: string;
}

/** The service and operation of an SDK command class (`CreateVpcCommand` → ec2, `CreateVpc`). */
export function sdkOperationOfCommand(command: unknown): SdkOperation | undefined {
  for (const service of AWS_SERVICES) {
    for (const [name, exported] of Object.entries(service.sdk)) {
      if (exported === command && name.endsWith('Command')) {
        return { service, operation: name.slice(0, -'Command'.length) };
      }
    }
  }
  return undefined;
}

/**
 * The operation name as the SDK spells it (`createDBSubnetGroup` →
 * `CreateDBSubnetGroup`), found by its `<Operation>Command` export; IAM
 * spells its actions the same way. Undefined when the SDK has no such command.
 */
export function sdkOperationName(service: AwsService, action: string): string | undefined {
  const wanted = `${action}Command`.toLowerCase();
  const found = Object.keys(service.sdk).find(
    (name) => name.toLowerCase() === wanted && typeof service.sdk[name] === 'function',
  );
  return found?.slice(0, -'Command'.length);
}
