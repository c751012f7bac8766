/**
 * Faults injected into Task states of a workflow run, through the run's seams
 * (local/run-workflows.ts RunOptions, built by faultedRun): `lambdaSteps`
 * for a Lambda step, `clients` for an AWS API call.
 *
 * - Lambda step: the step throws instead of running, `Injected.PermanentFault`
 *   (permanent) or `Modeshift.Throttled` the first TRANSIENT_FAILURES times
 *   (transient).
 * - aws-sdk or optimized integration: the state's call throws the service's
 *   error, as the SDK would after its own retries: a modeled client error
 *   (permanent) or the service's throttling code the first TRANSIENT_FAILURES
 *   times (transient). The call is told from other calls of the same command
 *   by the fixed values of the state's Parameters; the steps keep the
 *   target's own clients, so a step's call of that command is never hit.
 */

import { type AwsClient, awsServiceById } from '../../core/aws-services.ts';
import type { ClientFactory, LambdaStep } from '../../engine/run-workflow.ts';
import { toStepFunctionsError } from '../../engine/sdk-errors.ts';
import type { RunOptions } from '../../local/run-workflows.ts';
import { LOCAL_STEPS } from '../../local/steps.ts';
import { agreesWithParameters, type SdkIntegration, type WorkflowTask } from './workflow-tasks.ts';

export type FaultKind = 'permanent' | 'transient';

/** How many times a transient fault fails the state before the real call goes through. */
export const TRANSIENT_FAILURES = 2;

/** What a Lambda step throws for a permanent fault. */
export const PERMANENT_STEP_ERROR = 'Injected.PermanentFault';
/** What a Lambda step throws for a transient fault: what steps raise for AWS throttling (functions/steps/step-error.ts). */
export const THROTTLED_STEP_ERROR = 'Modeshift.Throttled';

/**
 * Per service, the error code AWS answers with: a client error that retrying
 * does not fix (modeled in the SDK where the engine would otherwise name it
 * `<Service>.<Service>Exception`, which the workflows retry), and throttling.
 */
const SERVICE_ERRORS: Readonly<Record<string, { readonly permanent: string; readonly throttling: string }>> =
  {
    cloudwatchlogs: { permanent: 'AccessDeniedException', throttling: 'ThrottlingException' },
    codebuild: { permanent: 'AccountSuspendedException', throttling: 'ThrottlingException' },
    dynamodb: { permanent: 'AccessDeniedException', throttling: 'ThrottlingException' },
    ecr: { permanent: 'InvalidParameterException', throttling: 'ThrottlingException' },
    ecs: { permanent: 'AccessDeniedException', throttling: 'ThrottlingException' },
    elasticache: { permanent: 'InvalidParameterValueException', throttling: 'Throttling' },
    elasticloadbalancingv2: { permanent: 'OperationNotPermittedException', throttling: 'Throttling' },
    eventbridge: { permanent: 'AccessDeniedException', throttling: 'ThrottlingException' },
    rds: { permanent: 'InvalidDBInstanceStateFault', throttling: 'Throttling' },
    scheduler: { permanent: 'ValidationException', throttling: 'ThrottlingException' },
  };

type ServiceErrorClass = new (options: {
  name?: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata: object;
}) => Error;

/** The error the service's SDK throws for `code`: its modeled class, else its ServiceException base. */
function serviceError(service: string, code: string, throttling: boolean): Error {
  const sdk = awsServiceById(service)?.sdk ?? {};
  const modeled = sdk[code];
  const base = Object.entries(sdk).find(([name]) => name.endsWith('ServiceException'))?.[1];
  const metadata = { httpStatusCode: throttling ? 429 : 400, requestId: 'injected-fault', attempts: 3 };
  const message = `injected ${throttling ? 'throttling' : 'permanent fault'} (${code})`;
  const error =
    typeof modeled === 'function' && modeled.prototype instanceof Error
      ? new (modeled as ServiceErrorClass)({ message, $metadata: metadata })
      : new (base as ServiceErrorClass)({ name: code, message, $fault: 'client', $metadata: metadata });
  return throttling ? Object.assign(error, { $retryable: { throttling: true } }) : error;
}

function stepError(kind: FaultKind): Error {
  const name = kind === 'permanent' ? PERMANENT_STEP_ERROR : THROTTLED_STEP_ERROR;
  return Object.assign(new Error(`injected ${kind} fault`), { name });
}

/** The error a fault of this kind raises in the state. */
function faultError(task: WorkflowTask, kind: FaultKind): Error {
  if (task.integration.kind === 'lambda') return stepError(kind);
  const codes = SERVICE_ERRORS[task.integration.service];
  if (!codes) throw new Error(`no injected errors are defined for service ${task.integration.service}`);
  return serviceError(
    task.integration.service,
    kind === 'permanent' ? codes.permanent : codes.throttling,
    kind === 'transient',
  );
}

/** The error name the state fails with for this fault, as Retry and Catch see it. */
export function injectedErrorName(task: WorkflowTask, kind: FaultKind): string {
  const error = faultError(task, kind);
  return task.integration.kind === 'lambda'
    ? error.name
    : toStepFunctionsError(error, task.integration.naming).name;
}

export interface InjectedFault {
  readonly task: WorkflowTask;
  readonly kind: FaultKind;
  /** The error name the state fails with. */
  readonly errorName: string;
  /** How many times the fault has been raised so far. */
  raised(): number;
  /** Throws when the fault is due and `state` is the faulted state (a Lambda step's). */
  readonly beforeStep: (state: string) => void;
  /** Wraps a client factory so the fault is raised for the faulted state's AWS call. */
  readonly wrapClients: (factory: ClientFactory) => ClientFactory;
}

/** A client whose `send` raises the fault for the state's call and passes every other call on. */
function faultingClient(
  client: AwsClient,
  task: WorkflowTask,
  integration: SdkIntegration,
  raise: () => void,
) {
  const command = integration.operation.createCommand({}).constructor;
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== 'send') return value.bind(target);
      return function sendWithFault(sent: { constructor: unknown; input?: unknown }, ...rest: unknown[]) {
        if (sent.constructor === command && agreesWithParameters(task.parameters, sent.input)) raise();
        return value.apply(target, [sent, ...rest]);
      };
    },
  });
}

/** Makes `task` fail: every time (permanent) or the first TRANSIENT_FAILURES times (transient). */
export function injectFault(task: WorkflowTask, kind: FaultKind): InjectedFault {
  let raised = 0;
  const raise = () => {
    if (kind === 'transient' && raised >= TRANSIENT_FAILURES) return;
    raised += 1;
    throw faultError(task, kind);
  };
  const integration = task.integration;
  return {
    task,
    kind,
    errorName: injectedErrorName(task, kind),
    raised: () => raised,
    beforeStep: (state) => {
      if (integration.kind === 'lambda' && task.name === state) raise();
    },
    wrapClients: (factory) =>
      integration.kind === 'sdk'
        ? (service) => {
            const client = factory(service);
            return service === integration.service
              ? faultingClient(client, task, integration, raise)
              : client;
          }
        : factory,
  };
}

/** A run with faults injected: its options, and a way to wait for what it left running. */
export interface FaultedRun {
  /** The seams to pass to deployOnTarget / downOnTarget. */
  readonly options: Pick<RunOptions, 'lambdaSteps' | 'clients'>;
  /**
   * Resolves once none of the run's steps or AWS calls is in flight. A failed
   * branch of a Parallel state stops its siblings, but a sibling's Task that
   * is already running finishes after the execution has ended (on AWS too: a
   * Lambda invocation is not cancelled).
   */
  settled(): Promise<void>;
  /** Resolves once the held step (FaultedRunOptions.hold) has reached the call it is held at. */
  held(): Promise<void>;
}

export interface FaultedRunOptions {
  /**
   * Holds the named step of this run at its calls of `command` (an SDK
   * command name, `CreateRouteTableCommand`) until `until` resolves: a step
   * still half-way through its work after the run has failed.
   */
  readonly hold?: { readonly step: string; readonly command: string; readonly until: Promise<void> };
  /** The Lambda steps the run wraps. @default LOCAL_STEPS */
  readonly steps?: Readonly<Record<string, LambdaStep>>;
}

/** The step's clients, holding its calls of `command` until `until` resolves; `onHeld` is told when one arrives. */
function holdingClients(
  factory: ClientFactory,
  command: string,
  until: Promise<void>,
  onHeld: () => void,
): ClientFactory {
  return (service) =>
    new Proxy(factory(service), {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        if (property !== 'send') return value.bind(target);
        return async (sent: { constructor: { name: string } }, ...rest: unknown[]) => {
          if (sent.constructor.name === command) {
            onHeld();
            await until;
          }
          return value.apply(target, [sent, ...rest]);
        };
      },
    });
}

/**
 * The run options that inject `faults`. Every step runs with the target's
 * own clients, so only the Tasks' own calls go through the faulting ones.
 */
export function faultedRun(faults: readonly InjectedFault[], runOptions: FaultedRunOptions = {}): FaultedRun {
  let ownClients: ClientFactory | undefined;
  let onHeld = () => {};
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      if (inFlight === 0) {
        for (const resolve of idle) resolve();
        idle = [];
      }
    }
  };
  const lambdaSteps = Object.fromEntries(
    Object.entries(runOptions.steps ?? LOCAL_STEPS).map(([name, step]): [string, LambdaStep] => [
      name,
      function stepWithFaults(input, context) {
        return track(async () => {
          for (const fault of faults) fault.beforeStep(context.stateName);
          const own = ownClients ?? context.clients;
          const { hold } = runOptions;
          const clients = hold?.step === name ? holdingClients(own, hold.command, hold.until, onHeld) : own;
          return step(input, { ...context, clients });
        });
      },
    ]),
  );
  const tracked = (client: AwsClient): AwsClient =>
    new Proxy(client, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        if (property !== 'send') return value.bind(target);
        return (...args: unknown[]) => track(async () => value.apply(target, args));
      },
    });
  const clients = (factory: ClientFactory): ClientFactory => {
    ownClients = factory;
    const faulting = faults.reduce((wrapped, fault) => fault.wrapClients(wrapped), factory);
    return (service) => tracked(faulting(service));
  };
  return {
    options: { lambdaSteps, clients },
    held: () => held,
    settled: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
  };
}
