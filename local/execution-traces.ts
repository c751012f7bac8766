/**
 * Traces of local executions, kept in the target's artifact bucket under
 * `executions/<stateMachine>/<executionName>.json` so `modeshift graph --env`
 * can draw the path a past run took. On AWS, Step Functions keeps the
 * execution history itself; locally the engine's events end with the run,
 * so each run writes its own. A run of the same execution name again (the
 * same request re-run) replaces it, as the environment's history then names
 * that run last.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type ExecutionTrace,
  executionTraceKey,
  TRACE_EVENT_TYPES,
  type TraceEvent,
  type TraceEventType,
} from '../core/execution-trace.ts';
import type { WorkflowName } from '../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../engine/run-workflow.ts';
import { hasAwsErrorName } from '../functions/aws/errors.ts';

const KEPT = new Set<string>(TRACE_EVENT_TYPES);

/** The engine's events of one run, reduced to a trace. */
export function traceOfRun(
  workflow: WorkflowName,
  executionArn: string,
  status: string,
  events: readonly WorkflowEvent[],
): ExecutionTrace {
  const kept: TraceEvent[] = [];
  for (const event of events) {
    if (event.state === undefined || !KEPT.has(event.type)) continue;
    kept.push({
      state: event.state,
      type: event.type as TraceEventType,
      ...(event.type === 'StateFailed' && event.error ? { error: event.error } : {}),
    });
  }
  return { executionArn, workflow, status, events: kept };
}

export async function saveExecutionTrace(s3: S3Client, bucket: string, trace: ExecutionTrace): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: executionTraceKey(trace.executionArn),
      Body: JSON.stringify(trace),
      ContentType: 'application/json',
    }),
  );
}

/** The stored trace of an execution, or undefined when none was stored (a run from before traces were kept). */
export async function readExecutionTrace(
  s3: S3Client,
  bucket: string,
  executionArn: string,
): Promise<ExecutionTrace | undefined> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: executionTraceKey(executionArn) }),
    );
    const text = await object.Body?.transformToString();
    return text === undefined ? undefined : (JSON.parse(text) as ExecutionTrace);
  } catch (error) {
    if (hasAwsErrorName(error, 'NoSuchKey')) return undefined;
    throw error;
  }
}
