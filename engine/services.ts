/**
 * The AWS services the engine can call, by Step Functions service id (the
 * `<service>` of `arn:aws:states:::aws-sdk:<service>:<action>`): the JS SDK
 * v3 package that implements it, how to make its client, and the name the
 * Java SDK v2 (and so Step Functions) gives the service in error names.
 */
import * as acm from '@aws-sdk/client-acm';
import * as cloudwatchlogs from '@aws-sdk/client-cloudwatch-logs';
import * as codebuild from '@aws-sdk/client-codebuild';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecr from '@aws-sdk/client-ecr';
import * as ecs from '@aws-sdk/client-ecs';
import * as elasticloadbalancingv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as eventbridge from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as rds from '@aws-sdk/client-rds';
import * as route53 from '@aws-sdk/client-route-53';
import * as s3 from '@aws-sdk/client-s3';
import * as scheduler from '@aws-sdk/client-scheduler';
import * as servicediscovery from '@aws-sdk/client-servicediscovery';
import * as sfn from '@aws-sdk/client-sfn';
import type { Client } from '@smithy/core/client';

/** A JS SDK v3 client: any `@aws-sdk/client-*` client, used through `send()`. */
// biome-ignore lint/suspicious/noExplicitAny: every service client has its own input, output and config types
export type AwsClient = Client<any, any, any, any>;

/** What every client of a factory is created with. */
export interface ClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** S3 only: `bucket` in the path, which local emulators need. */
  forcePathStyle?: boolean;
}

export interface ServiceEntry {
  /** The package's exports: `<Action>Command` classes, modeled error classes, `<Svc>ServiceException`. */
  readonly sdk: Readonly<Record<string, unknown>>;
  readonly createClient: (config: ClientConfig) => AwsClient;
  /** The service in Step Functions error names (`Rds` in `Rds.DbInstanceNotFoundException`): Java's service name. */
  readonly errorPrefix: string;
}

const entries = {
  acm: { sdk: acm, createClient: (config) => new acm.ACMClient(config), errorPrefix: 'Acm' },
  cloudwatchlogs: {
    sdk: cloudwatchlogs,
    createClient: (config) => new cloudwatchlogs.CloudWatchLogsClient(config),
    errorPrefix: 'CloudWatchLogs',
  },
  codebuild: {
    sdk: codebuild,
    createClient: (config) => new codebuild.CodeBuildClient(config),
    errorPrefix: 'CodeBuild',
  },
  dynamodb: {
    sdk: dynamodb,
    createClient: (config) => new dynamodb.DynamoDBClient(config),
    errorPrefix: 'DynamoDb',
  },
  ec2: { sdk: ec2, createClient: (config) => new ec2.EC2Client(config), errorPrefix: 'Ec2' },
  ecr: { sdk: ecr, createClient: (config) => new ecr.ECRClient(config), errorPrefix: 'Ecr' },
  ecs: { sdk: ecs, createClient: (config) => new ecs.ECSClient(config), errorPrefix: 'Ecs' },
  elasticloadbalancingv2: {
    sdk: elasticloadbalancingv2,
    createClient: (config) => new elasticloadbalancingv2.ElasticLoadBalancingV2Client(config),
    errorPrefix: 'ElasticLoadBalancingV2',
  },
  eventbridge: {
    sdk: eventbridge,
    createClient: (config) => new eventbridge.EventBridgeClient(config),
    errorPrefix: 'EventBridge',
  },
  iam: { sdk: iam, createClient: (config) => new iam.IAMClient(config), errorPrefix: 'Iam' },
  rds: { sdk: rds, createClient: (config) => new rds.RDSClient(config), errorPrefix: 'Rds' },
  route53: {
    sdk: route53,
    createClient: (config) => new route53.Route53Client(config),
    errorPrefix: 'Route53',
  },
  s3: {
    sdk: s3,
    createClient: (config) => new s3.S3Client(config),
    errorPrefix: 'S3',
  },
  scheduler: {
    sdk: scheduler,
    createClient: (config) => new scheduler.SchedulerClient(config),
    errorPrefix: 'Scheduler',
  },
  servicediscovery: {
    sdk: servicediscovery,
    createClient: (config) => new servicediscovery.ServiceDiscoveryClient(config),
    errorPrefix: 'ServiceDiscovery',
  },
  sfn: { sdk: sfn, createClient: (config) => new sfn.SFNClient(config), errorPrefix: 'Sfn' },
} satisfies Record<string, ServiceEntry>;

/** Step Functions service ids the engine knows. */
export type ServiceId = keyof typeof entries;

export const SERVICE_IDS = Object.keys(entries).sort() as ServiceId[];

/** The service behind a Step Functions service id, or undefined when the engine does not know it. */
export function serviceEntry(serviceId: string): ServiceEntry | undefined {
  return Object.hasOwn(entries, serviceId) ? entries[serviceId as ServiceId] : undefined;
}
