/**
 * The local AWS of a reliability file, as useLocalAws() gives it (one server
 * per file, reset before each test, `target()` fresh for each test), that can
 * also save what it holds and go back to it: a trial that needs an
 * environment deployed first (a down takes it down, a fault must spare a
 * bystander) restores it, as a clean run's preparation left it, instead of
 * deploying it again. The server is moto, installed and configured as
 * emulator/local-aws.ts installs and configures it, served by
 * snapshot-server.py, which adds saving and restoring to what moto_server
 * serves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { EMULATOR_ENVIRONMENT, ensureEmulatorInstalled } from '../../emulator/local-aws.ts';
import { openTarget, type Target } from '../../local/target.ts';

const SERVER = new URL('./snapshot-server.py', import.meta.url).pathname;

/** The local AWS of a test file, with snapshots. */
export interface LocalAwsWithSnapshots {
  /** The target of the running test, opened on the reset local AWS. */
  target(): Target;
  endpoint(): string;
  /** Forgets every resource, as a fresh account (what happens before each test). */
  reset(): Promise<void>;
  /** Keeps everything the local AWS holds under `name`; nothing may be running on it. */
  save(name: string): Promise<void>;
  /** Forgets every resource and holds again what `save(name)` kept; nothing may be running on it. */
  restore(name: string): Promise<void>;
}

/** A port the system says is free, on 127.0.0.1. */
async function freePort(): Promise<number> {
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

async function startServer(): Promise<{ endpoint: string; child: ChildProcess }> {
  const python = `${dirname(ensureEmulatorInstalled())}/python`;
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, [SERVER, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...EMULATOR_ENVIRONMENT },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`snapshot-server.py exited at start: ${output.slice(-500)}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { endpoint, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`snapshot-server.py did not answer on ${endpoint} within 30 s: ${output.slice(-500)}`);
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** Declares the file's local AWS: started before its tests, reset before each, stopped after them. */
export function useLocalAwsWithSnapshots(): LocalAwsWithSnapshots {
  let server: { endpoint: string; child: ChildProcess } | undefined;
  let current: Target | undefined;
  const killOnExit = () => server?.child.kill('SIGKILL');

  async function post(path: string): Promise<void> {
    const response = await fetch(`${server?.endpoint}${path}`, { method: 'POST' });
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
  }

  beforeAll(async () => {
    server = await startServer();
    process.once('exit', killOnExit);
  });
  beforeEach(async () => {
    await post('/moto-api/reset');
    current = await openTarget(server?.endpoint, { env: {} });
  });
  afterAll(async () => {
    process.off('exit', killOnExit);
    if (server) await stopServer(server.child);
  });

  return {
    target: () => {
      if (!current) throw new Error('no local AWS: useLocalAwsWithSnapshots() must run in the test file');
      return current;
    },
    endpoint: () => server?.endpoint ?? '',
    reset: () => post('/moto-api/reset'),
    save: (name) => post(`/modeshift-snapshot/save/${encodeURIComponent(name)}`),
    restore: (name) => post(`/modeshift-snapshot/restore/${encodeURIComponent(name)}`),
  };
}
