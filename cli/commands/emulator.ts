import type { Command } from 'commander';
import { ensureEmulatorInstalled, startLocalAws } from '../../emulator/local-aws.ts';
import type { Io } from '../io.ts';

export function registerEmulator(program: Command, io: Io) {
  program
    .command('emulator')
    .description('run the embedded local AWS until interrupted, for commands given --endpoint')
    .option('--port <port>', 'port on 127.0.0.1 (default: a free one)', (value) => Number(value))
    .option('--install-only', 'install the local AWS into .venv and exit')
    .action(async (options: { port?: number; installOnly?: boolean }) => {
      if (options.installOnly) {
        ensureEmulatorInstalled((line) => io.stderr(`${line}\n`));
        io.stdout('local AWS installed\n');
        return;
      }
      const local = await startLocalAws({
        ...(options.port ? { port: options.port } : {}),
        log: (line) => io.stderr(`${line}\n`),
      });
      io.stdout(`local AWS listening on ${local.endpoint}\n`);
      io.stdout(`use it with: modeshift deploy … --endpoint ${local.endpoint}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await local.stop();
    });
}
