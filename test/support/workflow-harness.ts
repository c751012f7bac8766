/**
 * Runs the real deploy and down ASL through the local engine for tests, with
 * AWS mocked at the SDK boundary (aws-sdk-client-mock) for the workflow's
 * aws-sdk and optimized integrations, and the Lambda steps replaced by
 * recording fakes that answer as a healthy AWS would. What each step then does
 * with the SDK is covered by its own tests under test/functions/steps.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateRoleCommand,
  type CreateRoleCommandInput,
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { loadComposeFile } from '../../core/compose.ts';
import {
  buildDeployInput,
  buildDownInput,
  type DeployInput,
  type DownInput,
} from '../../core/execution-input.ts';
import { type Mode, type Policy, resolvePolicy } from '../../core/policy.ts';
import { workflowDefinition } from '../../core/workflow-definitions.ts';
import { createClientFactory } from '../../engine/clients.ts';
import type { LambdaStepContext } from '../../engine/lambda-task.ts';
import { runWorkflow, type WorkflowResult } from '../../engine/run-workflow.ts';
import { LOCAL_STEPS } from '../../local/steps.ts';
import { networkRef } from './step-inputs.ts';

export const NOW = new Date('2026-11-26T07:00:00Z');

export const PLACEHOLDERS = {
  EnvironmentsTable: 'modeshift-environments',
  EventBusName: 'modeshift',
  EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/modeshift',
  SchedulerRoleArn: 'arn:aws:iam::123456789012:role/modeshift-scheduler',
  AccountId: '123456789012',
  Region: 'us-east-1',
};

export const aws = {
  dynamodb: mockClient(DynamoDBClient),
  events: mockClient(EventBridgeClient),
  scheduler: mockClient(SchedulerClient),
  codebuild: mockClient(CodeBuildClient),
  ecr: mockClient(ECRClient),
  ecs: mockClient(ECSClient),
  logs: mockClient(CloudWatchLogsClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  rds: mockClient(RDSClient),
  elasticache: mockClient(ElastiCacheClient),
  iam: mockClient(IAMClient),
};

// biome-ignore lint/suspicious/noExplicitAny: the mocks of different clients, handled alike
type AnyMock = AwsStub<any, any, any>;

/** Resets every mock to a healthy, empty account: every call succeeds. */
export function resetAws() {
  for (const mock of Object.values(aws) as AnyMock[]) {
    mock.reset();
    mock.onAnyCommand().resolves({});
  }
  aws.dynamodb.on(UpdateItemCommand).resolves({});
  aws.dynamodb.on(GetItemCommand).resolves({});
  aws.events.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 });
  aws.ecr.on(DescribeRepositoriesCommand).callsFake((input: { repositoryNames?: string[] }) => ({
    repositories: (input.repositoryNames ?? []).map((name) => ({
      repositoryName: name,
      repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
    })),
  }));
  aws.codebuild.on(StartBuildCommand).resolves({ build: { id: 'build:1', buildStatus: 'IN_PROGRESS' } });
  aws.codebuild.on(BatchGetBuildsCommand).resolves({ builds: [{ id: 'build:1', buildStatus: 'SUCCEEDED' }] });
  aws.ecs
    .on(CreateClusterCommand)
    .resolves({ cluster: { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/x' } });
  aws.iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
  aws.iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
    Role: {
      RoleName: input.RoleName,
      Arn: `arn:aws:iam::123456789012:role${input.Path ?? '/'}${input.RoleName}`,
      Tags: input.Tags,
    },
  }));
}

/** A previous environment record, as UpdateItem's ALL_OLD returns it. */
export function previousRecord(mode: Mode, status = 'deployed') {
  return { Attributes: { mode: { S: mode }, status: { S: status } } };
}

/** The environment record down reads. */
export function environmentRecord(
  mode: Mode,
  policy: Policy = resolvePolicy(mode).policy,
  modesDeployed?: readonly Mode[],
) {
  return {
    Item: {
      mode: { S: mode },
      policy: { S: JSON.stringify(policy) },
      status: { S: 'deployed' },
      ...(modesDeployed ? { modesDeployed: { SS: [...modesDeployed] } } : {}),
    },
  };
}

export interface StepCall {
  readonly step: string;
  readonly input: Record<string, unknown>;
}

/** What the fake Lambda steps answer: what a healthy AWS would lead the real ones to return. */
function fakeAnswer(step: string, input: Record<string, unknown>): unknown {
  const network = networkRef();
  switch (step) {
    case 'EnsureNetwork':
      // In the project's shared network where the input asks for one, as on a first deploy.
      return {
        ...network,
        shared: input.sharedNetwork
          ? { ...(input.sharedNetwork as object), lockTable: input.lockTable }
          : null,
      };
    case 'EnsureNatGateways':
      return { count: input.count, natGatewayIds: [], ready: true };
    case 'EnsureDatabases':
      return {
        ready: true,
        endpoints: (
          (input.databases as Array<{
            name: string;
            instance: string;
            databaseName: string;
            username: string;
          }>) ?? []
        ).map((database) => ({
          name: database.name,
          instance: database.instance,
          databaseName: database.databaseName,
          username: database.username,
          endpoint: `${database.instance}.example.rds.amazonaws.com`,
          secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-${database.instance}-AbCdEf`,
        })),
        warnings: [],
      };
    case 'EnsureLoadBalancer':
      return {
        arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1',
        dnsName: 'x-1.us-east-1.elb.amazonaws.com',
        canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
        accessLogBucket: 'shop-pr-1-lb-logs-00000000',
        shared:
          (input.network as { shared?: { loadBalancer?: boolean } | null }).shared?.loadBalancer === true,
        targetGroups: [],
      };
    case 'EnsurePrivateNamespace':
      return {
        id: 'ns-1',
        name: 'pr-1.shop.internal',
        hostedZoneId: 'ZPRIVATE',
        ready: true,
      };
    case 'EnsurePublicZones':
      return {
        zones: ((input.zones as Array<{ name: string; domain: string }>) ?? []).map((z) => ({
          ...z,
          id: 'Z1',
        })),
      };
    case 'EnsureCertificate':
      return {
        arn: 'arn:aws:acm:us-east-1:123456789012:certificate/1',
        status: 'ISSUED',
        ready: true,
      };
    case 'EnsureListeners':
      return { httpListenerArn: 'l-80' };
    case 'StartBuilds':
      return {
        builds: ((input.builds as Array<{ service: string }>) ?? []).map((build) => ({
          service: build.service,
          id: `shop-pr-1-${build.service}:1`,
        })),
        reused: [],
        built: ((input.builds as Array<{ service: string }>) ?? []).map((build) => build.service),
      };
    case 'CheckBuilds':
      return { done: true };
    case 'CheckExpirySchedule':
      return { exists: false };
    case 'EnsureCluster':
      return { arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/shop--pr-1' };
    case 'EnsureLogGroups':
      return {
        created: (input.services as unknown[]).length,
        retentionSet: (input.services as unknown[]).length,
      };
    case 'RolloutServices':
      return {
        done: true,
        stable: ((input.services as unknown[]) ?? []).length,
        deploying: 0,
        started: [],
        rolled: ((input.services as Array<{ name: string }>) ?? []).map((service) => service.name),
      };
    case 'DeleteDatabases':
      return { snapshots: [] };
    case 'WriteDnsRecords':
      return { written: 1 };
    case 'PruneServices':
      return { done: true };
    case 'FinishPruning':
      return { keptDatabases: [], warning: '' };
    case 'EnsureCaches':
      return {
        ready: true,
        endpoints: ((input.caches as Array<{ name: string; replicationGroup: string }>) ?? []).map(
          (cache) => ({
            name: cache.name,
            replicationGroup: cache.replicationGroup,
            endpoint: `master.${cache.replicationGroup}.abc.use1.cache.amazonaws.com`,
            port: 6379,
          }),
        ),
        warnings: [],
      };
    case 'FindCaches':
      return { caches: [], subnetGroup: false };
    case 'DeleteCaches':
      return { done: true, snapshots: [] };
    case 'CheckCachesDeleted':
      return { done: true };
    case 'FindDatabases':
      return { databases: [{ instance: 'shop-pr-1-db', deletionProtection: true }], subnetGroup: true };
    case 'DeleteServices':
    case 'DeleteLoadBalancer':
    case 'CheckDatabasesDeleted':
    case 'DeletePrivateNamespace':
    case 'DeleteNetwork':
      return { done: true };
    default:
      return {};
  }
}

export interface Run {
  readonly result: WorkflowResult;
  readonly calls: StepCall[];
  /** The inputs of every call to one step. */
  inputsOf(step: string): Array<Record<string, unknown>>;
  /** States entered, in order. */
  readonly entered: string[];
}

export interface RunOptions {
  /** Steps that throw instead of answering: name → error. */
  readonly failing?: Readonly<Record<string, Error>>;
  /** Steps that answer something else than a healthy AWS would: name → answer. */
  readonly answers?: Readonly<Record<string, unknown>>;
}

async function run(
  workflow: 'deploy' | 'down',
  input: DeployInput | DownInput,
  options: RunOptions = {},
): Promise<Run> {
  const calls: StepCall[] = [];
  const lambdaSteps = Object.fromEntries(
    Object.keys(LOCAL_STEPS).map((name) => [
      name,
      async (stepInput: unknown, context: LambdaStepContext) => {
        const recorded = stepInput as Record<string, unknown>;
        calls.push({ step: name, input: recorded });
        const failure = options.failing?.[name];
        if (failure) throw failure;
        if (options.answers && name in options.answers) return options.answers[name];
        if (name === 'DescribeFailure')
          return (LOCAL_STEPS.DescribeFailure as NonNullable<(typeof LOCAL_STEPS)['DescribeFailure']>)(
            stepInput,
            context,
          );
        return fakeAnswer(name, recorded);
      },
    ]),
  );
  const result = await runWorkflow(workflowDefinition(workflow), input, {
    clients: createClientFactory({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    placeholders: PLACEHOLDERS,
    lambdaSteps,
    timeScale: 0,
    executionName: input.deploymentId,
    stateMachineName: `modeshift-${workflow}`,
  });
  const entered = result.events
    .filter((event) => event.type === 'StateEntered')
    .map((event) => event.state as string);
  return {
    result,
    calls,
    entered,
    inputsOf: (step) => calls.filter((call) => call.step === step).map((call) => call.input),
  };
}

/** The deploy input for the bundled shop example (web + api + worker + Postgres on a domain) in a mode. */
export function shopDeployInput(
  mode: Mode,
  extra: { ttl?: string; force?: boolean; confirm?: string; overrides?: Record<string, unknown> } = {},
): DeployInput {
  const { request } = loadComposeFile(new URL('../../examples/shop/compose.yaml', import.meta.url).pathname, {
    environment: 'pr-1',
    mode,
    deploymentId: `deploy-${mode}`,
    variables: {},
    ...(extra.ttl ? { ttl: extra.ttl } : {}),
    ...(extra.force ? { force: true } : {}),
    ...(extra.confirm !== undefined ? { confirm: extra.confirm } : {}),
    ...(extra.overrides ? { overrides: extra.overrides } : {}),
  });
  return buildDeployInput(request, resolvePolicy(request.mode, request.overrides ?? {}), NOW);
}

export function runDeploy(input: DeployInput, options?: RunOptions): Promise<Run> {
  return run('deploy', input, options);
}

export function shopDownInput(confirm?: string): DownInput {
  return buildDownInput(
    { project: 'shop', environment: 'pr-1', ...(confirm ? { confirm } : {}) },
    NOW,
    'down-1',
  );
}

export function runDown(input: DownInput, options?: RunOptions): Promise<Run> {
  return run('down', input, options);
}
