/**
 * The AWS SDK clients a step Lambda uses, made once per container and only
 * when a step first asks for one, by the Step Functions service id the
 * registry asks for.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { SFNClient } from '@aws-sdk/client-sfn';

const MAKERS: Readonly<Record<string, () => unknown>> = {
  acm: () => new ACMClient({}),
  cloudwatchlogs: () => new CloudWatchLogsClient({}),
  codebuild: () => new CodeBuildClient({}),
  ec2: () => new EC2Client({}),
  ecr: () => new ECRClient({}),
  ecs: () => new ECSClient({}),
  elasticloadbalancingv2: () => new ElasticLoadBalancingV2Client({}),
  rds: () => new RDSClient({}),
  route53: () => new Route53Client({}),
  s3: () => new S3Client({}),
  servicediscovery: () => new ServiceDiscoveryClient({}),
  sfn: () => new SFNClient({}),
};

const made = new Map<string, unknown>();

export function lambdaClients(service: string): unknown {
  let client = made.get(service);
  if (client === undefined) {
    const make = MAKERS[service];
    if (!make) throw new Error(`no AWS client for service "${service}"`);
    client = make();
    made.set(service, client);
  }
  return client;
}
