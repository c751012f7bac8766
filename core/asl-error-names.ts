/**
 * Error names in `Retry` and `Catch`: Step Functions matches `ErrorEquals`
 * by exact name, so a misspelt name never matches and its Retry or Catch is
 * silently dead. This checks every name a definition waits for against the
 * names the integrations it calls can raise:
 *
 * | name | accepted when |
 * |-|-|
 * | `States.<Name>` | it is an error the ASL specification predefines |
 * | `<Service>.<Exception>`, `<Service>` the `errorPrefix` of a service in core/aws-services.ts (aws-sdk integrations) | the Java SDK name (`javaExceptionName`) of an error class the service's SDK package exports, or `<Service>Exception` (an error the model does not declare), or `SdkClientException` |
 * | `DynamoDB.<Code>`, `EventBridge.<Code>`, `CodeBuild.<Code>` (optimized integrations, named as in engine/dynamodb-task.ts, engine/events-task.ts, engine/codebuild-sync-task.ts) | an error class the service's SDK package exports, as spelt there, or `SdkClientException`; `EventBridge.FailedEntry` too |
 * | `Lambda.<Name>` (the Lambda integration) | one of the Lambda errors the Step Functions Developer Guide names ("Handle Lambda service exceptions") |
 * | `Modeshift.<Name>`, or a name without a dot | always: modeshift's step errors (functions/step-errors.ts) are named where they are thrown, and no list of them exists to check against |
 *
 * Any other `<Prefix>.` is reported: no integration modeshift calls names its errors so.
 */
import { javaExceptionName } from '../engine/java-names.ts';
import { allStates, type Catcher, type Machine, type Retrier } from './asl.ts';
import { AWS_SERVICES, awsServiceById, type ServiceId } from './aws-services.ts';
import { modeledErrors } from './modeled-errors.ts';

/** An `ErrorEquals` entry that no integration modeshift calls can raise. */
export interface UnknownErrorName {
  /** The name of the state whose Retry or Catch has it. */
  readonly state: string;
  readonly errorName: string;
  /** Names the state, the Retry or Catch entry, the name and why it is unknown. */
  readonly message: string;
}

/** The errors the Amazon States Language specification predefines. */
const STATES_ERRORS: ReadonlySet<string> = new Set([
  'States.ALL',
  'States.TaskFailed',
  'States.Timeout',
  'States.HeartbeatTimeout',
  'States.Permissions',
  'States.ResultPathMatchFailure',
  'States.ParameterPathFailure',
  'States.BranchFailed',
  'States.NoChoiceMatched',
  'States.IntrinsicFailure',
  'States.ExceedToleratedFailureThreshold',
  'States.ItemReaderFailed',
  'States.ResultWriterFailed',
  'States.QueryEvaluationError',
  'States.Runtime',
]);

/** Prefixes modeshift owns: its steps' errors are not listed anywhere, so any name is accepted. */
const OWN_PREFIXES: ReadonlySet<string> = new Set(['Modeshift']);

/** The prefix each optimized integration modeshift runs gives its errors (engine/*-task.ts), and its service. */
const OPTIMIZED_PREFIXES: Readonly<Record<string, ServiceId>> = {
  DynamoDB: 'dynamodb',
  EventBridge: 'eventbridge',
  CodeBuild: 'codebuild',
};

/** The errors of the Lambda integration the Step Functions Developer Guide names. */
const LAMBDA_ERRORS = [
  'ClientExecutionTimeoutException',
  'ServiceException',
  'AWSLambdaException',
  'SdkClientException',
  'TooManyRequestsException',
  'Unknown',
];

let knownNames: ReadonlyMap<string, ReadonlySet<string>> | undefined;

/** Error prefix → the names after the dot that some integration raises. */
function namesByPrefix(): ReadonlyMap<string, ReadonlySet<string>> {
  if (knownNames !== undefined) return knownNames;
  const names = new Map<string, Set<string>>();
  const add = (prefix: string, suffixes: readonly string[]) => {
    const known = names.get(prefix) ?? new Set<string>();
    for (const suffix of suffixes) known.add(suffix);
    names.set(prefix, known);
  };
  for (const service of AWS_SERVICES) {
    const prefix = service.errorPrefix;
    add(prefix, [
      ...modeledErrors(service).map(javaExceptionName),
      `${prefix}Exception`,
      'SdkClientException',
    ]);
  }
  for (const [prefix, id] of Object.entries(OPTIMIZED_PREFIXES)) {
    const service = awsServiceById(id);
    if (service !== undefined) add(prefix, [...modeledErrors(service), 'SdkClientException']);
  }
  add('EventBridge', ['FailedEntry']);
  add('Lambda', LAMBDA_ERRORS);
  knownNames = names;
  return names;
}

/** Why `errorName` is not a name anything raises, or undefined when it is. */
function problemOf(errorName: string): string | undefined {
  const dot = errorName.indexOf('.');
  if (dot < 0) return undefined;
  const prefix = errorName.slice(0, dot);
  const rest = errorName.slice(dot + 1);
  if (prefix === 'States') {
    return STATES_ERRORS.has(errorName) ? undefined : 'is not an error the Amazon States Language predefines';
  }
  if (OWN_PREFIXES.has(prefix)) return undefined;
  const known = namesByPrefix().get(prefix);
  if (known === undefined) return `names its errors "${prefix}.", which no integration modeshift calls does`;
  return known.has(rest) ? undefined : `is not an error ${prefix} raises`;
}

/**
 * Every `ErrorEquals` entry of every Retry and Catch, in every state
 * (nested Parallel branches and Map processors included), that no
 * integration can raise, by the rules at the top of this file.
 */
export function unknownErrorNames(definition: Machine): UnknownErrorName[] {
  const unknown: UnknownErrorName[] = [];
  for (const { name, state } of allStates(definition)) {
    const handlers: Array<[string, readonly (Retrier | Catcher)[]]> = [
      ['Retry', 'Retry' in state ? (state.Retry ?? []) : []],
      ['Catch', 'Catch' in state ? (state.Catch ?? []) : []],
    ];
    for (const [field, entries] of handlers) {
      entries.forEach((entry, index) => {
        for (const errorName of entry.ErrorEquals) {
          const problem = problemOf(errorName);
          if (problem === undefined) continue;
          unknown.push({
            state: name,
            errorName,
            message: `state "${name}", ${field}[${index}]: "${errorName}" ${problem}`,
          });
        }
      });
    }
  }
  return unknown;
}
