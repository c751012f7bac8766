/**
 * The IAM check: every request AWS would evaluate for the logged calls
 * (core/iam/calls/requests.ts) is simulated against the policy of the
 * principal that makes it — the same statements the stacks give the app's
 * roles (core/iam/principal-policies.ts), or the policy a step put on a role
 * it created — with @cloud-copilot/iam-simulate, as AWS evaluates an
 * identity policy: an implicit deny is a call that would fail on AWS.
 */
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { Principal } from '../../principal.ts';
import { type AppContext, appPrincipalPolicy } from '../principal-policies.ts';
import type { StepCalls } from '../step-policy.ts';
import type { LoggedCall } from './logged-call.ts';
import {
  type AuthorizationRequest,
  authorizationRequests,
  type Place,
  type UnknownAction,
} from './requests.ts';
import { serviceCalls } from './service-calls.ts';

/** A request the principal's policy does not allow. */
export interface DeniedRequest {
  readonly request: AuthorizationRequest;
  /** `denied` (implicitly: no statement allows it), or `no policy` for a principal the check has none for. */
  readonly reason: 'denied' | 'no policy';
}

export interface IamCheckReport {
  /** Every principal that made a call, sorted. */
  readonly principals: readonly string[];
  /** Principals that should have been seen but made no call (`step/<Name>` for a step never run). */
  readonly uncovered: readonly string[];
  /** Logged calls made by modeshift's principals. */
  readonly calls: number;
  readonly distinctActions: number;
  /** Distinct requests simulated (principal, action, resource, context). */
  readonly simulated: number;
  /** Of those, how many have a part of their ARN that could not be known (`*`). */
  readonly partial: number;
  readonly denied: readonly DeniedRequest[];
  readonly unknownActions: readonly UnknownAction[];
}

/** What the check needs besides the log. */
export interface IamCheckContext {
  readonly place: Place;
  readonly app: AppContext;
  /** The Lambda steps by name (state-machines/workflows.ts STEPS). */
  readonly steps: Readonly<Record<string, StepCalls>>;
  /** The principals a complete run must cover, each by name and what it covers. @default [] */
  readonly expected?: ReadonlyArray<{
    readonly name: string;
    readonly covers: (principal: string) => boolean;
  }>;
  /** A principal's policy documents, when given here rather than derived (the negative tests take a statement out). */
  readonly policyOf?: (principal: string) => readonly unknown[] | undefined;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A Lambda step's function, as the workflows invoke it locally (`modeshift-<Step>`), by its ARN. */
function functionArn(name: string, place: Place): string {
  if (name.startsWith('arn:')) return name;
  return `arn:aws:lambda:${place.region}:${place.account}:function:${name}`;
}

/** The policy documents of a principal: the app's own, or what the run put on a role it created. */
function policiesOf(request: AuthorizationRequest, context: IamCheckContext): readonly unknown[] | undefined {
  if (request.policies) return request.policies;
  const given = context.policyOf?.(request.principal);
  if (given !== undefined) return given;
  const derived = appPrincipalPolicy(request.principal as Principal, context.app, context.steps);
  return derived ? [{ Version: '2012-10-17', Statement: derived }] : undefined;
}

/**
 * A KMS key is used only as its key policy allows: the default key policy (and the AWS managed keys'
 * policies, for calls through their service) leaves it to the account's IAM policies, which is what is checked.
 */
function defaultKeyPolicy(place: Place) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${place.account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

async function allowed(
  request: AuthorizationRequest,
  policies: readonly unknown[],
  place: Place,
): Promise<boolean> {
  const principal = request.principal.startsWith('role/')
    ? request.principal.slice('role/'.length)
    : `arn:aws:iam::${place.account}:role/modeshift-${request.principal.replace('/', '-')}`;
  const simulation = {
    identityPolicies: policies.map((policy, index) => ({ name: `policy${index}`, policy: policy as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: place.account },
      contextVariables: { ...request.context },
    },
  };
  // The unchecked entry point: the request's action, resources and context keys come from the reference
  // already (core/iam/calls/requests.ts), and the checked one reads the catalog asynchronously per call,
  // which is a hundred times slower. It also keeps resource types the catalog lacks (ELBv2's AddTags on a
  // target group: the catalog keeps only Classic Load Balancing's types) from failing the simulation.
  if (!request.action.startsWith('kms:')) return runUnsafeSimulation(simulation, {}) === 'Allowed';
  // KMS needs the key's policy too: the checked entry point takes it (the unchecked one cannot name it).
  const response = await runSimulation(
    { ...simulation, resourcePolicy: defaultKeyPolicy(place) as never },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(
      `IAM simulation of ${request.action} (${request.because}) failed: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult === 'Allowed';
}

/** Checks the logged calls: every request simulated against its principal's policy. */
export async function checkCalls(
  calls: readonly LoggedCall[],
  context: IamCheckContext,
): Promise<IamCheckReport> {
  const normalized = calls.map((call) =>
    call.service === 'lambda'
      ? {
          ...call,
          input: {
            FunctionName: functionArn(
              String((call.input as { FunctionName?: string }).FunctionName),
              context.place,
            ),
          },
        }
      : call,
  );
  const replayed = authorizationRequests(normalized, context.place, serviceCalls);
  const distinct = new Map<string, AuthorizationRequest>();
  for (const request of replayed.requests) {
    const key = canonical([
      request.principal,
      request.action,
      request.resource,
      request.context,
      request.policies ?? null,
    ]);
    if (!distinct.has(key)) distinct.set(key, request);
  }
  const denied: DeniedRequest[] = [];
  // Deriving a policy takes tens of milliseconds; a principal's is derived once.
  const derived = new Map<string, readonly unknown[] | undefined>();
  for (const request of distinct.values()) {
    let policies: readonly unknown[] | undefined;
    if (request.policies) policies = policiesOf(request, context);
    else {
      if (!derived.has(request.principal)) derived.set(request.principal, policiesOf(request, context));
      policies = derived.get(request.principal);
    }
    if (policies === undefined) {
      denied.push({ request, reason: 'no policy' });
      continue;
    }
    if (!(await allowed(request, policies, context.place))) denied.push({ request, reason: 'denied' });
  }
  const principals = [...new Set(replayed.requests.map((request) => request.principal))].sort();
  const uncovered = (context.expected ?? [])
    .filter((expected) => !principals.some((principal) => expected.covers(principal)))
    .map((expected) => expected.name);
  return {
    principals,
    uncovered,
    calls: replayed.calls,
    distinctActions: new Set(replayed.requests.map((request) => request.action)).size,
    simulated: distinct.size,
    partial: [...distinct.values()].filter((request) => request.partial).length,
    denied,
    unknownActions: replayed.unknownActions,
  };
}
