/**
 * The `modeshift` command line, built by a factory so tests drive it
 * in-process with their own output buffers.
 */
import { Command, CommanderError } from 'commander';
import { formatProblem, isInputError } from '../core/errors.ts';
import { CommandFailedError } from './command-failed.ts';
import { registerAudit } from './commands/audit.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerDown } from './commands/down.ts';
import { registerEmulator } from './commands/emulator.ts';
import { registerEstimate } from './commands/estimate.ts';
import { registerExec } from './commands/exec.ts';
import { registerGraph } from './commands/graph.ts';
import { registerLogs } from './commands/logs.ts';
import { registerLs } from './commands/ls.ts';
import { registerModes } from './commands/modes.ts';
import { registerPlan } from './commands/plan.ts';
import { registerPs } from './commands/ps.ts';
import { registerRun } from './commands/run.ts';
import { registerHistory, registerStatus } from './commands/status.ts';
import { registerSweep } from './commands/sweep.ts';
import { EXIT, type Io, processIo } from './io.ts';

export function makeProgram(io: Io = processIo()): Command {
  const program = new Command('modeshift')
    .description('Deploy a Docker Compose application into AWS in development, staging or production mode.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  registerModes(program, io);
  registerPlan(program, io);
  registerGraph(program, io);
  registerEstimate(program, io);
  registerDeploy(program, io);
  registerDown(program, io);
  registerConfig(program, io);
  registerStatus(program, io);
  registerHistory(program, io);
  registerPs(program, io);
  registerLogs(program, io);
  registerRun(program, io);
  registerExec(program, io);
  registerLs(program, io);
  registerAudit(program, io);
  registerSweep(program, io);
  registerEmulator(program, io);
  registerDemo(program, io);
  return program;
}

/**
 * Runs one command line (without the `node script` prefix) and returns the
 * exit code: 0 ok, 1 failed, 2 bad input. Input errors print one line per
 * problem and no stack trace.
 */
export async function run(args: readonly string[], io: Io = processIo()): Promise<number> {
  const program = makeProgram(io);
  const json = args.includes('--json');
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return EXIT.ok;
      }
      return EXIT.badInput;
    }
    if (error instanceof CommandFailedError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    if (isInputError(error)) {
      for (const problem of error.problems) io.stderr(`error: ${formatProblem(problem)}\n`);
      if (json)
        io.stdout(`${JSON.stringify({ error: { kind: error.name, problems: error.problems } }, null, 2)}\n`);
      return EXIT.badInput;
    }
    io.stderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}
