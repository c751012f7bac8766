/**
 * The embedded local AWS: a moto server (pinned in emulator/requirements.txt,
 * started through emulator/moto_server.py, which fills in what moto's ElastiCache lacks)
 * installed into the project's own virtualenv (.venv) on first use, started on
 * a free 127.0.0.1 port, reset between tests, stopped with the process that
 * started it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.ts';

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));
const VENV_DIR = `${PROJECT_DIR}.venv`;
const REQUIREMENTS = `${PROJECT_DIR}emulator/requirements.txt`;
const INSTALLED_MARKER = `${VENV_DIR}/.modeshift-requirements`;
const MOTO_SERVER = `${VENV_DIR}/bin/moto_server`;
/** moto_server with the gaps modeshift's workflows meet filled in as AWS documents them (see the file). */
const PATCHED_SERVER = `${PROJECT_DIR}emulator/moto_server.py`;

/** Settings the emulator runs with, so that it behaves as modeshift's workflows need. */
export const EMULATOR_ENVIRONMENT: Readonly<Record<string, string>> = {
  // ACM issues a DNS-validated certificate after this many seconds (AWS: minutes, once the records resolve).
  MOTO_ACM_VALIDATION_WAIT: '1',
  // Every ECS service reports this many running tasks, so deployments complete (ECS's limit per service).
  MOTO_ECS_SERVICE_RUNNING: '5000',
  // No EC2 machine images: Fargate needs none, and loading moto's list took most of each reset's time.
  MOTO_EC2_LOAD_DEFAULT_AMIS: 'false',
};

/** The local AWS could not be installed or started; the message says what to do. */
export class LocalAwsError extends InputError {
  override name = 'LocalAwsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super([{ path: 'local AWS', message }], options);
  }
}

export interface LocalAws {
  /** `http://127.0.0.1:<port>`: the endpoint every AWS client points at. */
  readonly endpoint: string;
  /** Forgets every resource, as a fresh account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Port to listen on. @default a free port */
  readonly port?: number;
  /** Progress lines (installing, starting). */
  readonly log?: (line: string) => void;
  /**
   * The server to run, with the same arguments: a script built on moto_server.py
   * (the reliability tests' snapshot-server.py). @default emulator/moto_server.py
   */
  readonly script?: string;
}

function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}

/** The Python interpreter to install moto with; a LocalAwsError saying what to install when there is none. */
export function checkPython(command = 'python3'): string {
  const found = spawnSync(command, ['-c', 'import sys, venv; print(sys.version_info[:2] >= (3, 9))'], {
    encoding: 'utf8',
  });
  if (found.error || found.status !== 0) {
    throw new LocalAwsError(
      'the embedded local AWS runs moto, a Python program, and needs python3 (3.9 or later) with its venv module: ' +
        'install them (Debian/Ubuntu: apt-get install python3 python3-venv), or pass --endpoint URL of an AWS API you run yourself',
    );
  }
  if (found.stdout.trim() !== 'True')
    throw new LocalAwsError('the embedded local AWS needs Python 3.9 or later');
  return 'python3';
}

/** Installs moto into .venv unless the installed requirements are current; returns moto_server's path. */
export function ensureEmulatorInstalled(log: (line: string) => void = () => {}): string {
  const wanted = requirementsHash();
  if (
    existsSync(MOTO_SERVER) &&
    existsSync(INSTALLED_MARKER) &&
    readFileSync(INSTALLED_MARKER, 'utf8') === wanted
  ) {
    return MOTO_SERVER;
  }
  const interpreter = checkPython();
  log(`installing the local AWS (moto) into ${VENV_DIR} …`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.error || result.status !== 0) {
      throw new LocalAwsError(
        `${[command, ...args].join(' ')} failed: ${(result.stderr || result.error?.message || '').trim().split('\n').slice(-3).join(' ')}`,
      );
    }
  };
  if (!existsSync(`${VENV_DIR}/bin/python`)) run(interpreter, ['-m', 'venv', VENV_DIR]);
  run(`${VENV_DIR}/bin/python`, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    REQUIREMENTS,
  ]);
  writeFileSync(INSTALLED_MARKER, wanted);
  return MOTO_SERVER;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new LocalAwsError(`moto_server exited at start: ${output().trim().slice(-500)}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LocalAwsError(
    `moto_server did not answer on ${endpoint} within 30 s: ${output().trim().slice(-500)}`,
  );
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopAllOnExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Installs (first time) and starts a moto server on 127.0.0.1. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  ensureEmulatorInstalled(options.log);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  options.log?.(`starting the local AWS on ${endpoint} …`);
  const script = options.script ?? PATCHED_SERVER;
  const child = spawn(`${VENV_DIR}/bin/python`, [script, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...EMULATOR_ENVIRONMENT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.add(child);
  stopAllOnExit();
  try {
    await waitUntilUp(endpoint, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    running.delete(child);
    throw error;
  }
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new LocalAwsError(`resetting the local AWS failed: HTTP ${response.status}`);
    },
    stop() {
      return new Promise<void>((resolve) => {
        running.delete(child);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
