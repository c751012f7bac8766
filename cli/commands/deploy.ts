import type { Command } from 'commander';
import { formatProblem } from '../../core/errors.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import { openTarget } from '../../local/target.ts';
import { addComposeOptions, type ComposeCommandOptions, loadRequest } from '../compose-options.ts';
import { findDeployedApp } from '../deployed-app.ts';
import { deployedClients, deployThroughApp } from '../deployed-run.ts';
import { followOptions } from '../follow-options.ts';
import type { Io } from '../io.ts';
import { progressPrinter } from '../progress.ts';
import { finishRun } from '../run-report.ts';

export function registerDeploy(program: Command, io: Io) {
  addComposeOptions(
    program.command('deploy').description('deploy a compose file as an environment in a mode'),
  )
    .option(
      '--endpoint <url>',
      'AWS API endpoint to run against; "local" (the default) starts the embedded local AWS',
    )
    .option('--quiet', 'print no progress lines')
    .action(async (options: ComposeCommandOptions & { endpoint?: string; quiet?: boolean }) => {
      const app = options.endpoint === undefined ? findDeployedApp(io.cwd, io.env) : undefined;
      const loaded = loadRequest(options, io, app?.artifactBucket);
      for (const warning of loaded.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
      const log = (line: string) => io.stderr(`${line}\n`);
      if (app) {
        const { project, environment, deploymentId } = loaded.request;
        log(
          `Requesting a deploy of ${project}/${environment} in ${loaded.resolved.mode} mode on bus ${app.busName} (deployment ${deploymentId})`,
        );
        const report = await deployThroughApp(
          app,
          loaded,
          deployedClients(),
          followOptions(io, options.quiet),
        );
        finishRun(report, io, options.json === true);
        return;
      }
      const target = await openTarget(options.endpoint, { env: io.env, log });
      try {
        const { project, environment, deploymentId } = loaded.request;
        log(
          `Deploying ${project}/${environment} in ${loaded.resolved.mode} mode to ${target.endpoint} (deployment ${deploymentId})`,
        );
        const report = await deployOnTarget(target, loaded, {
          now: io.now(),
          ...(options.quiet ? {} : { onEvent: progressPrinter('deploy', io.stderr) }),
        });
        finishRun(report, io, options.json === true);
      } finally {
        await target.close();
      }
    });
}
