import type { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import { formatByteSize, parseByteSize } from '../../core/byte-size.ts';
import { formatProblem, InputError } from '../../core/errors.ts';
import { taskNetworking } from '../../core/plan.ts';
import { deployOnTarget } from '../../local/run-workflows.ts';
import { openTarget } from '../../local/target.ts';
import { DEFAULT_MAX_CONTEXT_BYTES } from '../../local/upload-contexts.ts';
import { accountIdentity, chooseTarget, describeAccount, describeEndpoint } from '../aws-target.ts';
import {
  addComposeOptions,
  type ComposeCommandOptions,
  type LoadedRequest,
  loadRequest,
  timestampDeploymentId,
} from '../compose-options.ts';
import { deployedClients, deployThroughApp } from '../deployed-run.ts';
import { followOptions } from '../follow-options.ts';
import type { Io } from '../io.ts';
import { progressFor, withProgress } from '../live-progress.ts';
import { withLatestSnapshots } from '../restore-latest.ts';
import { finishRun } from '../run-report.ts';
import {
  refuseMissingAppAccess,
  refuseMissingConfigValues,
  refuseNetworkProblems,
  withStoredConfig,
} from '../stored-config.ts';

type DeployOptions = ComposeCommandOptions & {
  endpoint?: string;
  quiet?: boolean;
  maxContextSize?: string;
  restoreLatest?: boolean;
};

/** `--max-context-size`, in bytes; refused (exit 2) when it is not a size. */
function maxContextBytes(option: string | undefined): number {
  if (option === undefined) return DEFAULT_MAX_CONTEXT_BYTES;
  const bytes = parseByteSize(option);
  if (bytes === undefined) {
    throw new InputError([
      {
        path: '--max-context-size',
        message: `${JSON.stringify(option)} is not a size (e.g. 800MiB, 2GiB; K, M, G are powers of 1024)`,
      },
    ]);
  }
  return bytes;
}

/**
 * The request as it will be deployed: loaded with the environment's stored
 * config names, its warnings printed, and refused (exit 2) when a config
 * value its services need is not set, a policy or role they name does not
 * exist, the VPC range it names is not free, or the VPC of its own is not
 * there as named — before anything changes.
 */
async function checkedRequest(
  validated: LoadedRequest,
  options: DeployOptions & { deploymentId: string },
  io: Io,
  clients: { readonly ssm: SSMClient; readonly iam?: IAMClient; readonly ec2?: EC2Client },
  artifactBucket?: string,
): Promise<LoadedRequest> {
  const loaded = await withStoredConfig(validated, options, io, clients.ssm, artifactBucket);
  for (const warning of loaded.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
  await refuseMissingConfigValues(loaded.request, clients.ssm);
  // Through the deployed app, the Deploy Requested handler checks these with its own role.
  if (clients.iam) await refuseMissingAppAccess(loaded.request, clients.iam);
  if (clients.ec2)
    await refuseNetworkProblems(
      loaded.request,
      clients.ec2,
      taskNetworking(loaded.resolved.policy).subnets === 'private',
      loaded.resolved.policy.network,
    );
  return loaded;
}

export function registerDeploy(program: Command, io: Io) {
  addComposeOptions(
    program.command('deploy').description('deploy a compose file as an environment in a mode'),
  )
    .option(
      '--endpoint <url>',
      'AWS API endpoint to run against; "local" starts the embedded local AWS for this command (default: modeshift deployed in your account)',
    )
    .option('--quiet', 'print no progress lines')
    .option(
      '--restore-latest',
      'create each missing database and cache from its newest final snapshot (kept by a production down); one without a snapshot stops the deploy',
    )
    .option(
      '--max-context-size <size>',
      `refuse a build context larger than this, uncompressed (default: ${formatByteSize(DEFAULT_MAX_CONTEXT_BYTES).replace(' ', '')})`,
    )
    .action(async (given: DeployOptions) => {
      // One deployment id for every load of the file.
      const options = { ...given, deploymentId: given.deploymentId ?? timestampDeploymentId(io.now()) };
      const choice = chooseTarget(options.endpoint, io);
      const app = choice.kind === 'account' ? choice.app : undefined;
      // Validated before any AWS call: a bad compose file or option touches nothing.
      const maxBytes = maxContextBytes(options.maxContextSize);
      const validated = loadRequest(options, io, app?.artifactBucket);
      const log = (line: string) => io.stderr(`${line}\n`);
      if (app) {
        const clients = deployedClients();
        log(describeAccount(await accountIdentity(app, clients.sts)));
        const checked = await checkedRequest(
          validated,
          options,
          io,
          { ssm: clients.ssm },
          app.artifactBucket,
        );
        const loaded = options.restoreLatest
          ? await withLatestSnapshots(
              checked,
              { rds: new RDSClient({}), elasticache: new ElastiCacheClient({}) },
              log,
            )
          : checked;
        const { project, environment, deploymentId } = loaded.request;
        log(
          `Requesting a deploy of ${project}/${environment} in ${loaded.resolved.mode} mode on bus ${app.busName} (deployment ${deploymentId})`,
        );
        const follow = followOptions('deploy', io, options);
        const report = await withProgress(follow, () =>
          deployThroughApp(app, loaded, clients, follow.runOptions, { maxContextBytes: maxBytes }),
        );
        finishRun(report, io, options.json === true);
        return;
      }
      const target = await openTarget(options.endpoint, { env: io.env, log });
      try {
        log(describeEndpoint(target));
        const checked = await checkedRequest(validated, options, io, {
          ssm: target.clients('ssm') as SSMClient,
          iam: target.clients('iam') as IAMClient,
          ec2: target.clients('ec2') as EC2Client,
        });
        const loaded = options.restoreLatest
          ? await withLatestSnapshots(
              checked,
              {
                rds: target.clients('rds') as RDSClient,
                elasticache: target.clients('elasticache') as ElastiCacheClient,
              },
              log,
            )
          : checked;
        const { project, environment, deploymentId } = loaded.request;
        log(
          `Deploying ${project}/${environment} in ${loaded.resolved.mode} mode to ${target.endpoint} (deployment ${deploymentId})`,
        );
        const report = await withProgress(progressFor('deploy', io, options), (progress) =>
          deployOnTarget(target, loaded, { now: io.now(), maxContextBytes: maxBytes, ...progress }),
        );
        finishRun(report, io, options.json === true);
      } finally {
        await target.close();
      }
    });
}
