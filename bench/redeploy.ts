/**
 * Redeploys of the 20-service synthetic project in one mode, on one account,
 * side by side with its first deploy: the same request again (a no-op), and
 * then the request with one built service's sources changed. A redeploy is
 * counted by what it changed on the account — builds started, task
 * definitions registered, ECS deployments (services created or updated) —
 * and the one-service change is measured against the lower bound of that
 * service alone: its build, then its rollout (after its old tasks stop, in a
 * replace deploy), since nothing else needs to happen.
 */
import { buildDeployInput } from '../core/execution-input.ts';
import { serviceNames } from '../core/names.ts';
import { type Mode, resolvePolicy } from '../core/policy.ts';
import type { LatencyModel } from '../engine/latency-model.ts';
import { type Account, createAccount } from './account.ts';
import type { LowerBound } from './critical-path.ts';
import { BENCH_NOW } from './pair.ts';
import { type RunMeasure, runOnAccount } from './run.ts';
import { syntheticRequest } from './synthetic-project.ts';
import type { Provisioning } from './world.ts';

export const REDEPLOY_SERVICES = 20;
/** The service whose sources change: built, in the middle of a chain, with a service depending on it. */
export const CHANGED_SERVICE = 'c0-s3';

/** A run and what it changed on the account. */
export interface RedeployRun extends RunMeasure {
  readonly builds: number;
  readonly revisions: number;
  /** ECS deployments started: services created or updated with a new task definition or settings. */
  readonly rollouts: number;
}

export interface RedeployMeasure {
  readonly mode: Mode;
  readonly services: number;
  readonly first: RedeployRun;
  readonly noop: RedeployRun;
  readonly oneChange: RedeployRun & {
    readonly service: string;
    readonly lowerBound: LowerBound;
    /** seconds ÷ lowerBound.seconds */
    readonly ratio: number;
  };
}

const total = (account: Account, operation: string) => account.apiCalls.get(operation) ?? 0;

/** An ECS deployment the in-memory ECS started (bench/aws/ecs.ts): `service:<name>:<n>`. */
const DEPLOYMENT = /^service:(.+):\d+$/;

async function deployCounted(
  account: Account,
  mode: Mode,
  deploymentId: string,
  changed: readonly string[] = [],
): Promise<{ run: RedeployRun; log: readonly Provisioning[] }> {
  const request = syntheticRequest(REDEPLOY_SERVICES, mode, deploymentId, undefined, changed);
  const input = buildDeployInput(request, resolvePolicy(mode), BENCH_NOW);
  const builds = total(account, 'codebuild:StartBuild');
  const revisions = total(account, 'ecs:RegisterTaskDefinition');
  const logStart = account.world.log.length;
  const run = await runOnAccount(account, 'deploy', input, { measureStateSizes: false });
  if (run.status !== 'SUCCEEDED')
    throw new Error(
      `redeploy benchmark, ${mode} ${deploymentId}: ${run.failedState}: ${run.error}: ${run.cause ?? ''}`,
    );
  const log = account.world.log.slice(logStart);
  return {
    run: {
      ...run,
      builds: total(account, 'codebuild:StartBuild') - builds,
      revisions: total(account, 'ecs:RegisterTaskDefinition') - revisions,
      rollouts: log.filter((entry) => DEPLOYMENT.test(entry.key)).length,
    },
    log,
  };
}

/** One service's build, then its rollout: what a redeploy that changed only that service's sources waits for. */
export function changedServiceLowerBound(
  log: readonly Provisioning[],
  project: { readonly project: string; readonly environment: string },
  service: string,
): LowerBound {
  const buildKey = `build:${serviceNames(project.project, project.environment, service).codeBuildProject}:`;
  const build = log.filter((entry) => entry.key.startsWith(buildKey)).at(-1);
  const deployment = log.filter((entry) => DEPLOYMENT.exec(entry.key)?.[1] === service).at(-1);
  const stop = log.find((entry) => entry.key === `${deployment?.key}:stop`);
  const steps = [
    ...(build ? [{ label: `build ${service}`, seconds: build.seconds }] : []),
    ...(stop ? [{ label: `old ${service} tasks stop`, seconds: stop.seconds }] : []),
    ...(deployment ? [{ label: `service ${service}`, seconds: deployment.seconds }] : []),
  ];
  return {
    seconds: steps.reduce((sum, step) => sum + step.seconds, 0),
    path: steps.map((step) => `${step.label} ${Math.round(step.seconds)}s`),
  };
}

export async function measureRedeploys(mode: Mode, model: LatencyModel): Promise<RedeployMeasure> {
  const account = createAccount(model, () => 0);
  const first = await deployCounted(account, mode, `first-${mode}`);
  const noop = await deployCounted(account, mode, `noop-${mode}`);
  const oneChange = await deployCounted(account, mode, `change-${mode}`, [CHANGED_SERVICE]);
  const lowerBound = changedServiceLowerBound(
    oneChange.log,
    { project: 'bench', environment: 'perf' },
    CHANGED_SERVICE,
  );
  return {
    mode,
    services: REDEPLOY_SERVICES,
    first: first.run,
    noop: noop.run,
    oneChange: {
      ...oneChange.run,
      service: CHANGED_SERVICE,
      lowerBound,
      ratio: oneChange.run.seconds / lowerBound.seconds,
    },
  };
}
