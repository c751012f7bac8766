/**
 * AWS's Session Manager plugin (`session-manager-plugin`), which carries an
 * ECS Exec session between the terminal and the container: ECS's
 * ExecuteCommand only opens the session, the plugin then speaks Session
 * Manager's protocol over its stream URL. modeshift starts it exactly as the
 * AWS CLI's `aws ecs execute-command` does (the same six arguments), with the
 * terminal handed over and the signals a person types (Ctrl-C, Ctrl-\,
 * Ctrl-Z) left to it, so that they reach the shell in the container.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as os } from 'node:os';
import { delimiter, join } from 'node:path';

/** The plugin's executable name. */
export const SESSION_MANAGER_PLUGIN = 'session-manager-plugin';

/** Where AWS documents how to install it, per operating system. */
export const SESSION_MANAGER_PLUGIN_INSTALL =
  'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';

/** What ExecuteCommand returned for the session (the API's member names, as the plugin reads them). */
export interface ExecSessionHandle {
  readonly sessionId: string;
  readonly streamUrl: string;
  readonly tokenValue: string;
}

/** What the plugin needs besides the session: where, and which container. */
export interface PluginTarget {
  readonly region: string;
  /** The AWS profile the credentials come from; `''` for none (the AWS CLI passes the same). */
  readonly profile: string;
  /** The ECS API endpoint ExecuteCommand was sent to. */
  readonly endpoint: string;
  /** `ecs:<cluster>_<task id>_<container runtime id>`. */
  readonly target: string;
}

/** The SSM target of a container of a task: what the plugin's StartSession names. */
export function execTarget(cluster: string, taskId: string, runtimeId: string): string {
  return `ecs:${cluster}_${taskId}_${runtimeId}`;
}

/** The plugin's arguments, in the AWS CLI's order: session, region, operation, profile, parameters, endpoint. */
export function sessionManagerPluginArgs(session: ExecSessionHandle, where: PluginTarget): string[] {
  return [
    JSON.stringify(session),
    where.region,
    'StartSession',
    where.profile,
    JSON.stringify({ Target: where.target }),
    where.endpoint,
  ];
}

/** The plugin's path on `PATH` (the CLI's own environment's), or undefined when it is not installed. */
export function findSessionManagerPlugin(path: string | undefined): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, SESSION_MANAGER_PLUGIN);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Signals a person types at the terminal: during a session they are the shell's, not modeshift's. */
const TYPED_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const;

/**
 * Runs the plugin at `executable` with the terminal (standard input, output
 * and error inherited) until the session ends; resolves to its exit code.
 */
export function runSessionManagerPlugin(executable: string, args: readonly string[]): Promise<number> {
  const ignoreTypedSignal = () => {};
  for (const signal of TYPED_SIGNALS) process.on(signal, ignoreTypedSignal);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(executable, [...args], { stdio: 'inherit' });
    child.once('error', reject);
    // Killed by a signal: 128 + its number, as a shell reports it.
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.signals[signal] : 0)));
  }).finally(() => {
    for (const signal of TYPED_SIGNALS) process.off(signal, ignoreTypedSignal);
  });
}
