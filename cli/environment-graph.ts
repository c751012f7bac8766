/**
 * The page for `modeshift graph --env`: the paths the environment's runs
 * actually took. Its history (the environments table) names the executions;
 * each workflow shows its latest one, and the page says which of them is the
 * environment's last. Where the trace comes from is given by the caller: the
 * artifact bucket for local runs, the execution history for the deployed app.
 */
import type { ExecutionTrace } from '../core/execution-trace.ts';
import { highlightOfTrace, type WorkflowHighlight } from '../core/graph-highlight.ts';
import { buildWorkflowGraph, stateIndex } from '../core/graph-model.ts';
import { MODE_POLICIES, type Policy, parseMode } from '../core/policy.ts';
import { type WorkflowName, workflowDefinition } from '../core/workflow-definitions.ts';
import type { EnvironmentRecord, HistoryEntry } from '../local/records.ts';
import { stepSettings } from '../state-machines/workflows.ts';
import { CommandFailedError } from './command-failed.ts';
import type { GraphPage, PageWorkflow } from './graph-page.ts';

export interface EnvironmentGraphInput {
  readonly project: string;
  readonly environment: string;
  /** Where the record and history were read, for messages. */
  readonly where: string;
  readonly record: EnvironmentRecord | undefined;
  /** Oldest first, as readHistory returns it. */
  readonly history: readonly HistoryEntry[];
  /** The trace of a history entry's execution; undefined when none is kept. */
  readonly traceOf: (entry: HistoryEntry) => Promise<ExecutionTrace | undefined>;
  readonly warn: (line: string) => void;
}

const EMPTY: WorkflowHighlight = { path: [], failed: [], errors: {}, decisions: {}, caught: [] };

/** The settings shown: the record's policy when it is the entry's mode's, else the mode's defaults. */
function policyFor(entry: HistoryEntry | undefined, record: EnvironmentRecord | undefined): Partial<Policy> {
  const mode = parseMode(entry?.mode ?? '') ?? parseMode(record?.mode ?? '');
  if (record?.policy && (entry === undefined || record.mode === mode))
    return record.policy as Partial<Policy>;
  return mode ? MODE_POLICIES[mode] : {};
}

function executionName(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

export async function environmentGraphPage(input: EnvironmentGraphInput): Promise<GraphPage> {
  const { project, environment, history, record } = input;
  const last = history.at(-1);
  if (!last) {
    throw new CommandFailedError(
      record
        ? `no execution is recorded for ${project}/${environment} at ${input.where}`
        : `no environment ${project}/${environment} is recorded at ${input.where}`,
    );
  }
  const workflows: PageWorkflow[] = [];
  for (const workflow of ['deploy', 'down'] as const satisfies readonly WorkflowName[]) {
    const definition = workflowDefinition(workflow);
    const index = stateIndex(definition);
    const entry = history.filter((item) => item.action === workflow).at(-1);
    const trace = entry ? await input.traceOf(entry) : undefined;
    if (entry && !trace)
      input.warn(
        `no transitions are kept for ${executionName(entry.executionArn)}; only its failed step (if any) is marked`,
      );
    const failedState = entry?.failedState
      ? { state: entry.failedState, ...(entry.error ? { error: entry.error } : {}) }
      : undefined;
    const highlight = trace
      ? highlightOfTrace(trace, index, failedState)
      : failedState && index.types.has(failedState.state)
        ? {
            ...EMPTY,
            failed: [failedState.state],
            errors: failedState.error ? { [failedState.state]: failedState.error } : {},
          }
        : EMPTY;
    const mode = entry?.mode ?? record?.mode ?? 'unknown';
    const graph = buildWorkflowGraph(workflow, definition, highlight, {
      mode,
      policy: policyFor(entry, record),
      stepSettings,
    });
    const title = workflow === 'deploy' ? 'Deploy' : 'Down';
    const isLast = entry === last;
    workflows.push({
      graph,
      heading: `${title} workflow (state-machines/${workflow}.asl.json)${isLast ? ' — the last execution' : ''}`,
      note: entry
        ? `Execution ${executionName(entry.executionArn)}: ${entry.status} in ${entry.mode} mode, started ${entry.startedAt}; ${highlight.path.length} of ${index.types.size} states entered${highlight.failed.length > 0 ? `; failed at ${highlight.failed.join(', ')}${entry.error ? ` (${entry.error})` : ''}` : ''}.`
        : `No ${workflow} of ${project}/${environment} is recorded.`,
      ...(entry
        ? {
            execution: {
              arn: entry.executionArn,
              deploymentId: entry.deploymentId,
              status: entry.status,
              startedAt: entry.startedAt,
            },
          }
        : {}),
    });
  }
  const failedAt = last.failedState ? ` at ${last.failedState}${last.error ? ` (${last.error})` : ''}` : '';
  return {
    title: `modeshift · ${project}/${environment} · ${last.mode} mode · last execution ${last.status}`,
    subtitle: `The last execution: ${last.action} ${last.deploymentId} in ${last.mode} mode, ${last.status}${failedAt}. Each workflow shows the path its latest run took, read from ${input.where}.`,
    project,
    environment,
    mode: last.mode,
    source: 'execution',
    workflows,
  };
}
