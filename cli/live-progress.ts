/**
 * Progress of a workflow run on a terminal: a block redrawn in place (with
 * log-update) that shows each running step with a spinner and its elapsed
 * time, the last steps that finished with their durations (earlier ones
 * counted), retries and failures, and a line for the whole run: its elapsed
 * time and its state transitions. When the run ends the block's last frame
 * stays, and the run's report follows it.
 *
 * Off a terminal, or with `--json`, the same progress is the plain lines of
 * cli/progress.ts, unchanged; with `--quiet` there is none. The block is drawn
 * from a snapshot of the run by a pure function (`renderProgress`) given the
 * time, so what it shows is tested without a terminal or a clock.
 */
import cliSpinners from 'cli-spinners';
import { createLogUpdate } from 'log-update';
import type { WorkflowName } from '../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../engine/run-workflow.ts';
import type { Io } from './io.ts';
import { progressPrinter, stepLabeller } from './progress.ts';

/** One step of the run (a Task, Map or Parallel; a Map's iteration apart), as the view shows it. */
export interface StepProgress {
  /** `EnsureNetwork`, or `DeployService[1]` inside a Map. */
  readonly label: string;
  /** When the step was first entered, in ms since the epoch. */
  readonly startedAt: number;
  /** When it last exited or failed; undefined while it runs. */
  endedAt: number | undefined;
  /**
   * It failed and no Retry or Catch took the failure up (yet). While the run
   * goes on it is still shown running: a Retry may take the failure up after
   * its interval.
   */
  failed: boolean;
  /** The error it failed with, when it failed. */
  error: string | undefined;
  /** Times it was retried. */
  retries: number;
  /** The error its latest retry retried. */
  retriedAfter: string | undefined;
  /** Times it was entered: more than one in a poll loop. */
  runs: number;
}

/** What the view knows of a run: fed by `recordEvent`, drawn by `renderProgress`. */
export interface WorkflowProgress {
  readonly workflow: string;
  /** When the view started, in ms since the epoch. */
  readonly startedAt: number;
  /** States entered and retries, as Step Functions bills them (engine/workflow-events.ts). */
  transitions: number;
  /** The steps by label, in the order they were first entered. */
  readonly steps: Map<string, StepProgress>;
  /** When the view stopped; undefined while the run goes on. */
  finishedAt: number | undefined;
}

export function startProgress(workflow: string, at: number): WorkflowProgress {
  return { workflow, startedAt: at, transitions: 0, steps: new Map(), finishedAt: undefined };
}

/**
 * Adds one event of the run to `progress`. `label` is the step the event
 * concerns, or undefined when it is about no step the view shows (a Choice,
 * a Wait, the execution): such events only count as transitions.
 */
export function recordEvent(
  progress: WorkflowProgress,
  event: WorkflowEvent,
  label: string | undefined,
): void {
  if (event.type === 'StateEntered' || event.type === 'StateRetried') progress.transitions += 1;
  if (label === undefined) return;
  const step = progress.steps.get(label);
  if (event.type === 'StateEntered') {
    if (step) {
      step.runs += 1;
      step.endedAt = undefined;
      step.failed = false;
    } else {
      progress.steps.set(label, {
        label,
        startedAt: event.timestamp,
        endedAt: undefined,
        failed: false,
        error: undefined,
        retries: 0,
        retriedAfter: undefined,
        runs: 1,
      });
    }
    return;
  }
  if (!step) return;
  if (event.type === 'StateExited') {
    step.endedAt = event.timestamp;
    step.failed = false;
  } else if (event.type === 'StateFailed') {
    step.endedAt = event.timestamp;
    step.failed = true;
    step.error = event.error;
  } else if (event.type === 'StateRetried') {
    step.endedAt = undefined;
    step.failed = false;
    step.retries += 1;
    step.retriedAfter = event.error;
  } else if (event.type === 'StateCaught') {
    // Caught on purpose: the step goes on to exit, to the Catch's next state.
    step.endedAt = undefined;
    step.failed = false;
  }
}

export interface RenderOptions {
  /** The time to draw at, in ms since the epoch: elapsed times and the spinner's frame follow it. */
  readonly now: number;
  /** Width to fit each line in; longer lines are cut with `…`. @default no limit */
  readonly columns?: number | undefined;
  /** Colour the marks and durations with ANSI codes. @default false */
  readonly color?: boolean;
  /** Finished steps shown, the latest; the earlier ones are counted on one line. @default 5 */
  readonly finishedShown?: number;
  /** Running steps shown, the earliest started; the others are counted on one line. @default 6 */
  readonly runningShown?: number;
}

const SPINNER = cliSpinners.dots;

type Style = 'plain' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan' | 'bold';

const SGR: Readonly<Record<Style, string>> = {
  plain: '',
  dim: '\u001B[2m',
  green: '\u001B[32m',
  red: '\u001B[31m',
  yellow: '\u001B[33m',
  cyan: '\u001B[36m',
  bold: '\u001B[1m',
};

type Segment = readonly [text: string, style: Style];

/** The segments as one line of at most `columns` characters (cut with `…`), coloured or not. */
function fitLine(segments: readonly Segment[], columns: number | undefined, color: boolean): string {
  let room = columns === undefined ? Number.POSITIVE_INFINITY : Math.max(columns - 1, 1);
  let line = '';
  for (const [whole, style] of segments) {
    if (room <= 0) break;
    const text = whole.length > room ? `${whole.slice(0, Math.max(room - 1, 0))}…` : whole;
    room -= text.length;
    line += color && style !== 'plain' ? `${SGR[style]}${text}\u001B[0m` : text;
  }
  return line;
}

/** `12.3s` under a minute, `4m05s` from a minute on. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(ms, 0) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

function spinnerFrame(now: number): string {
  return SPINNER.frames[Math.floor(now / SPINNER.interval) % SPINNER.frames.length] ?? '';
}

function retryNote(step: StepProgress): Segment[] {
  if (step.retries === 0) return [];
  const times = step.retries === 1 ? '' : ` ${step.retries}×`;
  return [[`  ↻ retried${times} after ${step.retriedAfter ?? 'an error'}`, 'yellow']];
}

function finishedLine(step: StepProgress): Segment[] {
  const duration = formatElapsed((step.endedAt ?? step.startedAt) - step.startedAt);
  return [
    ['  ', 'plain'],
    step.failed ? ['✗', 'red'] : ['✓', 'green'],
    [` ${step.label} `, 'plain'],
    [duration, 'dim'],
    ...(step.runs > 1 ? [[` (${step.runs} runs)`, 'dim'] as const] : []),
    ...(step.failed ? [[`  ${step.error ?? 'failed'}`, 'red'] as const] : []),
    ...retryNote(step),
  ];
}

function runningLine(step: StepProgress, now: number, stopped: boolean): Segment[] {
  return [
    ['  ', 'plain'],
    stopped ? ['·', 'dim'] : [spinnerFrame(now), 'cyan'],
    [` ${step.label} `, 'plain'],
    [formatElapsed(now - step.startedAt), 'dim'],
    ...(stopped ? [['  (not finished)', 'dim'] as const] : []),
    ...retryNote(step),
  ];
}

function overallLine(progress: WorkflowProgress, now: number, finished: number, running: number): Segment[] {
  const stopped = progress.finishedAt !== undefined;
  const failed = stopped ? [...progress.steps.values()].filter((step) => step.failed).length : 0;
  const counts = [
    `${finished - failed} step${finished - failed === 1 ? '' : 's'} done`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(running > 0 ? [`${running} ${stopped ? 'not finished' : 'running'}`] : []),
    `${progress.transitions} state transition${progress.transitions === 1 ? '' : 's'}`,
  ];
  return [
    ['  ', 'plain'],
    stopped ? ['■', failed > 0 ? 'red' : 'plain'] : [spinnerFrame(now), 'cyan'],
    [` ${progress.workflow} `, 'bold'],
    [formatElapsed((progress.finishedAt ?? now) - progress.startedAt), 'plain'],
    [` · ${counts.join(' · ')}`, 'dim'],
  ];
}

/**
 * The block for `progress` at `options.now`, one line per shown step and a
 * last line for the run, each ending in a newline. Pure: the same progress
 * and options give the same text.
 */
export function renderProgress(progress: WorkflowProgress, options: RenderOptions): string {
  const { now, columns, color = false, finishedShown = 5, runningShown = 6 } = options;
  const stopped = progress.finishedAt !== undefined;
  const ended = (step: StepProgress) => step.endedAt !== undefined && (stopped || !step.failed);
  const steps = [...progress.steps.values()];
  const finished = steps.filter(ended).sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  const running = steps.filter((step) => !ended(step)).sort((a, b) => a.startedAt - b.startedAt);
  const at = progress.finishedAt ?? now;

  const lines: Segment[][] = [];
  const earlier = Math.max(finished.length - finishedShown, 0);
  if (earlier > 0) lines.push([[`  … ${earlier} earlier step${earlier === 1 ? '' : 's'} finished`, 'dim']]);
  for (const step of finished.slice(earlier)) lines.push(finishedLine(step));
  for (const step of running.slice(0, runningShown)) lines.push(runningLine(step, at, stopped));
  const more = running.length - runningShown;
  if (more > 0) lines.push([[`  … ${more} more ${stopped ? 'not finished' : 'running'}`, 'dim']]);
  lines.push(overallLine(progress, at, finished.length, running.length));
  return lines.map((segments) => `${fitLine(segments, columns, color)}\n`).join('');
}

/** How a command shows a run's progress. */
export interface ProgressChoice {
  /** `--quiet`: no progress at all. @default false */
  readonly quiet?: boolean | undefined;
  /** `--json`: never the live view; the plain lines, unless `lines` is false. @default false */
  readonly json?: boolean | undefined;
  /** Off a terminal, print the plain lines; false: print nothing there. @default true */
  readonly lines?: boolean;
  /** Leave the live view's last frame on the terminal; false: clear it, for a command that prints its own line for the run. @default true */
  readonly keep?: boolean;
}

/** A run's progress as a command shows it: what to pass the run, and how to end it. */
export interface Progress {
  /** The run's options for it: an `onEvent`, or none when nothing is shown. */
  readonly runOptions: { readonly onEvent?: (event: WorkflowEvent) => void };
  /** Ends the view: its timer stops and its last frame stays on the terminal (unless cleared). Safe to call twice. */
  stop(): void;
}

export interface LiveViewOptions {
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
  /** How often the block is redrawn, in ms. @default 100 */
  readonly tickMs?: number;
  /** Leave the last frame on the terminal when stopped; false: clear it. @default true */
  readonly keep?: boolean;
}

/** Colour unless NO_COLOR is set to anything (https://no-color.org). */
export function colorWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/** The live view of a run of `workflow`, drawn on standard error, which must be a terminal. */
export function liveProgress(workflow: WorkflowName, io: Io, options: LiveViewOptions = {}): Progress {
  const clock = options.clock ?? Date.now;
  const labelStep = stepLabeller(workflow);
  const progress = startProgress(workflow, clock());
  const color = colorWanted(io.env);
  // log-update reads only these of a stream: writes go through io.stderr, like every other line.
  const terminal = {
    isTTY: true,
    get columns() {
      return io.stderrColumns?.();
    },
    write(text: string) {
      io.stderr(text);
      return true;
    },
  };
  const draw = createLogUpdate(terminal as unknown as NodeJS.WritableStream);
  const redraw = () =>
    draw(renderProgress(progress, { now: clock(), columns: io.stderrColumns?.(), color }).trimEnd());
  redraw();
  const timer = setInterval(redraw, options.tickMs ?? 100);
  timer.unref();
  return {
    runOptions: {
      onEvent: function recordLive(event) {
        recordEvent(progress, event, labelStep(event));
      },
    },
    stop() {
      if (progress.finishedAt !== undefined) return;
      clearInterval(timer);
      progress.finishedAt = clock();
      if (options.keep === false) draw.clear();
      else redraw();
      draw.done();
    },
  };
}

/**
 * The progress `io` calls for: the live view when standard error is a
 * terminal (not a dumb one) and neither `--quiet` nor `--json` is given; the
 * plain lines of cli/progress.ts elsewhere (as they have always been); none
 * with `--quiet`.
 */
export function progressFor(workflow: WorkflowName, io: Io, choice: ProgressChoice = {}): Progress {
  const none: Progress = { runOptions: {}, stop() {} };
  if (choice.quiet) return none;
  if (io.stderrIsTTY === true && io.env.TERM !== 'dumb' && !choice.json)
    return liveProgress(workflow, io, choice.keep === false ? { keep: false } : {});
  if (choice.lines === false) return none;
  return { runOptions: { onEvent: progressPrinter(workflow, io.stderr) }, stop() {} };
}

/** Runs `run` with the progress's options, and ends the progress however the run ends. */
export async function withProgress<T>(
  progress: Progress,
  run: (runOptions: Progress['runOptions']) => Promise<T>,
): Promise<T> {
  try {
    return await run(progress.runOptions);
  } finally {
    progress.stop();
  }
}
