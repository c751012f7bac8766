import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Io } from '../../cli/io.ts';
import {
  formatElapsed,
  liveProgress,
  progressFor,
  recordEvent,
  renderProgress,
  startProgress,
  type WorkflowProgress,
} from '../../cli/live-progress.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';

/** The view's clock starts here; events and draws are given as offsets from it, in ms. */
const T0 = 1_800_000_000_000;

const ESC = '\u001B';

type Step = [type: string, label: string | undefined, at: number, error?: string];

/** A run's progress after `events`, each about the step of that label (undefined: no step shown). */
function progressAfter(...events: Step[]): WorkflowProgress {
  const progress = startProgress('deploy', T0);
  for (const [type, label, at, error] of events) {
    const event: WorkflowEvent = {
      type,
      timestamp: T0 + at,
      ...(label !== undefined ? { state: label } : {}),
      ...(error !== undefined ? { error } : {}),
    };
    recordEvent(progress, event, label);
  }
  return progress;
}

const draw = (progress: WorkflowProgress, at: number, extra: { columns?: number; color?: boolean } = {}) =>
  renderProgress(progress, { now: T0 + at, ...extra });

/** `n` steps entered one after the other, each taking a second. */
function finishedSteps(n: number): Step[] {
  return Array.from({ length: n }, (_, i): Step[] => [
    ['StateEntered', `Step${i + 1}`, i * 1000],
    ['StateExited', `Step${i + 1}`, i * 1000 + 1000],
  ]).flat();
}

describe('live progress — the block drawn from a run', () => {
  it('shows a running step with a spinner and the time since it started', () => {
    const progress = progressAfter(['StateEntered', 'EnsureNetwork', 0]);

    const block = draw(progress, 2340);

    expect(block).toMatch(/^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] EnsureNetwork 2\.3s$/m);
  });

  it('turns the spinner as the clock moves and not otherwise', () => {
    const progress = progressAfter(['StateEntered', 'EnsureNetwork', 0]);

    const frameAt = (at: number) => draw(progress, at).split('\n')[0]?.slice(2, 3);

    expect(frameAt(0)).toBe(frameAt(0));
    expect(frameAt(0)).not.toBe(frameAt(80));
  });

  it('shows a finished step with a tick and how long it took', () => {
    const progress = progressAfter(
      ['StateEntered', 'EnsureNetwork', 0],
      ['StateExited', 'EnsureNetwork', 1250],
    );

    expect(draw(progress, 5000)).toContain('  ✓ EnsureNetwork 1.3s\n');
  });

  it('ends with a line for the run: its elapsed time, steps done and running, and state transitions', () => {
    const progress = progressAfter(
      ['StateEntered', 'EnsureNetwork', 0],
      ['StateExited', 'EnsureNetwork', 1000],
      ['StateEntered', undefined, 1000],
      ['StateEntered', 'EnsureCluster', 1000],
    );

    const last = draw(progress, 12_300).trimEnd().split('\n').at(-1);

    expect(last).toMatch(/^ {2}. deploy 12\.3s · 1 step done · 1 running · 3 state transitions$/);
  });

  it('keeps the finished steps it lists to the latest, and counts the earlier ones', () => {
    const progress = progressAfter(...finishedSteps(8));

    const block = draw(progress, 9000, {});

    expect(block).toContain('  … 3 earlier steps finished\n');
    expect(block).not.toContain('Step3 ');
    expect(block.match(/✓ Step\d/g)).toEqual(['✓ Step4', '✓ Step5', '✓ Step6', '✓ Step7', '✓ Step8']);
  });

  it('lists the running steps that started first, and counts the others', () => {
    const progress = progressAfter(
      ...Array.from({ length: 9 }, (_, i): Step => ['StateEntered', `Deploy[${i}]`, i]),
    );

    const block = draw(progress, 1000);

    expect(block.match(/Deploy\[\d\]/g)).toEqual([
      'Deploy[0]',
      'Deploy[1]',
      'Deploy[2]',
      'Deploy[3]',
      'Deploy[4]',
      'Deploy[5]',
    ]);
    expect(block).toContain('  … 3 more running\n');
  });

  it('marks a retried step with its retries and the error they retried', () => {
    const progress = progressAfter(
      ['StateEntered', 'EnsureCertificate', 0],
      ['StateFailed', 'EnsureCertificate', 100, 'Modeshift.NotReady'],
      ['StateRetried', 'EnsureCertificate', 200, 'Modeshift.NotReady'],
      ['StateFailed', 'EnsureCertificate', 300, 'Modeshift.NotReady'],
      ['StateRetried', 'EnsureCertificate', 400, 'Modeshift.NotReady'],
      ['StateExited', 'EnsureCertificate', 500],
    );

    expect(draw(progress, 1000)).toContain(
      '  ✓ EnsureCertificate 0.5s  ↻ retried 2× after Modeshift.NotReady\n',
    );
    expect(progress.transitions).toBe(3);
  });

  it('keeps a failed step running while a retry may still take the failure up', () => {
    const progress = progressAfter(
      ['StateEntered', 'ReplaceTasks', 0],
      ['StateFailed', 'ReplaceTasks', 100, 'Modeshift.NotReady'],
    );

    const block = draw(progress, 700);

    expect(block).toMatch(/^ {2}[^✓✗] ReplaceTasks 0\.7s$/m);
    expect(block).not.toContain('failed');
  });

  it('shows a step that failed for good with a cross and its error once the run stops', () => {
    const progress = progressAfter(
      ['StateEntered', 'CheckModeChange', 0],
      ['StateFailed', 'CheckModeChange', 400, 'Modeshift.ModeChangeRefused'],
    );
    progress.finishedAt = T0 + 500;

    const block = draw(progress, 9999);

    expect(block).toContain('  ✗ CheckModeChange 0.4s  Modeshift.ModeChangeRefused\n');
    expect(block.trimEnd().split('\n').at(-1)).toBe(
      '  ■ deploy 0.5s · 0 steps done · 1 failed · 1 state transition',
    );
  });

  it('does not count a failure a Catch took up', () => {
    const progress = progressAfter(
      ['StateEntered', 'CreateRepository', 0],
      ['StateFailed', 'CreateRepository', 100, 'ECR.RepositoryAlreadyExistsException'],
      ['StateCaught', 'CreateRepository', 100],
      ['StateExited', 'CreateRepository', 300],
    );
    progress.finishedAt = T0 + 400;

    const block = draw(progress, 400);

    expect(block).toContain('  ✓ CreateRepository 0.3s\n');
    expect(block).not.toContain('failed');
  });

  it('shows a step entered again (a poll loop) once, with its runs, from its first start', () => {
    const progress = progressAfter(
      ['StateEntered', 'WaitForServices', 0],
      ['StateExited', 'WaitForServices', 100],
      ['StateEntered', 'WaitForServices', 1100],
      ['StateExited', 'WaitForServices', 1200],
    );

    expect(draw(progress, 2000)).toContain('  ✓ WaitForServices 1.2s (2 runs)\n');
  });

  it('freezes at the time the run stopped, and marks what had not finished', () => {
    const progress = progressAfter(['StateEntered', 'BuildImages', 0]);
    progress.finishedAt = T0 + 3000;

    const block = draw(progress, 60_000);

    expect(block).toBe(
      '  · BuildImages 3.0s  (not finished)\n  ■ deploy 3.0s · 0 steps done · 1 not finished · 1 state transition\n',
    );
  });

  it('cuts a line to the terminal’s width', () => {
    const progress = progressAfter(['StateEntered', 'AVeryLongStepNameIndeed', 0]);

    const lines = draw(progress, 1000, { columns: 20 }).trimEnd().split('\n');

    expect(lines[0]).toMatch(/^ {2}. AVeryLongStepN…$/);
    expect(lines.every((line) => line.length <= 19)).toBe(true);
  });

  it('colours only when asked to', () => {
    const progress = progressAfter(
      ['StateEntered', 'EnsureNetwork', 0],
      ['StateExited', 'EnsureNetwork', 1000],
    );

    expect(draw(progress, 1000)).not.toContain('\u001B[');
    expect(draw(progress, 1000, { color: true })).toContain('\u001B[32m✓\u001B[0m');
  });

  it('writes seconds under a minute, minutes and seconds from a minute on', () => {
    expect([formatElapsed(0), formatElapsed(59_940), formatElapsed(65_000), formatElapsed(600_000)]).toEqual([
      '0.0s',
      '59.9s',
      '1m05s',
      '10m00s',
    ]);
  });
});

/** An Io whose standard error is captured, a terminal or not. */
function captureIo(terminal: boolean, env: Record<string, string> = {}) {
  const written: string[] = [];
  const io: Io = {
    stdout: () => {},
    stderr: (text) => {
      written.push(text);
    },
    env,
    cwd: '/',
    now: () => new Date(T0),
    stderrIsTTY: terminal,
    stderrColumns: () => 100,
  };
  return { io, text: () => written.join('') };
}

const entered: WorkflowEvent = { type: 'StateEntered', state: 'EnsureNetwork', timestamp: T0 };
const exited: WorkflowEvent = { type: 'StateExited', state: 'EnsureNetwork', timestamp: T0 + 1000 };

describe('live progress — which progress a command shows', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints the plain lines off a terminal, as it always has', () => {
    const { io, text } = captureIo(false);

    const progress = progressFor('deploy', io, {});
    progress.runOptions.onEvent?.(entered);
    progress.runOptions.onEvent?.(exited);
    progress.stop();

    expect(text()).toBe('  ▶ EnsureNetwork\n  ✓ EnsureNetwork 1.0s\n');
  });

  it('prints the plain lines on a terminal with --json', () => {
    const { io, text } = captureIo(true);

    const progress = progressFor('deploy', io, { json: true });
    progress.runOptions.onEvent?.(entered);

    expect(text()).toBe('  ▶ EnsureNetwork\n');
  });

  it('prints nothing with --quiet, on a terminal or not', () => {
    expect(progressFor('deploy', captureIo(true).io, { quiet: true }).runOptions).toEqual({});
    expect(progressFor('deploy', captureIo(false).io, { quiet: true }).runOptions).toEqual({});
  });

  it('prints nothing off a terminal when the command shows no lines there', () => {
    expect(progressFor('deploy', captureIo(false).io, { lines: false }).runOptions).toEqual({});
  });

  it('prints the plain lines on a dumb terminal', () => {
    const { io, text } = captureIo(true, { TERM: 'dumb' });

    progressFor('deploy', io).runOptions.onEvent?.(entered);

    expect(text()).toBe('  ▶ EnsureNetwork\n');
  });

  it('redraws the block on a terminal as time passes, and stops its timer when stopped', () => {
    vi.useFakeTimers({ now: T0 });
    const { io, text } = captureIo(true);
    const progress = liveProgress('deploy', io, { tickMs: 100 });

    progress.runOptions.onEvent?.(entered);
    vi.advanceTimersByTime(1200);
    const running = text();
    progress.stop();

    expect(running).toContain('EnsureNetwork \u001B[2m1.2s');
    expect(running, 'moves the cursor up to redraw').toContain('\u001B[1A');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves its last frame on the terminal, without colour under NO_COLOR', () => {
    vi.useFakeTimers({ now: T0 });
    const { io, text } = captureIo(true, { NO_COLOR: '1' });
    const progress = liveProgress('deploy', io, { tickMs: 100 });
    progress.runOptions.onEvent?.(entered);
    progress.runOptions.onEvent?.(exited);
    vi.advanceTimersByTime(1500);

    progress.stop();
    progress.stop();

    const frames = text().split('\u001B[?2026h');
    expect(text()).toContain('  ✓ EnsureNetwork 1.0s');
    expect(frames.at(-1)).toContain('  ■ deploy 1.5s · 1 step done · 1 state transition');
    expect(text()).not.toMatch(new RegExp(`${ESC}\\[\\d+m`));
  });

  it('clears its block when stopped, for a command that prints its own line for the run', () => {
    vi.useFakeTimers({ now: T0 });
    const { io, text } = captureIo(true);
    const progress = liveProgress('deploy', io, { tickMs: 100, keep: false });
    progress.runOptions.onEvent?.(entered);
    vi.advanceTimersByTime(300);

    progress.stop();

    const last = text().split('\u001B[?2026h').at(-1) ?? '';
    expect(last).toContain('\u001B[2K\u001B[1A\u001B[2K');
    expect(last).not.toContain('deploy');
  });
});
