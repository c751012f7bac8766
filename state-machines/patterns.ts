/**
 * The patterns the workflows are made of, each written once: a Lambda step
 * with its standard Retry (and its poll while the step says it is not done
 * yet), a call to an AWS API with the service's Retry, the environment
 * record and events, a Choice on the mode's policy, a guarded Parallel
 * (every branch runs to its end; a failed branch fails the run afterwards),
 * and the failure path every workflow ends in when something fails.
 *
 * Each function returns ASL (core/asl.ts); state-machines/deploy.ts and
 * down.ts compose them, and scripts/workflows.ts writes the JSON that
 * is deployed. A Lambda step's Parameters are checked against the step's
 * input type when the workflow compiles.
 */
import type {
  Catcher,
  ChoiceRule,
  ChoiceState,
  JsonObject,
  JsonValue,
  Machine,
  ParallelState,
  PassState,
  Retrier,
  State,
  TaskState,
} from '../core/asl.ts';
import { lambdaStepResource } from '../core/asl.ts';
import { awsServiceById, type ServiceId } from '../core/aws-services.ts';
import { isModeledError } from '../core/modeled-errors.ts';
import { javaExceptionName } from '../engine/java-names.ts';

/** The state every workflow goes to when something fails: it describes the failure (see {@link failurePath}). */
export const DESCRIBE_FAILURE = 'DescribeFailure';

/** The end of the machine a state is in, as where it goes next. */
export const END: unique symbol = Symbol('the end of the machine');

/** Where a state goes when it succeeds: the name of the next state of its machine, or {@link END}. */
export type Next = string | typeof END;

function transition(next: Next): { Next: string } | { End: true } {
  return next === END ? { End: true } : { Next: next };
}

/** What the SST app fills in when it deploys a workflow (stacks/workflows.ts); the local engine gets them from its target. */
export type PlaceholderName =
  | 'AccountId'
  | 'Region'
  | 'EnvironmentsTable'
  | 'EventBusName'
  | 'EventBusArn'
  | 'SchedulerRoleArn';

/** A `${Name}` token, as the committed ASL carries it. */
export function placeholder(name: PlaceholderName): string {
  return `\${${name}}`;
}

// ---------------------------------------------------------------------------
// Errors: Retry and Catch.

/**
 * What Lambda and a step say when a call may succeed if made again: Lambda's
 * own transient errors, and AWS throttling inside the step
 * (`Modeshift.Throttled`, functions/step-errors.ts).
 */
const LAMBDA_RETRY: Retrier = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'Modeshift.Throttled',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/**
 * How long a waiting step is called again while it says it is not done
 * (`Modeshift.NotReady`): every `intervalSeconds`, at most `maxAttempts`
 * times. A Retry costs one state transition; a Choice-and-Wait loop three.
 */
export interface Poll {
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
}

function pollRetry(poll: Poll): Retrier {
  return {
    ErrorEquals: ['Modeshift.NotReady'],
    IntervalSeconds: poll.intervalSeconds,
    MaxAttempts: poll.maxAttempts,
    BackoffRate: 1,
  };
}

/** The backoff of a call throttled or refused for a moment: from 2 s, doubling, full jitter, up to six retries. */
const BACKOFF = { IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' } as const;

/** Throttling and server errors, as the SDK spells them, that a service's model may declare. */
const TRANSIENT_ERRORS = [
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'InternalServerException',
];

/**
 * The Retry of an aws-sdk Task, with backoff: the throttling and server
 * errors the service's model declares (core/modeled-errors.ts), then its
 * undeclared errors (`<Service>.<Service>Exception`) and the SDK's own.
 *
 * Step Functions names an error `<Service>.<Exception>` only when the model
 * declares it, so a name the model lacks would never match; the retrier is
 * left out when the model declares none of them (RDS, ELBv2, ECS). Throttling
 * a model does not declare (RDS's and ELBv2's `Throttling`, ECS's
 * `ThrottlingException`) arrives as `<Service>.<Service>Exception`, which is
 * why that retrier backs off too.
 */
function serviceRetry(serviceId: ServiceId): Retrier[] {
  const service = awsServiceById(serviceId);
  if (service === undefined) throw new Error(`no AWS service "${serviceId}"`);
  const prefix = service.errorPrefix;
  const declared = TRANSIENT_ERRORS.filter((name) => isModeledError(service, name)).map(
    (name) => `${prefix}.${javaExceptionName(name)}`,
  );
  const undeclared = [`${prefix}.${prefix}Exception`, `${prefix}.SdkClientException`];
  return [
    ...(declared.length > 0 ? [{ ErrorEquals: declared, ...BACKOFF }] : []),
    { ErrorEquals: undeclared, ...BACKOFF },
  ];
}

/** The Retry of the environment record's DynamoDB calls. */
const DYNAMODB_RETRY: Retrier = {
  ErrorEquals: [
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.ThrottlingException',
    'DynamoDB.RequestLimitExceeded',
    'DynamoDB.InternalServerError',
    'DynamoDB.SdkClientException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/**
 * The Retry of putting an event on the bus: the API's throttling and server
 * errors, an entry PutEvents did not put (`EventBridge.FailedEntry`: the
 * optimized integration fails the state when `FailedEntryCount` is not 0,
 * engine/events-task.ts) and the SDK's own error.
 */
const EVENTS_RETRY: Retrier = {
  ErrorEquals: [
    'EventBridge.InternalException',
    'EventBridge.ThrottlingException',
    'EventBridge.FailedEntry',
    'EventBridge.SdkClientException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** An error a state expects and goes on from: `errors`, where the error goes, and the state that follows. */
export interface Expected {
  readonly errors: readonly string[];
  /** @default null: the error is dropped */
  readonly resultPath?: string | null;
  readonly next: string;
}

/**
 * What a state does with an error its Retry does not take up:
 * - `'describe'`: every other error goes to {@link DESCRIBE_FAILURE}, the error in `$.failure`;
 * - `'propagate'`: it fails the machine it is in (inside a guarded branch, the branch);
 * - a Catcher of its own (the failure path catches into its own fields).
 */
export type OnError = 'describe' | 'propagate' | Catcher;

function catchers(expected: readonly Expected[] = [], onError: OnError = 'describe'): { Catch?: Catcher[] } {
  const list: Catcher[] = expected.map((rule) => ({
    ErrorEquals: [...rule.errors],
    ResultPath: rule.resultPath ?? null,
    Next: rule.next,
  }));
  if (onError === 'describe')
    list.push({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: DESCRIBE_FAILURE });
  else if (onError !== 'propagate') list.push(onError);
  return list.length > 0 ? { Catch: list } : {};
}

/** Fields of every Task pattern. */
interface TaskOptions {
  readonly comment?: string;
  /** Where the result goes. @default null: the result is dropped */
  readonly resultPath?: string | null;
  readonly resultSelector?: JsonObject;
  /** Errors the state expects, caught before anything else. */
  readonly expect?: readonly Expected[];
  /** @default 'describe' */
  readonly onError?: OnError;
  readonly next: Next;
}

function comment(text: string | undefined): { Comment?: string } {
  return text === undefined ? {} : { Comment: text };
}

// ---------------------------------------------------------------------------
// Lambda steps.

/** A JSONPath or an intrinsic function, as a `<key>.$` parameter takes it. */
export type PathExpression = `$${string}` | `States.${string}`;

/**
 * The Parameters of a Task that runs a step taking `I`: each field of `I`
 * given as a value (`key`) or read from the state (`key.$`).
 */
export type StepParameters<I> = {
  readonly [K in keyof I & string]?: I[K];
} & {
  readonly [K in keyof I & string as `${K}.$`]?: PathExpression;
};

type RequiredKeys<I> = { [K in keyof I & string]-?: object extends Pick<I, K> ? never : K }[keyof I & string];
type GivenKeys<P> = { [K in keyof P & string]: K extends `${infer Field}.$` ? Field : K }[keyof P & string];
type Missing<I, P> = Exclude<RequiredKeys<I>, GivenKeys<P>>;
type Unknown<I, P> = Exclude<keyof P & string, keyof StepParameters<I> & string>;

/**
 * `P` as it must be for a step taking `I`: a field `I` requires and `P`
 * leaves out, or a field `I` does not have, shows as a type error naming it
 * (`missing parameter: stamp`, `unknown parameter: stamps.$`).
 */
export type CheckedParameters<I, P> = [Missing<I, P>] extends [never]
  ? [Unknown<I, P>] extends [never]
    ? P
    : { readonly [K in Unknown<I, P> as `unknown parameter: ${K}`]: never }
  : { readonly [K in Missing<I, P> as `missing parameter: ${K}`]: PathExpression };

/** A declared step (functions/step.ts), as far as a workflow needs it: its name and its input type. */
export interface WorkflowStep<I> {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: only the input type matters here
  (input: I, clients: any, context?: any): Promise<unknown>;
}

/** The input type of a step. */
export type StepInput<S> = S extends WorkflowStep<infer I> ? I : never;

export interface LambdaTaskOptions<P> extends TaskOptions {
  readonly parameters: P;
  /** For a step the workflow waits on: how often and how long to call it again while it is not done. */
  readonly poll?: Poll;
}

/**
 * The step a Task runs, kept on the Task under a symbol: not part of the
 * ASL (JSON leaves it out), but what lists the workflows' steps
 * (state-machines/workflows.ts).
 */
const STEP = Symbol('step');

/** The declared step a Task state built by {@link lambdaTask} runs. */
export function stepOfState(state: State): WorkflowStep<never> | undefined {
  return (state as { [STEP]?: WorkflowStep<never> })[STEP];
}

/** Seconds a step's Lambda may run: its function's timeout (stacks/workflow-steps.ts) plus the invoke. */
const STEP_TIMEOUT_SECONDS = 900;

/**
 * A Task that runs a Lambda step (`${<Name>FunctionArn}`), with the standard
 * Retry, the poll of a waiting step, and its Parameters checked against the
 * step's input type.
 */
export function lambdaTask<S extends WorkflowStep<never>, const P extends StepParameters<StepInput<S>>>(
  step: S,
  options: LambdaTaskOptions<P> & { readonly parameters: CheckedParameters<StepInput<S>, P> },
): TaskState {
  return withStep(step, {
    Type: 'Task',
    ...comment(options.comment),
    Resource: lambdaStepResource(step.name),
    Parameters: options.parameters as JsonObject,
    ...(options.resultSelector ? { ResultSelector: options.resultSelector } : {}),
    ResultPath: options.resultPath ?? null,
    TimeoutSeconds: STEP_TIMEOUT_SECONDS,
    Retry: options.poll ? [pollRetry(options.poll), LAMBDA_RETRY] : [LAMBDA_RETRY],
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  });
}

function withStep(step: WorkflowStep<never>, state: TaskState): TaskState {
  return Object.defineProperty(state, STEP, { value: step, enumerable: false });
}

// ---------------------------------------------------------------------------
// AWS APIs, the environment record and events.

export interface SdkTaskOptions extends TaskOptions {
  readonly parameters: JsonObject;
}

/** A Task that makes one AWS API call (an aws-sdk integration), with the service's Retry. */
export function sdkTask(service: ServiceId, action: string, options: SdkTaskOptions): TaskState {
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: `arn:aws:states:::aws-sdk:${service}:${action}`,
    Parameters: options.parameters,
    ...(options.resultSelector ? { ResultSelector: options.resultSelector } : {}),
    ResultPath: options.resultPath ?? null,
    Retry: serviceRetry(service),
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  };
}

/** The environment record's table (a placeholder the SST app fills in). */
const ENVIRONMENTS_TABLE = placeholder('EnvironmentsTable');

/** The environment record's key: `$.names.recordKey` and `ENV`. */
const RECORD_KEY: JsonObject = { pk: { 'S.$': '$.names.recordKey' }, sk: { S: 'ENV' } };

/** A history entry's sort key: `HIST#<execution start>#<deployment id>`. */
const HISTORY_KEY = "States.Format('HIST#{}#{}', $$.Execution.StartTime, $.deploymentId)";

export interface RecordUpdate extends TaskOptions {
  /** `SET …` and `REMOVE …` of the update. */
  readonly update: string;
  readonly condition?: string;
  /** Attribute values (`:lock`), by name. */
  readonly values: JsonObject;
  /** @default none */
  readonly returnValues?: 'ALL_OLD';
}

/** The `#name` placeholders an expression uses, each standing for the attribute of that name. */
function attributeNames(...expressions: readonly (string | undefined)[]): Record<string, string> {
  const names = new Set(expressions.flatMap((expression) => expression?.match(/#[A-Za-z]+/g) ?? []));
  return Object.fromEntries([...names].sort().map((name) => [name, name.slice(1)]));
}

/** An update of the environment record (DynamoDB updateItem), every `#name` standing for its attribute. */
export function updateRecord(options: RecordUpdate): TaskState {
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: 'arn:aws:states:::dynamodb:updateItem',
    Parameters: {
      TableName: ENVIRONMENTS_TABLE,
      Key: RECORD_KEY,
      UpdateExpression: options.update,
      ...(options.condition ? { ConditionExpression: options.condition } : {}),
      ExpressionAttributeNames: attributeNames(options.update, options.condition),
      ExpressionAttributeValues: options.values,
      ...(options.returnValues ? { ReturnValues: options.returnValues } : {}),
    },
    ResultPath: options.resultPath ?? null,
    Retry: [DYNAMODB_RETRY],
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  };
}

/** Reads the environment record (DynamoDB getItem, consistent). */
export function readRecord(options: TaskOptions): TaskState {
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: 'arn:aws:states:::dynamodb:getItem',
    Parameters: { TableName: ENVIRONMENTS_TABLE, Key: RECORD_KEY, ConsistentRead: true },
    ResultPath: options.resultPath ?? null,
    Retry: [DYNAMODB_RETRY],
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  };
}

export interface HistoryEntry extends TaskOptions {
  readonly action: 'deploy' | 'down';
  readonly status: 'succeeded' | 'failed';
  /** The entry's fields besides its key, action, deployment, status, times and execution. */
  readonly fields: JsonObject;
}

/** Appends an entry to the environment's history (DynamoDB putItem under the record's key). */
export function appendHistory(options: HistoryEntry): TaskState {
  const { mode, ...fields } = options.fields;
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: {
      TableName: ENVIRONMENTS_TABLE,
      Item: {
        pk: { 'S.$': '$.names.recordKey' },
        sk: { 'S.$': HISTORY_KEY },
        action: { S: options.action },
        deploymentId: { 'S.$': '$.deploymentId' },
        ...(mode !== undefined ? { mode } : {}),
        status: { S: options.status },
        startedAt: { 'S.$': '$$.Execution.StartTime' },
        finishedAt: { 'S.$': '$$.State.EnteredTime' },
        executionArn: { 'S.$': '$$.Execution.Id' },
        ...fields,
      },
    },
    ResultPath: options.resultPath ?? null,
    Retry: [DYNAMODB_RETRY],
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  };
}

export interface EventOptions extends TaskOptions {
  /** `Deployment Started`, `Teardown Failed`, … */
  readonly detailType: string;
  /** Where the detail is read from: `States.JsonToString($.run.event)`, or a path to JSON text. */
  readonly detail: PathExpression;
}

/** Puts one `modeshift` event on the bus. */
export function emitEvent(options: EventOptions): TaskState {
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: 'arn:aws:states:::events:putEvents',
    Parameters: {
      Entries: [
        {
          EventBusName: placeholder('EventBusName'),
          Source: 'modeshift',
          DetailType: options.detailType,
          'Detail.$': options.detail,
        },
      ],
    },
    ResultPath: options.resultPath ?? null,
    Retry: [EVENTS_RETRY],
    ...catchers(options.expect, options.onError),
    ...transition(options.next),
  };
}

// ---------------------------------------------------------------------------
// Pass, Choice, Wait and refusals.

export interface PassOptions {
  readonly comment?: string;
  /** The part of the state's input the Pass works on. @default the whole input */
  readonly inputPath?: PathExpression;
  readonly parameters?: JsonObject;
  readonly result?: JsonValue;
  readonly resultPath?: string | null;
  readonly next: Next;
}

export function pass(options: PassOptions): PassState {
  return {
    Type: 'Pass',
    ...comment(options.comment),
    ...(options.inputPath ? { InputPath: options.inputPath } : {}),
    ...(options.parameters ? { Parameters: options.parameters } : {}),
    ...(options.result !== undefined ? { Result: options.result } : {}),
    ...(options.resultPath !== undefined ? { ResultPath: options.resultPath } : {}),
    ...transition(options.next),
  };
}

/**
 * A refusal: the workflow stops before touching anything, with an error
 * named so the history and the failure event say why (`cause` is a
 * `States.Format(…)` over the state).
 */
export function refuse(error: `Modeshift.${string}`, cause: PathExpression): PassState {
  return pass({
    parameters: { Error: error, 'Cause.$': cause },
    resultPath: '$.failure',
    next: DESCRIBE_FAILURE,
  });
}

/** A Choice rule and where it leads. */
export interface When {
  readonly rule: ChoiceRule;
  readonly next: string;
}

export function choice(options: {
  readonly comment?: string;
  readonly when: readonly When[];
  readonly otherwise: string;
}): ChoiceState {
  return {
    Type: 'Choice',
    ...comment(options.comment),
    Choices: options.when.map(({ rule, next: target }) => ({ ...rule, Next: target })),
    Default: options.otherwise,
  };
}

/** A Choice on one boolean: `ifTrue` when the value at `variable` is true, `otherwise` else. */
export function whether(
  variable: PathExpression,
  ifTrue: string,
  otherwise: string,
  options: { readonly comment?: string } = {},
): ChoiceState {
  return choice({
    ...options,
    when: [{ rule: { Variable: variable, BooleanEquals: true }, next: ifTrue }],
    otherwise,
  });
}

/**
 * A Choice on one of the mode's settings (or the mode): a state for each
 * value that has its own, and `otherwise` for the rest. This is where the
 * workflows' branches differ per mode.
 */
export function perSetting(
  variable: PathExpression,
  cases: Readonly<Record<string, string>>,
  otherwise: string,
  options: { readonly comment?: string } = {},
): ChoiceState {
  return choice({
    ...options,
    when: Object.entries(cases).map(([value, target]) => ({
      rule: { Variable: variable, StringEquals: value },
      next: target,
    })),
    otherwise,
  });
}

export function wait(seconds: number, options: { readonly comment?: string; readonly next: Next }): State {
  return { Type: 'Wait', ...comment(options.comment), Seconds: seconds, ...transition(options.next) };
}

export const SUCCEED: State = { Type: 'Succeed' };

// ---------------------------------------------------------------------------
// Guarded Parallel.

/**
 * One branch of a guarded Parallel: its states, and what leaves it when it
 * succeeds (a ResultSelector over its output: only that, so the Parallel's
 * result stays small).
 */
export interface GuardedBranch {
  /** The branch's name: its inner Parallel's, and `<name>Failed`'s. */
  readonly name: string;
  readonly comment?: string;
  readonly startAt: string;
  readonly states: Readonly<Record<string, State>>;
  /** What leaves the branch when it succeeds, as a ResultSelector over the branch's output. @default nothing */
  readonly keep?: JsonObject;
}

export interface ManagedStoreBranchOptions {
  /** The branch's name, `Databases`: its states are `Has<name>`, `No<name>` and `<name>Ready`. */
  readonly name: string;
  /** The request's list of stores and the key the branch keeps their endpoints under: `databases`. */
  readonly key: string;
  /** The subnet group the stores go in: created from the private subnets, or left as it is when one of its name exists. */
  readonly subnetGroup: {
    readonly state: string;
    readonly service: ServiceId;
    readonly action: string;
    readonly parameters: JsonObject;
    /** The error of a group that exists already: the branch goes on to the stores. */
    readonly alreadyExists: string;
  };
  /** The step that creates the stores or brings them to the mode, its result (with `endpoints`) at `progress`. */
  readonly ensure: {
    readonly state: string;
    readonly progress: `$.${string}`;
    readonly task: (next: string) => TaskState;
  };
}

/**
 * A deploy branch of managed stores (databases, caches): nothing when the
 * request has none; else the subnet group, then the stores, whose endpoints
 * leave the branch as `<key>`.
 */
export function managedStoreBranch(options: ManagedStoreBranchOptions): GuardedBranch {
  const { name, key, subnetGroup, ensure } = options;
  const ready = `${name}Ready`;
  return {
    name,
    startAt: `Has${name}`,
    keep: { [`${key}.$`]: `$[0].${key}` },
    states: {
      [`Has${name}`]: whether(`$.has${name}`, subnetGroup.state, `No${name}`),
      [`No${name}`]: pass({ result: { [key]: [] }, next: END }),
      [subnetGroup.state]: sdkTask(subnetGroup.service, subnetGroup.action, {
        comment: `An existing group of this name is left as it is; ${ensure.state} checks that it is the environment's.`,
        parameters: subnetGroup.parameters,
        expect: [{ errors: [subnetGroup.alreadyExists], next: ensure.state }],
        onError: 'propagate',
        next: ensure.state,
      }),
      [ensure.state]: ensure.task(ready),
      [ready]: pass({ parameters: { [`${key}.$`]: `${ensure.progress}.endpoints` }, next: END }),
    },
  };
}

/**
 * A branch that catches its own failure: its states run in a one-branch
 * Parallel whose Catch keeps the error as `branchFailure`, so the branch
 * ends normally and the enclosing Parallel waits for every other branch
 * instead of cancelling them.
 */
function guarded(branch: GuardedBranch): Machine {
  const failed = `${branch.name}Failed`;
  const inner: ParallelState = {
    Type: 'Parallel',
    ...comment(branch.comment),
    Branches: [{ StartAt: branch.startAt, States: { ...branch.states } }],
    ResultSelector: branch.keep ?? {},
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.branchFailure', Next: failed }],
    End: true,
  };
  return {
    StartAt: branch.name,
    States: {
      [branch.name]: inner,
      [failed]: pass({
        comment: "Only the failure leaves the branch: the Parallel's result stays small.",
        parameters: { 'branchFailure.$': '$.branchFailure' },
        next: END,
      }),
    },
  };
}

export interface GuardedParallelOptions {
  readonly comment?: string;
  /** What every branch is given. @default the whole state */
  readonly parameters?: JsonObject;
  /** Where the branches' results go: `$.<path>`, then read as `<path>[i]`. */
  readonly resultPath: `$.${string}`;
  readonly branches: readonly GuardedBranch[];
  /** Where the run goes once every branch has succeeded. */
  readonly next: string;
}

/**
 * Branches that all run to their end even when one fails; then, if one
 * failed, the run fails with that branch's error (`<name>Branch<i>Failed`
 * → DescribeFailure). States: `<name>` (the Parallel),
 * `<name>Succeeded` (the check), and one `<name>Branch<i>Failed` per branch.
 */
export function guardedParallel(name: string, options: GuardedParallelOptions): Record<string, State> {
  const results = options.resultPath;
  const failedBranch = (index: number) => `${name}Branch${index}Failed`;
  const states: Record<string, State> = {
    [name]: {
      Type: 'Parallel',
      ...comment(options.comment),
      ...(options.parameters ? { Parameters: options.parameters } : {}),
      Branches: options.branches.map(guarded),
      ResultPath: results,
      Next: `${name}Succeeded`,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: DESCRIBE_FAILURE }],
    },
    [`${name}Succeeded`]: choice({
      comment: 'A branch that failed fails the run, now that every branch has ended.',
      when: options.branches.map((_, index) => ({
        rule: { Variable: `${results}[${index}].branchFailure`, IsPresent: true },
        next: failedBranch(index),
      })),
      otherwise: options.next,
    }),
  };
  options.branches.forEach((_, index) => {
    states[failedBranch(index)] = pass({
      parameters: {
        'Error.$': `${results}[${index}].branchFailure.Error`,
        'Cause.$': `${results}[${index}].branchFailure.Cause`,
      },
      resultPath: '$.failure',
      next: DESCRIBE_FAILURE,
    });
  });
  return states;
}

// ---------------------------------------------------------------------------
// The parts every workflow shares.

/**
 * Takes the environment's lock, unless another live run holds it: a lock
 * held by this deployment is taken again, an expired one taken over. A
 * held lock is refused as `Modeshift.EnvironmentLocked`. The run names
 * itself the lock's holder (`lockExecution`), so that a request finding the
 * lock after this run has ended without releasing it takes it over
 * (functions/requests/lock-takeover.ts).
 */
export function acquireLock(options: {
  readonly comment?: string;
  /** What the update sets besides the lock and the last activity. */
  readonly set: string;
  /** What the update adds to sets (DynamoDB `ADD`), if anything. */
  readonly add?: string;
  readonly values: JsonObject;
  readonly resultPath: string;
  readonly next: Next;
}): Record<string, State> {
  const add = options.add ? ` ADD ${options.add}` : '';
  return {
    AcquireLock: updateRecord({
      ...(options.comment ? { comment: options.comment } : {}),
      update: `SET #lockId = :lock, #lockExpiresAt = :lockExpiresAt, #lockExecution = :execution, ${options.set}, #lastActivityAt = :now${add}`,
      condition: 'attribute_not_exists(#lockId) OR #lockId = :lock OR #lockExpiresAt < :startedAt',
      values: {
        ':lock': { 'S.$': '$.deploymentId' },
        ':lockExpiresAt': { 'S.$': '$.lockExpiresAt' },
        ':execution': { 'S.$': '$$.Execution.Id' },
        ...options.values,
        ':now': { 'N.$': "States.Format('{}', $.requestedAtEpoch)" },
        ':startedAt': { 'S.$': '$$.Execution.StartTime' },
      },
      returnValues: 'ALL_OLD',
      resultPath: options.resultPath,
      expect: [
        {
          errors: ['DynamoDB.ConditionalCheckFailedException'],
          resultPath: '$.lockError',
          next: 'EnvironmentLocked',
        },
      ],
      next: options.next,
    }),
    EnvironmentLocked: refuse(
      'Modeshift.EnvironmentLocked',
      "States.Format('environment {} of project {} is locked by another deployment', $.environment, $.project)",
    ),
  };
}

/** Removes the environment's expiry schedule; one that is not there is fine. */
export function deleteExpirySchedule(options: {
  readonly comment?: string;
  readonly next: string;
}): TaskState {
  return sdkTask('scheduler', 'deleteSchedule', {
    ...(options.comment ? { comment: options.comment } : {}),
    parameters: { 'Name.$': '$.names.expirySchedule' },
    expect: [{ errors: ['Scheduler.ResourceNotFoundException'], next: options.next }],
    next: options.next,
  });
}

export interface FailurePathOptions {
  readonly action: 'deploy' | 'down';
  readonly comment?: string;
  /** Fields of the failure report when DescribeFailure itself failed, besides the error, the cause and the event. */
  readonly undescribed: JsonObject;
  /** The failure's history entry's fields besides the failure itself (its mode first). */
  readonly history: JsonObject;
  /** `Deployment Failed` or `Teardown Failed`; the run ends in the Fail state of that name (`DeploymentFailed`). */
  readonly failedEvent: string;
}

/**
 * Where every failure goes: DescribeFailure works out which state failed
 * and why; the lock this run holds is released (a lock another deployment
 * took over is left alone), the failure is appended to the history and the
 * failure event sent — each of them attempted even when the one before
 * failed — and the run fails with the original error.
 */
export function failurePath(
  describeFailure: WorkflowStep<never>,
  options: FailurePathOptions,
): Record<string, State> {
  const emitFailed = `Emit${eventState(options.failedEvent)}`;
  const failState = eventState(options.failedEvent);
  const after = (state: string, resultPath: string): OnError => ({
    ErrorEquals: ['States.ALL'],
    ResultPath: resultPath,
    Next: state,
  });
  return {
    [DESCRIBE_FAILURE]: withStep(describeFailure, {
      Type: 'Task',
      ...comment(options.comment),
      Resource: lambdaStepResource(describeFailure.name),
      Parameters: { action: options.action, 'executionArn.$': '$$.Execution.Id', 'state.$': '$' },
      ResultPath: '$.failureReport',
      TimeoutSeconds: STEP_TIMEOUT_SECONDS,
      Retry: [LAMBDA_RETRY],
      Catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failureReportError', Next: 'FailureUndescribed' },
      ],
      Next: 'ReleaseLockAfterFailure',
    }),
    FailureUndescribed: pass({
      parameters: {
        failedState: 'unknown',
        'error.$': '$.failure.Error',
        'cause.$': '$.failure.Cause',
        recordStatus: 'failed',
        ...options.undescribed,
        'event.$': '$.run.event',
        'eventDetail.$': 'States.JsonToString($.run.event)',
      },
      resultPath: '$.failureReport',
      next: 'ReleaseLockAfterFailure',
    }),
    ReleaseLockAfterFailure: updateRecord({
      comment: 'Releases the lock this run holds; a lock held by another deployment is left alone.',
      update:
        'SET #status = :status, #lastError = :error, #lastActivityAt = :now REMOVE #lockId, #lockExpiresAt, #lockExecution',
      condition: '#lockId = :lock',
      values: {
        ':status': { 'S.$': '$.failureReport.recordStatus' },
        ':error': { 'S.$': "States.Format('{}: {}', $.failureReport.failedState, $.failureReport.error)" },
        ':lock': { 'S.$': '$.deploymentId' },
        ':now': { 'N.$': "States.Format('{}', $.requestedAtEpoch)" },
      },
      onError: after('AppendFailureHistory', '$.releaseError'),
      next: 'AppendFailureHistory',
    }),
    AppendFailureHistory: appendHistory({
      action: options.action,
      status: 'failed',
      fields: {
        ...options.history,
        failedState: { 'S.$': '$.failureReport.failedState' },
        error: { 'S.$': '$.failureReport.error' },
        cause: { 'S.$': '$.failureReport.cause' },
      },
      onError: after(emitFailed, '$.historyError'),
      next: emitFailed,
    }),
    [emitFailed]: emitEvent({
      detailType: options.failedEvent,
      detail: '$.failureReport.eventDetail',
      onError: after(failState, '$.eventError'),
      next: failState,
    }),
    [failState]: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  };
}

/** `Deployment Failed` → `DeploymentFailed`: an event's state name. */
function eventState(detailType: string): string {
  return detailType.replace(/ /g, '');
}
