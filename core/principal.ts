/**
 * Who makes an AWS call on AWS. Locally every call goes through one set of
 * clients, but on AWS each is made by a different role: a workflow's Task by
 * its state machine's role, a step by its function's role, a request handler
 * or the sweep by theirs. The code that runs as a principal says so with
 * {@link asPrincipal}; the call log (engine/call-log.ts) reads it for each
 * call, so that `npm run check:iam` can check the call against that role's
 * policy. Outside any scope a call is the operator's (the CLI, a test's set-up).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A principal, as the call log names it:
 * - `workflow/<deploy|down>`: a state machine's role (aws-sdk and optimized Tasks);
 * - `step/<Step>`: a Lambda step's role;
 * - `function/<DeployRequested|DownRequested|WorkflowFinished|Sweep>`: a request handler's or the sweep's role;
 * - `role/<arn>`: a role modeshift hands to a service, for the calls that service makes with it.
 */
export type Principal = `workflow/${string}` | `step/${string}` | `function/${string}` | `role/${string}`;

const scope = new AsyncLocalStorage<Principal>();

/** Runs `work` as `principal`: every AWS call it makes, awaited or not, is that principal's. */
export function asPrincipal<T>(principal: Principal, work: () => T): T {
  return scope.run(principal, work);
}

/**
 * Runs `work` as no principal of modeshift's: for what the local AWS cannot do by itself and AWS
 * does on its own (local/emulated-image-push.ts stands in for CodeBuild's push, which the IAM check
 * already derives from StartBuild). Its calls are the operator's, which the check does not judge.
 */
export function outsidePrincipals<T>(work: () => T): T {
  return scope.exit(work);
}

/** The principal the current code runs as, if any. */
export function currentPrincipal(): Principal | undefined {
  return scope.getStore();
}
