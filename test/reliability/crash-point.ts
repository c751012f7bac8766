/**
 * A crash injected into a workflow run as one of its Task states starts: the
 * run stops there as if the process running it had been killed. Nothing after
 * that point runs: no Retry or Catch, no failure path, no lock release, no
 * record update, and a step still running in another branch makes no further
 * AWS call. What the run did before stays done, as it would on AWS.
 *
 * It rides on fault injection's seams (injected-faults.ts): the Task is known
 * as it starts by the same means a fault is raised there, a Lambda step by its
 * state's name as the step is invoked, an aws-sdk or optimized integration by
 * its call (the command and the fixed values of the state's Parameters), and
 * the execution is aborted through RunOptions.signal, so the engine stops
 * where a killed process would and leaves no timer or promise running.
 */
import type { AwsClient } from '../../core/aws-services.ts';
import type { ClientFactory, LambdaStep } from '../../engine/run-workflow.ts';
import type { RunOptions } from '../../local/run-workflows.ts';
import { faultedRun, type InjectedFault } from './injected-faults.ts';
import { agreesWithParameters, type SdkIntegration, type WorkflowTask } from './workflow-tasks.ts';

/** What a crashed run rejects with, and what every AWS call of its dead process fails with. */
export class ProcessKilled extends Error {
  override name = 'Crash.ProcessKilled';

  constructor(readonly state: string) {
    super(`the process running the workflow was killed as ${state} started`);
  }
}

/** A run to be crashed as one of its Task states starts. */
export interface CrashedRun {
  readonly task: WorkflowTask;
  /** What the run rejects with once crashed. */
  readonly killed: ProcessKilled;
  /** The seams to pass to deployOnTarget / downOnTarget (with the faults' own). */
  readonly options: Pick<RunOptions, 'lambdaSteps' | 'clients' | 'signal'>;
  /** Whether the run reached the Task and was crashed there. */
  crashed(): boolean;
  /** Resolves once none of the run's steps or AWS calls is still in flight (a branch's step that was running). */
  settled(): Promise<void>;
}

export interface CrashOptions {
  /** Faults injected into the same run (a failure-path Task is reached only after one). @default none */
  readonly faults?: readonly InjectedFault[];
  /** The Lambda steps the run calls, as a clean run of the target calls them. @default LOCAL_STEPS */
  readonly steps?: Readonly<Record<string, LambdaStep>>;
}

/** A client whose calls fail once the process is dead; a call already made when it dies completes. */
function clientOfProcess(client: AwsClient, signal: AbortSignal): AwsClient {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== 'send') return value.bind(target);
      return async function sendWhileAlive(...args: unknown[]) {
        signal.throwIfAborted();
        return value.apply(target, args);
      };
    },
  });
}

/** A client that kills the process instead of making the Task's own call. */
function killingAtCall(
  client: AwsClient,
  task: WorkflowTask,
  integration: SdkIntegration,
  kill: () => never,
) {
  const command = integration.operation.createCommand({}).constructor;
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== 'send') return value.bind(target);
      return async function sendUnlessKilled(
        sent: { constructor: unknown; input?: unknown },
        ...rest: unknown[]
      ) {
        if (sent.constructor === command && agreesWithParameters(task.parameters, sent.input)) kill();
        return value.apply(target, [sent, ...rest]);
      };
    },
  });
}

/** The run options that crash the run as `task` starts (after `faults`, if any, have sent it there). */
export function crashAt(task: WorkflowTask, options: CrashOptions = {}): CrashedRun {
  const killSwitch = new AbortController();
  const killed = new ProcessKilled(task.name);
  let crashed = false;
  const kill = (): never => {
    crashed = true;
    killSwitch.abort(killed);
    throw killed;
  };
  const faulted = faultedRun(options.faults ?? [], options.steps ? { steps: options.steps } : {});
  const faultedClients = faulted.options.clients ?? ((factory: ClientFactory) => factory);

  // The steps run with the clients faultedRun is given: every call of the process, theirs and the Tasks', dies with it.
  const clients = (factory: ClientFactory): ClientFactory => {
    const tasks = faultedClients((service) => clientOfProcess(factory(service), killSwitch.signal));
    const integration = task.integration;
    if (integration.kind !== 'sdk') return tasks;
    return (service) => {
      const client = tasks(service);
      return service === integration.service ? killingAtCall(client, task, integration, kill) : client;
    };
  };
  const lambdaSteps = Object.fromEntries(
    Object.entries(faulted.options.lambdaSteps ?? {}).map(([name, step]): [string, LambdaStep] => [
      name,
      async function stepUnlessKilled(input, context) {
        if (task.integration.kind === 'lambda' && context.stateName === task.name) kill();
        killSwitch.signal.throwIfAborted();
        return step(input, context);
      },
    ]),
  );
  return {
    task,
    killed,
    options: { lambdaSteps, clients, signal: killSwitch.signal },
    crashed: () => crashed,
    settled: () => faulted.settled(),
  };
}
