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
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalAws, startLocalAws } from '../../emulator/local-aws.ts';
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

/** Declares the file's local AWS: started before its tests, reset before each, stopped after them. */
export function useLocalAwsWithSnapshots(): LocalAwsWithSnapshots {
  let server: LocalAws | undefined;
  let current: Target | undefined;

  async function post(path: string): Promise<void> {
    const response = await fetch(`${server?.endpoint}${path}`, { method: 'POST' });
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
  }

  beforeAll(async () => {
    server = await startLocalAws({ script: SERVER });
  });
  beforeEach(async () => {
    await post('/moto-api/reset');
    current = await openTarget(server?.endpoint, { env: {} });
  });
  afterAll(async () => {
    await server?.stop();
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
