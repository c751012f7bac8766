/**
 * What the sweep tests (the selection in core/sweep.ts and the Lambda handler
 * in functions/sweep.ts) share: the clock they sweep at, 2026-11-26 09:00 UTC
 * (NOW, and NOW_S in seconds) with an hour and a day in seconds, the mocked
 * DynamoDB, EventBridge and tagging clients with the clients the sweep is
 * given, and an environment record as the workflows leave it after a deploy.
 * Each test still writes out the records it serves and what differs in them.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';

export const NOW = new Date('2026-11-26T09:00:00Z');
export const NOW_S = NOW.getTime() / 1000;
export const HOUR = 3600;
export const DAY = 86_400;

export const dynamodb = mockClient(DynamoDBClient);
export const eventbridge = mockClient(EventBridgeClient);
export const tagging = mockClient(ResourceGroupsTaggingAPIClient);
/** What the drift audit reads settings with (core/drift-sweep.ts). */
export const drift = {
  ec2: mockClient(EC2Client),
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  rds: mockClient(RDSClient),
  elasticache: mockClient(ElastiCacheClient),
  logs: mockClient(CloudWatchLogsClient),
  route53: mockClient(Route53Client),
  codebuild: mockClient(CodeBuildClient),
};

/** The clients the sweep is given; their calls reach the mocks above. */
export const clients = {
  dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  eventbridge: new EventBridgeClient({ region: 'us-east-1' }),
  tagging: new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  ecs: new ECSClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  rds: new RDSClient({ region: 'us-east-1' }),
  elasticache: new ElastiCacheClient({ region: 'us-east-1' }),
  logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
  route53: new Route53Client({ region: 'us-east-1' }),
  codebuild: new CodeBuildClient({ region: 'us-east-1' }),
};

/** Forgets every call and answer of the mocks; the table then holds no staging or production environment to audit. */
export function resetSweepMocks() {
  dynamodb.reset();
  eventbridge.reset();
  tagging.reset();
  for (const mock of Object.values(drift)) mock.reset();
  dynamodb.on(ScanCommand).resolves({ Items: [] });
}

/**
 * The record of `environment` of project shop as the workflows leave it after a deploy: deployed in
 * development, no ttl (expiresAt 0), last active an hour before NOW; `fields` replaces any of these.
 */
export function deployedRecord(
  environment: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    pk: `shop#${environment}`,
    sk: 'ENV',
    project: 'shop',
    environment,
    status: 'deployed',
    mode: 'development',
    sweepMode: 'development',
    expiresAt: 0,
    lastActivityAt: NOW_S - HOUR,
    ...fields,
  };
}
