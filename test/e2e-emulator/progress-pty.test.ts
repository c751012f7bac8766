// End-to-end on the local AWS: `modeshift deploy`'s progress on a terminal (a pseudo-terminal made by
// test/support/pty-run.py, its bytes replayed into a headless xterm) and off one (a pipe).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { SHOP_EXAMPLE } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

const ROOT = resolve(import.meta.dirname, '../..');
const PTY_RUN = resolve(ROOT, 'test/support/pty-run.py');
const COLUMNS = 100;
const ROWS = 40;
/** Seconds the command may take before pty-run.py kills it. */
const TIMEOUT_SECONDS = 25;
const ESC = '\u001B';

interface Finished {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

function finished(command: string, args: readonly string[]): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }));
  });
}

/** `modeshift deploy` of the shop example as `environment`, on this file's local AWS. */
const deployArgs = (environment: string) => [
  'bin/modeshift.js',
  'deploy',
  '-f',
  SHOP_EXAMPLE,
  '--env',
  environment,
  '--mode',
  'development',
  '--endpoint',
  aws.endpoint(),
];

/** The lines a terminal of this size shows (scrollback included) once it has been given `bytes`. */
async function screenOf(bytes: Buffer): Promise<string[]> {
  const terminal = new Terminal({ cols: COLUMNS, rows: ROWS, scrollback: 1000, allowProposedApi: true });
  await new Promise<void>((written) => terminal.write(bytes, written));
  const buffer = terminal.buffer.active;
  const lines = Array.from(
    { length: buffer.length },
    (_, row) => buffer.getLine(row)?.translateToString(true) ?? '',
  );
  terminal.dispose();
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

describe('deploy progress — on a terminal and off one', () => {
  it('redraws a live view on a terminal and leaves its finished steps and the run’s line', async () => {
    const run = await finished('python3', [
      PTY_RUN,
      '--cols',
      String(COLUMNS),
      '--rows',
      String(ROWS),
      '--timeout',
      String(TIMEOUT_SECONDS),
      '--',
      process.execPath,
      ...deployArgs('pty'),
    ]);
    const raw = run.stdout.toString('utf8');

    const screen = await screenOf(run.stdout);

    expect(run.code, `${run.stderr}\n${screen.join('\n')}`).toBe(0);
    expect(raw, 'moves the cursor up to redraw the block').toMatch(new RegExp(`${ESC}\\[\\d*A`));
    expect(raw, 'no plain progress lines').not.toContain('▶');
    const overall = screen.findIndex((line) =>
      /^ {2}■ deploy \d+\.\ds · \d+ steps done · \d+ state transitions$/.test(line),
    );
    expect(overall, screen.join('\n')).toBeGreaterThan(0);
    const block = screen.slice(0, overall);
    expect(block.filter((line) => /^ {2}✓ \w+(\[\d+\])? \d+\.\ds/.test(line)).length).toBeGreaterThanOrEqual(
      3,
    );
    expect(block.some((line) => /^ {2}… \d+ earlier steps finished$/.test(line))).toBe(true);
    expect(screen.join('\n'), 'no step left running').not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(screen[overall + 1]).toMatch(/^✓ deploy succeeded: shop\/pty is deployed in development mode/);
  }, 60_000);

  it('prints the plain lines when standard error is not a terminal', async () => {
    const run = await finished(process.execPath, deployArgs('piped'));
    const stderr = run.stderr.toString('utf8');

    expect(run.code, stderr).toBe(0);
    expect(stderr).toContain('  ▶ EnsureNetwork\n');
    expect(stderr).toMatch(/^ {2}✓ EnsureNetwork \d+\.\ds$/m);
    expect(stderr).not.toContain(`${ESC}[`);
  }, 60_000);
});
