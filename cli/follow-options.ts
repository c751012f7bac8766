/**
 * How the CLI follows a deployed app's execution: its polling interval
 * (MODESHIFT_POLL_MS) and its progress — the live view on a terminal, as for
 * a local run (cli/live-progress.ts), and elsewhere the step lines it has
 * always printed; none with `--quiet`.
 */
import type { WorkflowName } from '../core/workflow-definitions.ts';
import type { FollowOptions } from './follow-execution.ts';
import type { Io } from './io.ts';
import { type ProgressChoice, progressFor } from './live-progress.ts';

/** A followed execution's progress: what to follow it with, and how to end the view (with `withProgress`). */
export interface FollowProgress {
  readonly runOptions: FollowOptions;
  /** Ends the live view, if there is one. Safe to call twice. */
  stop(): void;
}

export function followOptions(workflow: WorkflowName, io: Io, choice: ProgressChoice = {}): FollowProgress {
  const pollMs = Number(io.env.MODESHIFT_POLL_MS ?? 5000);
  // Only the live view: off a terminal (or with --json) the lines below, not a local run's.
  const live = progressFor(workflow, io, { ...choice, lines: false });
  const { onEvent } = live.runOptions;
  const shown = onEvent
    ? { onEvent }
    : choice.quiet
      ? {}
      : { onStep: (line: string) => io.stderr(`${line}\n`) };
  return {
    runOptions: { pollMs: Number.isFinite(pollMs) && pollMs >= 0 ? pollMs : 5000, ...shown },
    stop: () => live.stop(),
  };
}
