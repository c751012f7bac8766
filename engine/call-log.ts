/**
 * The call log: every AWS call a local run makes, with the principal that
 * would make it on AWS (core/principal.ts), written as JSON lines into the
 * directory `MODESHIFT_CALL_LOG` names, one file per process. The local AWS
 * enforces no IAM; `npm run check:iam` (scripts/check-iam.ts) replays the log
 * and checks every call against its principal's policy.
 *
 * Calls are logged from the SDK's middleware stack ({@link logAwsCalls}), so
 * no list of calls is kept by hand; what AWS does for a principal without an
 * SDK call here (a Task invoking a Lambda function, the rule a `.sync` build
 * needs) is logged by the engine where it happens ({@link logCall}).
 *
 * Unset, nothing is logged and nothing is written.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsClient } from '../core/aws-services.ts';
import { ARN, EC2_ID, type LoggedCall, type TagMap, tagListOf } from '../core/iam/calls/logged-call.ts';
import { currentPrincipal } from '../core/principal.ts';

export type { LoggedCall } from '../core/iam/calls/logged-call.ts';

/** The environment variable naming the directory the log is written to. */
export const CALL_LOG_VARIABLE = 'MODESHIFT_CALL_LOG';

let sequence = 0;

function logDirectory(): string | undefined {
  const directory = process.env[CALL_LOG_VARIABLE];
  return directory === undefined || directory === '' ? undefined : directory;
}

/** Whether calls are being logged. */
export function callLogEnabled(): boolean {
  return logDirectory() !== undefined;
}

/** Binary payloads and streams are left out: they are not what IAM authorises. */
function withoutPayloads(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return '<bytes>';
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function'
  ) {
    return '<stream>';
  }
  return value;
}

/** Appends one call to this process's log file. */
export function logCall(
  call: Omit<LoggedCall, 'at' | 'seq' | 'principal' | 'endpoint'> &
    Partial<Pick<LoggedCall, 'principal' | 'endpoint'>>,
) {
  const directory = logDirectory();
  if (directory === undefined) return;
  const entry: LoggedCall = {
    endpoint: 'engine',
    ...call,
    principal: call.principal ?? currentPrincipal() ?? 'operator',
    at: Date.now(),
    seq: sequence++,
  };
  pending.push(`${JSON.stringify(entry, withoutPayloads)}\n`);
  pendingBytes += pending[pending.length - 1]?.length ?? 0;
  bufferedIn = directory;
  // A create is written at once: a process killed mid-deploy (the crash trials) must leave its creates behind.
  if (entry.id !== undefined || pendingBytes > FLUSH_BYTES) flushCallLog();
  else flushSoon();
}

/** Lines are written in batches: one append per call was a tenth of a local run's time. */
const FLUSH_BYTES = 256 * 1024;
const pending: string[] = [];
let pendingBytes = 0;
let bufferedIn: string | undefined;
let timer: NodeJS.Timeout | undefined;

/** Writes what is buffered. Also done every 200 ms and when the process exits. */
export function flushCallLog(): void {
  if (timer !== undefined) {
    clearTimeout(timer);
    timer = undefined;
  }
  if (pending.length === 0 || bufferedIn === undefined) return;
  mkdirSync(bufferedIn, { recursive: true });
  appendFileSync(join(bufferedIn, `${process.pid}.jsonl`), pending.join(''));
  pending.length = 0;
  pendingBytes = 0;
}

function flushSoon(): void {
  if (timer !== undefined) return;
  timer = setTimeout(flushCallLog, 200);
  timer.unref();
}

process.on('exit', flushCallLog);

const TAG_FIELDS = ['Tags', 'TagList', 'tags'];

/** An ARN or an EC2 id. */
export function isResourceReference(value: unknown): value is string {
  return typeof value === 'string' && (ARN.test(value) || EC2_ID.test(value));
}

/** The resource an object of a response describes: its ARN field, else its id field, else any reference in it. */
function identityOf(object: Record<string, unknown>): string | undefined {
  const fields = Object.entries(object).filter(([, value]) => isResourceReference(value));
  const arn = fields.find(([key, value]) => /arn$/i.test(key) && ARN.test(value as string));
  return (arn ?? fields.find(([key]) => /Id$/.test(key)) ?? fields[0])?.[1] as string | undefined;
}

/** What a response tells about resources: every reference in it, and the tags of those it lists with tags. */
export function responseFacts(output: unknown): { references: string[]; tagged: Array<[string, TagMap]> } {
  const references = new Set<string>();
  const tagged: Array<[string, TagMap]> = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 8) return;
    if (isResourceReference(value)) references.add(value);
    else if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      for (const field of TAG_FIELDS) {
        const tags = tagListOf(object[field]);
        if (tags === undefined) continue;
        tagged.push([identityOf(object) ?? '@input', tags]);
      }
      for (const [key, inner] of Object.entries(object)) {
        if (key !== '$metadata') visit(inner, depth + 1);
      }
    }
  };
  visit(output, 0);
  return { references: [...references], tagged };
}

/** Whether an operation creates a resource (its response names what it created). */
function creates(operation: string): boolean {
  return /^(Create|Register|Request|Allocate|Run|Put|Import)[A-Z]/.test(operation);
}

/**
 * Logs every call `client` sends, as the principal current when it is sent,
 * with what its response says about the resources it touched. Added once per client.
 */
export function logAwsCalls(client: AwsClient, service: string, endpoint: string): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!callLogEnabled()) return next(args);
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const principal: LoggedCall['principal'] = currentPrincipal() ?? 'operator';
      // The operator's calls are not checked, only replayed for what they make and tag (a test's foreign resources).
      if (principal === 'operator' && !creates(operation) && !/Tag/.test(operation)) return next(args);
      const base = { endpoint, service, operation, input: args.input ?? {}, principal };
      // A create is written down before it is sent too: a process killed before its answer is logged
      // leaves the request behind, so the replay knows what tags the resource it made carries.
      const id = creates(operation) ? `${process.pid}-${sequence}` : undefined;
      if (id !== undefined) logCall({ ...base, id, pending: true });
      try {
        const result = await next(args);
        const facts = responseFacts(result.output);
        logCall({
          ...base,
          ...(id !== undefined ? { id } : {}),
          ...(creates(operation) && facts.references.length > 0 ? { created: facts.references } : {}),
          ...(facts.tagged.length > 0 ? { tagged: facts.tagged } : {}),
        });
        return result;
      } catch (error) {
        logCall({ ...base, ...(id !== undefined ? { id } : {}), error: (error as Error).name ?? 'Error' });
        throw error;
      }
    },
    { step: 'initialize', name: 'modeshiftCallLog', override: true },
  );
}
