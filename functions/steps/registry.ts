/**
 * Every Lambda step the workflows call, by the name their ASL uses
 * (`${<Name>FunctionArn}`), adapted to one calling convention: JSON input and
 * a factory of AWS SDK clients. The local engine runs them in-process through
 * this table; on AWS each is a function of its own (functions/steps/lambda/).
 */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { LambdaStep, LambdaStepContext } from '../../engine/lambda-task.ts';
import { localStep } from '../../local/steps.ts';
import { withStepErrors } from '../step-errors.ts';
import { checkBuilds } from './check-builds.ts';
import { checkDatabasesDeleted } from './check-databases-deleted.ts';
import { deleteAccessLogBucket } from './delete-access-log-bucket.ts';
import { deleteBuildResources } from './delete-build-resources.ts';
import { deleteCertificate } from './delete-certificate.ts';
import { deleteDatabases } from './delete-databases.ts';
import { deleteLoadBalancer } from './delete-load-balancer.ts';
import { deleteLogGroups } from './delete-log-groups.ts';
import { deleteNetwork } from './delete-network.ts';
import { deletePrivateNamespace } from './delete-private-namespace.ts';
import { deleteServices } from './delete-services.ts';
import { describeFailure, stepFunctionsHistory } from './describe-failure.ts';
import { disableLoadBalancerProtection } from './disable-load-balancer-protection.ts';
import { ensureCertificate } from './ensure-certificate.ts';
import { ensureDatabases } from './ensure-databases.ts';
import { ensureListeners } from './ensure-listeners.ts';
import { ensureLoadBalancer } from './ensure-load-balancer.ts';
import { ensureLogGroups } from './ensure-log-groups.ts';
import { ensureNatGateways } from './ensure-nat-gateways.ts';
import { ensureNetwork } from './ensure-network.ts';
import { ensurePrivateNamespace } from './ensure-private-namespace.ts';
import { ensurePublicZones } from './ensure-public-zones.ts';
import { findDatabases } from './find-databases.ts';
import { purgeAndDeleteZones } from './purge-and-delete-zones.ts';
import { removeServiceRecords } from './remove-service-records.ts';
import { rolloutServices } from './rollout-services.ts';
import { untilSettled } from './settled.ts';
import { startBuilds } from './start-builds.ts';
import { writeDnsRecords } from './write-dns-records.ts';

export type StepContext = LambdaStepContext;

export type StepHandler = LambdaStep;

/** The typed view of the client factory the steps take their clients from. */
function clientsOf({ clients }: StepContext) {
  return {
    get acm() {
      return clients('acm') as ACMClient;
    },
    get codebuild() {
      return clients('codebuild') as CodeBuildClient;
    },
    get ec2() {
      return clients('ec2') as EC2Client;
    },
    get ecr() {
      return clients('ecr') as ECRClient;
    },
    get ecs() {
      return clients('ecs') as ECSClient;
    },
    get elbv2() {
      return clients('elasticloadbalancingv2') as ElasticLoadBalancingV2Client;
    },
    get logs() {
      return clients('cloudwatchlogs') as CloudWatchLogsClient;
    },
    get rds() {
      return clients('rds') as RDSClient;
    },
    get route53() {
      return clients('route53') as Route53Client;
    },
    get s3() {
      return clients('s3') as S3Client;
    },
    get servicediscovery() {
      return clients('servicediscovery') as ServiceDiscoveryClient;
    },
    get sfn() {
      return clients('sfn') as SFNClient;
    },
  };
}

type Clients = ReturnType<typeof clientsOf>;

/** Adapts a step `(input, clients) => result` to the common convention, turning throttling into a retried error. */
function adapt<I, O>(name: string, run: (input: I, clients: Clients) => Promise<O>): StepHandler {
  return (input, context) => withStepErrors(name, () => run(input as I, clientsOf(context)));
}

const ADAPTED: Readonly<Record<string, StepHandler>> = {
  EnsureNetwork: localStep(ensureNetwork),
  EnsureNatGateways: localStep(ensureNatGateways),
  EnsureDatabases: localStep(ensureDatabases),
  EnsureLoadBalancer: localStep(ensureLoadBalancer),
  EnsurePrivateNamespace: localStep(ensurePrivateNamespace),
  EnsurePublicZones: localStep(ensurePublicZones),
  StartBuilds: localStep(startBuilds),
  CheckBuilds: localStep(checkBuilds),
  EnsureLogGroups: localStep(ensureLogGroups),
  EnsureCertificate: localStep(ensureCertificate),
  EnsureListeners: localStep(ensureListeners),
  RolloutServices: localStep(rolloutServices),
  WriteDnsRecords: localStep(writeDnsRecords),
  DeleteServices: adapt('DeleteServices', deleteServices),
  DisableLoadBalancerProtection: adapt('DisableLoadBalancerProtection', disableLoadBalancerProtection),
  DeleteLoadBalancer: adapt('DeleteLoadBalancer', deleteLoadBalancer),
  DeleteCertificate: adapt('DeleteCertificate', deleteCertificate),
  FindDatabases: adapt('FindDatabases', findDatabases),
  DeleteDatabases: adapt('DeleteDatabases', deleteDatabases),
  CheckDatabasesDeleted: adapt('CheckDatabasesDeleted', checkDatabasesDeleted),
  DeleteBuildResources: adapt('DeleteBuildResources', deleteBuildResources),
  DeleteLogGroups: localStep(deleteLogGroups),
  DeletePrivateNamespace: adapt('DeletePrivateNamespace', deletePrivateNamespace),
  DeleteNetwork: adapt('DeleteNetwork', deleteNetwork),
  PurgeAndDeleteZones: adapt('PurgeAndDeleteZones', purgeAndDeleteZones),
  RemoveServiceRecords: adapt('RemoveServiceRecords', removeServiceRecords),
  DeleteAccessLogBucket: adapt('DeleteAccessLogBucket', deleteAccessLogBucket),
  DescribeFailure: (input, context) => {
    const lastFailedTask = context.lastFailedTask;
    const history =
      lastFailedTask === undefined
        ? stepFunctionsHistory(clientsOf(context).sfn)
        : { failedState: async () => lastFailedTask() };
    return describeFailure(input as Parameters<typeof describeFailure>[0], history);
  },
};

export { SETTLED, untilSettled } from './settled.ts';

export const STEPS: Readonly<Record<string, StepHandler>> = Object.fromEntries(
  Object.entries(ADAPTED).map(([name, step]) => [name, untilSettled(name, step)]),
);
