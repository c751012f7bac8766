import type { Command } from 'commander';
import { parseDownRequest } from '../../core/request.ts';
import { downOnTarget } from '../../local/run-workflows.ts';
import { openTarget } from '../../local/target.ts';
import { accountIdentity, chooseTarget, describeAccount, describeEndpoint } from '../aws-target.ts';
import { timestampDeploymentId } from '../compose-options.ts';
import { deployedClients, downThroughApp } from '../deployed-run.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import { followOptions } from '../follow-options.ts';
import type { Io } from '../io.ts';
import { progressFor, withProgress } from '../live-progress.ts';
import { finishRun } from '../run-report.ts';

export function registerDown(program: Command, io: Io) {
  addEnvironmentOptions(
    program.command('down').description("tear an environment down, keeping what its mode's policy retains"),
  )
    .option('--confirm <name>', 'the environment name again: required to take down a production environment')
    .option('--quiet', 'print no progress lines')
    .action(async (options: EnvironmentCommandOptions & { confirm?: string; quiet?: boolean }) => {
      const request = parseDownRequest({
        project: projectOf(options, io),
        environment: options.env,
        ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
      });
      const log = (line: string) => io.stderr(`${line}\n`);
      const choice = chooseTarget(options.endpoint, io);
      if (choice.kind === 'account') {
        const { app } = choice;
        const clients = deployedClients();
        log(describeAccount(await accountIdentity(app, clients.sts)));
        const deploymentId = `down-${timestampDeploymentId(io.now())}`;
        log(`Requesting a down of ${request.project}/${request.environment} on bus ${app.busName}`);
        const follow = followOptions('down', io, options);
        const report = await withProgress(follow, () =>
          downThroughApp(app, { ...request, deploymentId }, clients, follow.runOptions),
        );
        finishRun(report, io, options.json === true);
        return;
      }
      const target = await openTarget(choice.endpoint, { env: io.env, log });
      try {
        log(describeEndpoint(target));
        log(`Taking ${request.project}/${request.environment} down at ${target.endpoint}`);
        const report = await withProgress(progressFor('down', io, options), (progress) =>
          downOnTarget(target, request, { now: io.now(), ...progress }),
        );
        finishRun(report, io, options.json === true);
      } finally {
        await target.close();
      }
    });
}
