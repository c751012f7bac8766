/**
 * `npm run check:iam` as a function: reads the call log a test run wrote
 * (engine/call-log.ts), checks every call against its principal's policy
 * (core/iam/calls/check.ts), lints every policy modeshift derives
 * (core/iam/lint.ts), and checks every error name the workflows catch or
 * retry (core/asl-error-names.ts). Passes when every principal is covered
 * and nothing is denied, unknown or misnamed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type UnknownErrorName, unknownErrorNames } from '../../asl-error-names.ts';
import { workflowDefinition } from '../../workflow-definitions.ts';
import { JUSTIFIED_WILDCARDS, lintPolicy, type PolicyFinding } from '../lint.ts';
import type { PolicyStatement } from '../policy.ts';
import {
  type AppContext,
  REQUEST_FUNCTIONS,
  stepRolePolicy,
  WORKFLOW_NAMES,
  workflowRolePolicy,
} from '../principal-policies.ts';
import { requestHandlerPolicy, schedulerPolicy, sweepPolicy } from '../service-policies.ts';
import type { StepCalls } from '../step-policy.ts';
import { checkCalls, type IamCheckReport } from './check.ts';
import type { LoggedCall } from './logged-call.ts';
import type { Place } from './requests.ts';

/** Reads every call log file in a directory. */
export function readCallLog(directory: string): LoggedCall[] {
  let files: string[];
  try {
    files = readdirSync(directory).filter((file) => file.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files.flatMap((file) =>
    readFileSync(join(directory, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LoggedCall),
  );
}

/** The app as the local AWS runs it: the ARNs its workflows' placeholders resolve to there (local/bootstrap.ts). */
export function localApp(place: Place, steps: Readonly<Record<string, StepCalls>>): AppContext {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${place.region}:${place.account}:${resource}`;
  return {
    account: place.account,
    region: place.region,
    tableArn: arn('dynamodb', 'table/modeshift-environments'),
    busArn: arn('events', 'event-bus/modeshift'),
    deployStateMachineArn: arn('states', 'stateMachine:modeshift-deploy'),
    downStateMachineArn: arn('states', 'stateMachine:modeshift-down'),
    lambdaFunctionArns: Object.fromEntries(
      Object.keys(steps).map((step) => [step, arn('lambda', `function:modeshift-${step}`)]),
    ),
    schedulerRoleArn: `arn:aws:iam::${place.account}:role/modeshift-scheduler`,
  };
}

/** Every policy modeshift derives, by principal, for the app. */
export function everyAppPolicy(
  app: AppContext,
  steps: Readonly<Record<string, StepCalls>>,
): Array<[string, PolicyStatement[]]> {
  return [
    ...WORKFLOW_NAMES.map((name): [string, PolicyStatement[]] => [
      `workflow/${name}`,
      workflowRolePolicy(name, app),
    ]),
    ...Object.values(steps).map((step): [string, PolicyStatement[]] => [
      `step/${step.name}`,
      stepRolePolicy(step, app),
    ]),
    ...Object.entries(REQUEST_FUNCTIONS).map(([name, handler]): [string, PolicyStatement[]] => [
      `function/${name}`,
      requestHandlerPolicy({ ...app, ...handler }),
    ]),
    ['function/Sweep', sweepPolicy(app)],
    [`role/${app.schedulerRoleArn}`, schedulerPolicy(app.busArn, app)],
  ];
}

/** The principals a full end-to-end and reliability run must cover. */
export function expectedPrincipals(app: AppContext, steps: Readonly<Record<string, StepCalls>>) {
  const exactly = (principal: string) => ({ name: principal, covers: (seen: string) => seen === principal });
  return [
    ...WORKFLOW_NAMES.map((name) => exactly(`workflow/${name}`)),
    ...Object.keys(steps).map((step) => exactly(`step/${step}`)),
    ...Object.keys(REQUEST_FUNCTIONS).map((name) => exactly(`function/${name}`)),
    exactly('function/Sweep'),
    exactly(`role/${app.schedulerRoleArn}`),
    {
      name: 'role/<a task execution role>',
      covers: (seen: string) => /^role\/arn:aws:iam::\d{12}:role\/modeshift\/.*--[^/.]+$/.test(seen),
    },
    {
      name: 'role/<a CodeBuild role>',
      covers: (seen: string) => /^role\/arn:aws:iam::\d{12}:role\/modeshift\/.*\.codebuild$/.test(seen),
    },
  ];
}

export interface IamCheckResult {
  readonly report: IamCheckReport;
  readonly lint: ReadonlyArray<{ readonly principal: string; readonly finding: PolicyFinding }>;
  /** `*` resources kept with a reason written beside them (core/iam/lint.ts). */
  readonly justifiedWildcards: number;
  readonly errorNames: ReadonlyArray<{ readonly workflow: string } & UnknownErrorName>;
  readonly passed: boolean;
}

export interface IamCheckOptions {
  readonly place: Place;
  readonly steps: Readonly<Record<string, StepCalls>>;
  /** Changes the app's policies before they are checked and linted (the negative tests take a statement out). */
  readonly alter?: (principal: string, statements: PolicyStatement[]) => PolicyStatement[];
}

/** The app's policies, by place: deriving them all takes a second or more. */
const derivedPolicies = new Map<string, Array<[string, PolicyStatement[]]>>();

export async function runIamCheck(
  calls: readonly LoggedCall[],
  options: IamCheckOptions,
): Promise<IamCheckResult> {
  const app = localApp(options.place, options.steps);
  const key = `${options.place.account}/${options.place.region}/${Object.keys(options.steps).join(',')}`;
  const derived = derivedPolicies.get(key) ?? everyAppPolicy(app, options.steps);
  derivedPolicies.set(key, derived);
  const policies = derived.map(([principal, statements]): [string, PolicyStatement[]] => [
    principal,
    options.alter ? options.alter(principal, statements) : statements,
  ]);
  const byPrincipal = new Map(policies);
  const report = await checkCalls(calls, {
    place: options.place,
    app,
    steps: options.steps,
    expected: expectedPrincipals(app, options.steps),
    policyOf: (principal) => {
      const statements = byPrincipal.get(principal);
      return statements === undefined ? undefined : [{ Version: '2012-10-17', Statement: statements }];
    },
  });
  const lint = policies.flatMap(([principal, statements]) =>
    lintPolicy(statements, { justifiedWildcards: JUSTIFIED_WILDCARDS }).map((finding) => ({
      principal,
      finding,
    })),
  );
  const justifiedWildcards = new Set(
    policies.flatMap(([, statements]) =>
      statements.flatMap((statement) =>
        statement.Resource.includes('*')
          ? statement.Action.filter(
              (action) => JUSTIFIED_WILDCARDS[action] ?? JUSTIFIED_WILDCARDS[`${action.split(':')[0]}:*`],
            )
          : [],
      ),
    ),
  ).size;
  const errorNames = WORKFLOW_NAMES.flatMap((workflow) =>
    unknownErrorNames(workflowDefinition(workflow)).map((name) => ({ workflow, ...name })),
  );
  const passed =
    calls.length > 0 &&
    report.uncovered.length === 0 &&
    report.denied.length === 0 &&
    report.unknownActions.length === 0 &&
    lint.length === 0 &&
    errorNames.length === 0;
  return { report, lint, justifiedWildcards, errorNames, passed };
}

/** The check's figures and every problem, as `npm run check:iam` prints them. */
export function formatIamCheck(result: IamCheckResult): string {
  const { report } = result;
  const unknownActions =
    report.unknownActions.length +
    result.lint.filter(({ finding }) => finding.kind === 'unknown-action').length;
  const rows: Array<[string, number]> = [
    ['Principals', report.principals.length],
    ['  not covered by the run', report.uncovered.length],
    ['Calls logged (modeshift principals)', report.calls],
    ['Distinct actions', report.distinctActions],
    ['Requests simulated (distinct)', report.simulated],
    ['  with an ARN part unknown (*)', report.partial],
    ['Denied', report.denied.length],
    ['Unknown actions', unknownActions],
    ['Policy lint findings', result.lint.length],
    ['Justified wildcards', result.justifiedWildcards],
    ['Error names that do not exist', result.errorNames.length],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = ['modeshift IAM check', ...rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`)];
  for (const name of report.uncovered) lines.push(`not covered: ${name} made no call in the logged run`);
  for (const { request, reason } of report.denied) {
    const context = Object.keys(request.context).length > 0 ? ` ${JSON.stringify(request.context)}` : '';
    lines.push(
      `${reason === 'no policy' ? 'no policy for' : 'denied:'} ${request.principal} ${request.action} on ${request.resource}${context} — ${request.because}`,
    );
  }
  for (const unknown of report.unknownActions)
    lines.push(`unknown action: ${unknown.action} — ${unknown.because}`);
  for (const { principal, finding } of result.lint) lines.push(`policy of ${principal}: ${finding.message}`);
  for (const name of result.errorNames) lines.push(`${name.workflow} workflow: ${name.message}`);
  lines.push(`  ${'Result'.padEnd(width)}${result.passed ? 'every call allowed' : 'FAILED'}`);
  return `${lines.join('\n')}\n`;
}
