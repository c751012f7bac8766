/**
 * One benchmark account: the model clock, the world, the in-memory AWS
 * services, and the Lambda steps the workflows call — the real ones from
 * functions/steps where the in-memory services cover their calls, modeled
 * ones (bench/steps/) for the one-off foundations — each invocation timed
 * and counted as Lambda bills it.
 */
import type { LatencyModel } from '../engine/latency-model.ts';
import type { ClientFactory, LambdaStep } from '../engine/run-workflow.ts';
import { STEP_FUNCTION_MEMORY_MB } from '../functions/lambda-handler.ts';
import type { StepModel } from '../local/steps.ts';
import { LOCAL_STEPS, standIn } from '../local/steps.ts';
import { STEPS } from '../state-machines/workflows.ts';
import {
  inMemoryApplicationAutoScaling,
  inMemoryCloudWatch,
  inMemoryEventBridge,
  inMemoryLoadBalancing,
  inMemoryScheduler,
  inMemorySns,
  inMemoryWafv2,
} from './aws/acknowledged-calls.ts';
import { inMemoryCloudMap } from './aws/cloud-map.ts';
import { inMemoryCloudWatchLogs } from './aws/cloudwatch-logs.ts';
import { inMemoryCodeBuild } from './aws/codebuild.ts';
import { inMemoryDynamoDb } from './aws/dynamodb.ts';
import { inMemoryEcr, type PushedImages } from './aws/ecr.ts';
import { inMemoryEcs } from './aws/ecs.ts';
import { inMemoryElastiCache } from './aws/elasticache.ts';
import { inMemoryIam } from './aws/iam.ts';
import { type CallCounts, inMemoryClients } from './aws/in-memory-clients.ts';
import { inMemoryRds } from './aws/rds.ts';
import { ModelClock } from './clock.ts';
import { foundationModels } from './steps/foundation-models.ts';
import { pruneModel } from './steps/prune-model.ts';
import { teardownModels } from './steps/teardown-models.ts';
import { World } from './world.ts';

/** Lambda's billing: per request and per GB-second (x86, us-east-1 list prices). */
export interface LambdaUsage {
  invocations: number;
  gbSeconds: number;
  /** Invocations by step name. */
  readonly byStep: Map<string, number>;
  /** GB-seconds by step name. */
  readonly gbSecondsByStep: Map<string, number>;
}

export interface Account {
  readonly clock: ModelClock;
  readonly world: World;
  readonly clients: ClientFactory;
  readonly lambdaSteps: Record<string, LambdaStep>;
  readonly apiCalls: CallCounts;
  readonly lambda: LambdaUsage;
  /** Steps that ran modeled rather than real. */
  readonly modeled: readonly string[];
}

function mapValues<T, R>(record: Record<string, T>, map: (key: string, value: T) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));
}

/** A step's model, standing in for it as the step would: waiting while its declaration says it is not settled. */
function modeledStep(name: string, answer: StepModel): LambdaStep {
  const step = STEPS[name];
  if (step === undefined) throw new Error(`the benchmark models ${name}, which no workflow runs`);
  return standIn(step, answer);
}

/** Lambda bills duration in 1 ms increments. */
const BILLING_GRANULARITY_SECONDS = 0.001;

export function createAccount(model: LatencyModel, builds: () => number): Account {
  const clock = new ModelClock(model.scale);
  const world = new World(clock, model);
  const apiCalls: CallCounts = new Map();
  const images: PushedImages = new Map();
  const clients = inMemoryClients(
    world,
    {
      ecs: inMemoryEcs(world),
      codebuild: inMemoryCodeBuild(world, images),
      ecr: inMemoryEcr(world, images),
      cloudwatchlogs: inMemoryCloudWatchLogs(),
      servicediscovery: inMemoryCloudMap(),
      dynamodb: inMemoryDynamoDb(),
      rds: inMemoryRds(world),
      elasticache: inMemoryElastiCache(world),
      eventbridge: inMemoryEventBridge(),
      scheduler: inMemoryScheduler(),
      applicationautoscaling: inMemoryApplicationAutoScaling(),
      wafv2: inMemoryWafv2(),
      cloudwatch: inMemoryCloudWatch(),
      sns: inMemorySns(),
      elasticloadbalancingv2: inMemoryLoadBalancing(),
      iam: inMemoryIam(),
    },
    apiCalls,
  );
  const models = { ...foundationModels(world), ...pruneModel(world), ...teardownModels(world, builds) };
  const lambda: LambdaUsage = { invocations: 0, gbSeconds: 0, byStep: new Map(), gbSecondsByStep: new Map() };
  const memoryGb = STEP_FUNCTION_MEMORY_MB / 1024;
  const lambdaSteps = Object.fromEntries(
    Object.entries({ ...LOCAL_STEPS, ...mapValues(models, modeledStep) }).map(
      ([name, step]): [string, LambdaStep] => [
        name,
        async function invokeTimed(input, context) {
          await clock.sleep(model.invokeSeconds);
          const started = clock.now();
          try {
            return await step(input, context);
          } finally {
            const seconds = Math.max(BILLING_GRANULARITY_SECONDS, clock.now() - started);
            const gbSeconds =
              memoryGb * Math.ceil(seconds / BILLING_GRANULARITY_SECONDS) * BILLING_GRANULARITY_SECONDS;
            lambda.invocations += 1;
            lambda.gbSeconds += gbSeconds;
            lambda.byStep.set(name, (lambda.byStep.get(name) ?? 0) + 1);
            lambda.gbSecondsByStep.set(name, (lambda.gbSecondsByStep.get(name) ?? 0) + gbSeconds);
          }
        },
      ],
    ),
  );
  return { clock, world, clients, lambdaSteps, apiCalls, lambda, modeled: Object.keys(models).sort() };
}
