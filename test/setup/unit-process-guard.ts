/**
 * The unit project starts no Python (the local AWS is moto, a Python program
 * installed into .venv) and no browser. In its workers every node:child_process
 * call that would run python, moto_server, a program from .venv or Chromium
 * throws, naming where such a test belongs. The patch is on node:child_process
 * itself, so the code under test and libraries (playwright-core) are caught
 * alike; Node and everything else still start.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { promisify } from 'node:util';

/** A program the unit project must not start. */
const FORBIDDEN_PROGRAM = /^(python[\d.]*|moto_server|chromium.*|chrome|headless_shell)$/i;
const GUARDED = Symbol.for('modeshift.unitProcessGuard');

class UnitBoundaryError extends Error {
  override name = 'UnitBoundaryError';
}

function forbidden(word: string): boolean {
  return FORBIDDEN_PROGRAM.test(basename(word)) || /(^|\/)\.venv\//.test(word);
}

/** Throws when the call would start a forbidden program: the program itself, or any word of a shell command. */
function refuse(call: string, args: readonly unknown[], shell: boolean): void {
  const [command, second] = args;
  if (typeof command !== 'string') return;
  const options = args.find(
    (arg, index): arg is { shell?: unknown } =>
      index > 0 && typeof arg === 'object' && arg !== null && !Array.isArray(arg),
  );
  const viaShell = shell || Boolean(options?.shell);
  const words = viaShell
    ? [command, ...(Array.isArray(second) ? second : [])].join(' ').split(/[\s;&|()'"]+/)
    : [command];
  const program = words.find(forbidden);
  if (program === undefined) return;
  throw new UnitBoundaryError(
    `unit tests start no Python and no browser, but ${call}() would run ${program}: a test that needs the local AWS ` +
      'belongs in test/e2e-emulator (project e2e), one that opens a page in test/e2e-browser (project browser)',
  );
}

type Launch = (...args: unknown[]) => unknown;

function guard(call: string, real: Launch, shell: boolean): Launch {
  const guarded: Launch = function guardedLaunch(this: unknown, ...args: unknown[]) {
    refuse(call, args, shell);
    return real.apply(this, args);
  };
  // exec and execFile carry their own promisified form, which would otherwise go round the guard.
  const custom = (real as Launch & { [promisify.custom]?: Launch })[promisify.custom];
  if (custom) {
    const promised: Launch = async function guardedPromise(this: unknown, ...args: unknown[]) {
      refuse(call, args, shell);
      return custom.apply(this, args);
    };
    Object.defineProperty(guarded, promisify.custom, { value: promised });
  }
  return guarded;
}

const launchers = childProcess as unknown as Record<string | symbol, unknown>;
if (!launchers[GUARDED]) {
  for (const [call, shell] of [
    ['spawn', false],
    ['spawnSync', false],
    ['execFile', false],
    ['execFileSync', false],
    ['exec', true],
    ['execSync', true],
  ] as const) {
    launchers[call] = guard(call, launchers[call] as Launch, shell);
  }
  launchers[GUARDED] = true;
  // ESM imports of node:child_process (the code under test's) see the guarded functions too.
  syncBuiltinESMExports();
}
