/**
 * The requests the fault-injection suite repeats: deploys of the shop example
 * and their downs, in the scenarios that between them reach every Task state
 * of both workflows, each under a deployment id the caller fixes, so running
 * one again is the same request (it may take over its own lock, and tags and
 * history name the same deployment); and the bystander, a second environment
 * of the same project that no fault may touch.
 */
import { loadComposeFile } from '../../core/compose.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import type { WorkflowName } from '../../core/workflow-definitions.ts';
import { deployOnTarget, downOnTarget, type RunOptions, type RunReport } from '../../local/run-workflows.ts';
import type { Target } from '../../local/target.ts';
import { EXAMPLE } from '../e2e-emulator/local-aws.ts';

export const PROJECT = 'shop';
/** The environment the faults hit. */
export const ENVIRONMENT = 'main';
/** The environment that must come through every fault untouched. */
export const BYSTANDER = 'bystander';

/**
 * Wait states and retry intervals run at 1/1000 of their time: the emulator
 * answers at once, so polling faster only shortens the runs.
 */
export const TIME_SCALE = 0.001;

/**
 * One way of deploying the shop: the mode's Choices and the request's
 * options (a ttl, a domain, an earlier deploy to update) decide which Task
 * states a deploy and its down reach.
 */
export interface Scenario {
  readonly name: string;
  readonly mode: Mode;
  /** Arms the expiry schedule (CreateExpirySchedule, or UpdateExpirySchedule when it exists). */
  readonly ttl?: string;
  /** Without a domain: no zones or certificate, the listener serves plain HTTP (ServeHttpOnly). */
  readonly withoutDomain?: boolean;
  /** The deploy under test follows an earlier deploy of the same scenario, so it updates what exists. */
  readonly redeploy?: boolean;
  /** The earlier deploy's ttl, where it differs from the deploy under test's. */
  readonly earlierTtl?: string;
  /**
   * With a managed cache (Redis on ElastiCache) that the worker uses: the deploy's cache states, and
   * the down's (a final snapshot in production, none in development).
   */
  readonly cache?: boolean;
  /** With a migration the web service waits for (a run-once service): the deploy's RunOnceTasks. */
  readonly migration?: boolean;
}

/**
 * In the order tried: a Task state is fault-injected in the first scenario
 * whose clean run reaches it. Production reaches most states; development
 * reaches its own Choices' other ways (replace, recreate, no final snapshot,
 * zones and log groups deleted), a redeploy with a ttl updates the schedule,
 * a request without a domain serves plain HTTP, and a redeploy without the
 * earlier ttl removes the schedule (DeleteExpirySchedule runs only when the
 * environment's own schedule exists).
 */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'production', mode: 'production', cache: true, migration: true },
  { name: 'development with a ttl', mode: 'development', ttl: '2h', cache: true },
  { name: 'development redeployed with a ttl', mode: 'development', ttl: '2h', redeploy: true },
  { name: 'staging without a domain', mode: 'staging', withoutDomain: true },
  { name: 'development redeployed without its ttl', mode: 'development', redeploy: true, earlierTtl: '2h' },
];

export const PRODUCTION: Scenario = SCENARIOS[0] as Scenario;

/** The scenario's request for `environment`, as it deploys it (and as `audit` checks it). */
export function scenarioRequest(environment: string, scenario: Scenario, deploymentId = 'audit') {
  return composedScenario(environment, scenario, deploymentId).request;
}

function composedScenario(environment: string, scenario: Scenario, deploymentId: string) {
  const composed = loadComposeFile(EXAMPLE, {
    environment,
    mode: scenario.mode,
    deploymentId,
    variables: {},
    ...(scenario.ttl !== undefined ? { ttl: scenario.ttl } : {}),
  });
  const withoutDomain = scenario.withoutDomain
    ? {
        ...composed.request,
        domain: undefined,
        services: composed.request.services.map(({ domainname: _domain, ...service }) => service),
      }
    : composed.request;
  const request = scenario.cache
    ? {
        ...withoutDomain,
        caches: [{ name: 'cache', engine: 'redis' as const, version: '7.1' }],
        services: withoutDomain.services.map((service) =>
          service.name === 'worker' ? { ...service, dependsOn: [...service.dependsOn, 'cache'] } : service,
        ),
      }
    : withoutDomain;
  if (!scenario.migration) return { ...composed, request };
  const migrate = {
    name: 'migrate',
    image: 'busybox:1.36',
    cpu: 256,
    memory: 512,
    replicas: 1,
    ports: [],
    public: false,
    environment: {},
    secrets: [],
    dependsOn: ['db'],
    command: ['sh', '-c', 'echo migrated'],
    run: 'once' as const,
  };
  return {
    ...composed,
    request: {
      ...request,
      services: [
        ...request.services.map((service) =>
          service.name === 'web' ? { ...service, dependsOn: [...service.dependsOn, 'migrate'] } : service,
        ),
        migrate,
      ],
    },
  };
}

function deployShop(
  target: Target,
  environment: string,
  scenario: Scenario,
  deploymentId: string,
  options: RunOptions,
): Promise<RunReport> {
  const { request, ...composed } = composedScenario(environment, scenario, deploymentId);
  return deployOnTarget(
    target,
    { ...composed, request, resolved: resolvePolicy(request.mode) },
    { timeScale: TIME_SCALE, ...options },
  );
}

/** Deploys the environment under test in the scenario (after the earlier deploy a redeploy updates, if asked). */
export async function deployScenario(
  target: Target,
  scenario: Scenario,
  deploymentId: string,
  options: RunOptions = {},
): Promise<RunReport> {
  return deployShop(target, ENVIRONMENT, scenario, deploymentId, options);
}

/** The deploy a redeploy scenario's deploy under test follows; undefined for the others. */
function earlierDeployOf(scenario: Scenario): Scenario | undefined {
  if (!scenario.redeploy) return undefined;
  return scenario.earlierTtl === undefined ? scenario : { ...scenario, ttl: scenario.earlierTtl };
}

/**
 * What a request of the workflow in the scenario runs on, in words: the earlier deploy a redeploy
 * updates, the deployed shop a down takes down; undefined when it runs on nothing deployed before.
 * Scenarios that run on the same deploy read the same (both redeploys follow a development deploy
 * with a ttl of 2h).
 */
export function preparationOf(workflow: WorkflowName, scenario: Scenario): string | undefined {
  const deployed = workflow === 'down' ? scenario : earlierDeployOf(scenario);
  if (deployed === undefined) return undefined;
  const request = [
    deployed.mode,
    deployed.ttl !== undefined ? `a ttl of ${deployed.ttl}` : undefined,
    deployed.withoutDomain ? 'no domain' : undefined,
    deployed.cache ? 'a cache' : undefined,
    deployed.migration ? 'a migration' : undefined,
  ].filter((part) => part !== undefined);
  return `${workflow === 'down' ? 'the shop to take down' : 'the earlier deploy'} (${request.join(', ')})`;
}

/** The deploy a redeploy scenario's deploy under test follows; nothing for the others. */
export async function deployEarlier(target: Target, scenario: Scenario): Promise<void> {
  const earlier = earlierDeployOf(scenario);
  if (earlier === undefined) return;
  const report = await deployShop(target, ENVIRONMENT, earlier, 'earlier-deploy', {});
  if (report.status !== 'SUCCEEDED') {
    throw new Error(`the earlier deploy (${scenario.name}) failed in ${report.failedState}: ${report.error}`);
  }
}

/** Takes the environment under test down, confirmed (production needs it; the other modes ignore it). */
export function downScenario(
  target: Target,
  deploymentId: string,
  options: RunOptions = {},
): Promise<RunReport> {
  return downOnTarget(
    target,
    { project: PROJECT, environment: ENVIRONMENT, deploymentId, confirm: ENVIRONMENT },
    { timeScale: TIME_SCALE, ...options },
  );
}

/** The shop as a development environment next to the one under test. */
export async function deployBystander(target: Target): Promise<void> {
  const report = await deployShop(
    target,
    BYSTANDER,
    { name: 'bystander', mode: 'development' },
    'bystander-1',
    {},
  );
  if (report.status !== 'SUCCEEDED') {
    throw new Error(`the bystander's deploy failed in ${report.failedState}: ${report.error}`);
  }
}
