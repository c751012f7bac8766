/**
 * Least-privilege IAM for a Lambda step's own role, derived from its code:
 * the step's file and every file it imports (`./x.ts`, transitively) are read
 * for the AWS SDK v3 commands they import (`XCommand`, and `paginateX`, which
 * sends `X`), and each command becomes its IAM action (core/workflow-iam.ts
 * holds the service table and S3's differing action names).
 *
 * Resources: `*` for most services — their resources have AWS-assigned ids
 * (VPCs, hosted zones, certificates, namespaces, task definitions) or are
 * listed account-wide, and scoping per command would need a table for every
 * command. Scoped where it is simple:
 * - CloudWatch Logs to the `/modeshift/…` log groups (`Describe*` to
 *   `log-group:*`: it is authorised against the whole log-group space);
 * - S3 to the access-log bucket (`<project>-<env>-lb-logs-<hash>`) and its objects;
 * - CodeBuild to the `<project>-<env>-<service>` projects (`List*` to `*`);
 * - Step Functions executions to `execution:*` of this account and region.
 *
 * Added to what the code calls: the tag action AWS checks when a create
 * carries tags (modeshift tags everything it creates), the Secrets Manager
 * actions behind an RDS-managed master password, and `iam:PassRole` on the
 * roles given in `passRoles` when the step calls an action that passes a
 * role, conditioned on the service it passes it to.
 *
 * What is not seen: SDK calls made outside `@aws-sdk/client-*` imports, in
 * files outside the sources map (core/ is not read), or through dynamic
 * `import()` (an error, so it cannot go unnoticed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import {
  type AccountContext,
  type AwsService,
  awsServiceByPackage,
  dependentGrants,
  type Grant,
  iamActionsOf,
  isCreateOperation,
  type ModeshiftArns,
  modeshiftArns,
  type PolicyStatement,
  ROLE_TAKING_ACTIONS,
  s3Resources,
  statementsOf,
} from './workflow-iam.ts';

/** What {@link stepPolicy} needs besides the code. */
export interface StepIamContext extends AccountContext {
  /**
   * Role ARNs the step may pass to a service. Granted (`iam:PassRole`) only
   * when the step's code calls an action that passes a role, and only to the
   * services those actions pass it to.
   * @default []
   */
  readonly passRoles?: readonly string[];
}

/** One SDK command a step's code uses. */
export interface SdkCall {
  /** The file the command is imported in, as a key of the sources map. */
  readonly file: string;
  /** `@aws-sdk/client-ec2`. */
  readonly sdkPackage: string;
  /** The operation as the SDK names it: `CreateVpc`. */
  readonly operation: string;
}

/** A step whose code modeshift cannot derive a policy for; the message names the file. */
export class StepIamError extends Error {
  override name = 'StepIamError';
}

/**
 * Every `.ts` file under `dir` (the step sources, functions/steps), keyed by
 * its path relative to `dir` with `/` separators: `ensure-network.ts`.
 */
export function stepSources(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of entries) {
    sources.set(relative(dir, file).split(sep).join('/'), readFileSync(file, 'utf8'));
  }
  return sources;
}

/** The code without comments, so a commented-out import does not count; strings are kept as they are. */
function withoutComments(code: string): string {
  let out = '';
  let index = 0;
  while (index < code.length) {
    const char = code[index] as string;
    const next = code[index + 1];
    if (char === '/' && next === '/') {
      while (index < code.length && code[index] !== '\n') index++;
    } else if (char === '/' && next === '*') {
      const end = code.indexOf('*/', index + 2);
      index = end === -1 ? code.length : end + 2;
      out += ' ';
    } else if (char === "'" || char === '"' || char === '`') {
      let end = index + 1;
      while (end < code.length && code[end] !== char) end += code[end] === '\\' ? 2 : 1;
      out += code.slice(index, end + 1);
      index = end + 1;
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

interface ImportClause {
  readonly typeOnly: boolean;
  /** Named value imports: the name the module exports (left of `as`). */
  readonly names: readonly string[];
  readonly namespace?: string;
  readonly from: string;
}

/** `import`/`export … from` statements and side-effect imports at the start of a line. */
const FROM_STATEMENT =
  /^[ \t]*(?:import|export)\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+[\w$]+|\*|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)\s*from\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;

function importClauses(code: string): ImportClause[] {
  const clauses: ImportClause[] = [];
  for (const match of code.matchAll(FROM_STATEMENT)) {
    const clause = match[2] ?? '';
    const names: string[] = [];
    for (const specifier of /\{([^}]*)\}/.exec(clause)?.[1]?.split(',') ?? []) {
      const parts = /^(type\s+)?([\w$]+)(?:\s+as\s+[\w$]+)?$/.exec(specifier.trim());
      if (parts?.[2] !== undefined && parts[1] === undefined) names.push(parts[2]);
    }
    const namespace = /\*\s+as\s+([\w$]+)/.exec(clause)?.[1];
    clauses.push({
      typeOnly: match[1] !== undefined,
      names,
      ...(namespace !== undefined ? { namespace } : {}),
      from: match[3] ?? '',
    });
  }
  for (const match of code.matchAll(SIDE_EFFECT_IMPORT)) {
    clauses.push({ typeOnly: false, names: [], from: match[1] ?? '' });
  }
  return clauses;
}

/** The operation an SDK export sends: `CreateVpcCommand` and `paginateDescribeVpcs` → `CreateVpc`, `DescribeVpcs`. */
function operationOf(exportName: string): string | undefined {
  return (
    /^([A-Z][A-Za-z0-9]*)Command$/.exec(exportName)?.[1] ??
    /^paginate([A-Z][A-Za-z0-9]*)$/.exec(exportName)?.[1]
  );
}

/** The file a relative import names, if it is in the sources map (`.js` specifiers mean the `.ts` file). */
function resolveImport(
  sources: ReadonlyMap<string, string>,
  from: string,
  specifier: string,
): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const candidate of [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`]) {
    if (sources.has(candidate)) return candidate;
  }
  return undefined;
}

/** The SDK commands a file uses itself, and the relative imports to follow. */
function scanFile(file: string, text: string): { calls: SdkCall[]; imports: string[] } {
  const code = withoutComments(text);
  if (/\bimport\s*\(\s*['"`]@aws-sdk\/client-/.test(code)) {
    throw new StepIamError(
      `${file}: imports an AWS SDK client with import(); use a static import so its commands can be read`,
    );
  }
  const calls: SdkCall[] = [];
  const imports: string[] = [];
  for (const clause of importClauses(code)) {
    if (clause.from.startsWith('.')) {
      if (!clause.typeOnly) imports.push(clause.from);
      continue;
    }
    if (clause.typeOnly || !clause.from.startsWith('@aws-sdk/client-')) continue;
    const used = [...clause.names];
    if (clause.namespace !== undefined) {
      const member = new RegExp(`\\b${clause.namespace.replace(/\$/g, '\\$')}\\.([A-Za-z0-9]+)\\b`, 'g');
      used.push(...[...code.matchAll(member)].map((match) => match[1] ?? ''));
    }
    for (const name of used) {
      if (/^waitUntil[A-Z]/.test(name)) {
        throw new StepIamError(
          `${file}: uses the waiter ${name}, whose calls are not known; poll with a command instead`,
        );
      }
      const operation = operationOf(name);
      if (operation !== undefined) calls.push({ file, sdkPackage: clause.from, operation });
    }
  }
  return { calls, imports };
}

/**
 * The SDK commands a step uses: those of its file and of every file it
 * imports from the sources map, transitively (`import type` is not followed:
 * it brings no code). Sorted by package and operation, without repeats.
 */
export function stepSdkCalls(sources: ReadonlyMap<string, string>, entryFile: string): SdkCall[] {
  if (!sources.has(entryFile)) {
    throw new StepIamError(`${entryFile}: not among the step sources (${sources.size} files)`);
  }
  const seen = new Set<string>();
  const pending = [entryFile];
  const calls = new Map<string, SdkCall>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const scanned = scanFile(file, sources.get(file) ?? '');
    for (const call of scanned.calls) {
      const key = `${call.sdkPackage} ${call.operation}`;
      if (!calls.has(key)) calls.set(key, call);
    }
    for (const specifier of scanned.imports) {
      const target = resolveImport(sources, file, specifier);
      if (target !== undefined) pending.push(target);
    }
  }
  return [...calls.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, call]) => call);
}

/** The resources of a step's action (see the list at the top of this file). */
function stepResources(service: AwsService, operation: string, arns: ModeshiftArns): string[] {
  switch (service.serviceId) {
    case 'cloudwatchlogs':
      return [operation.startsWith('Describe') ? arns.allLogGroups : arns.logGroups];
    case 'codebuild':
      return [operation.startsWith('List') ? '*' : arns.codeBuildProjects];
    case 'sfn':
      return [/Execution/.test(operation) ? arns.executions : '*'];
    default:
      return ['*'];
  }
}

function callGrants(call: SdkCall, arns: ModeshiftArns): Grant[] {
  const at = `${call.file}: ${call.operation}Command`;
  const service = awsServiceByPackage(call.sdkPackage);
  if (service === undefined) {
    throw new StepIamError(
      `${at} comes from ${call.sdkPackage}, which has no IAM mapping in core/workflow-iam.ts`,
    );
  }
  if (typeof service.sdk[`${call.operation}Command`] !== 'function') {
    throw new StepIamError(`${at}: ${call.sdkPackage} has no such command`);
  }
  const actions = iamActionsOf(service, call.operation);
  if (actions === undefined) {
    throw new StepIamError(`${at}: S3 operation ${call.operation} has no IAM action in core/workflow-iam.ts`);
  }
  const resources = stepResources(service, call.operation, arns);
  const grants: Grant[] = actions.flatMap(({ action, s3Level }) => [
    { action, resources: s3Level === undefined ? resources : s3Resources(s3Level, arns) },
    ...dependentGrants(action, arns),
  ]);
  if (service.tagAction !== undefined && isCreateOperation(call.operation)) {
    grants.push({ action: `${service.iamPrefix}:${service.tagAction}`, resources });
  }
  return grants;
}

/**
 * The policy of a Lambda step's role: the IAM actions of the SDK commands its
 * code uses ({@link stepSdkCalls}), scoped as described at the top of this
 * file, plus `iam:PassRole` on `passRoles` when it passes a role.
 *
 * @param sources file path → text, as {@link stepSources} reads them
 * @param entryFile the step's file, a key of `sources` (`ensure-network.ts`)
 * @throws StepIamError naming the file, for an SDK package or S3 operation
 * without an IAM mapping, a dynamic SDK import, or a missing entry file.
 */
export function stepPolicy(
  sources: ReadonlyMap<string, string>,
  entryFile: string,
  context: StepIamContext,
): PolicyStatement[] {
  const arns = modeshiftArns(context);
  const grants = stepSdkCalls(sources, entryFile).flatMap((call) => callGrants(call, arns));
  const passedTo = [...new Set(grants.flatMap((grant) => ROLE_TAKING_ACTIONS[grant.action] ?? []))].sort();
  const roles = context.passRoles ?? [];
  if (passedTo.length > 0 && roles.length > 0) {
    grants.push({
      action: 'iam:PassRole',
      resources: roles,
      condition: {
        StringEquals: { 'iam:PassedToService': passedTo.length === 1 ? (passedTo[0] as string) : passedTo },
      },
    });
  }
  return statementsOf(grants);
}
