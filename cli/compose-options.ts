/**
 * The options `plan` and `deploy` share: a compose file, an environment, a
 * mode and overrides, turned into a validated deployment request.
 */

import { isAbsolute, relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type ComposeOptions, type ComposeResult, loadComposeFile } from '../core/compose.ts';
import { InputError } from '../core/errors.ts';
import { parseOverrideAssignments, type ResolvedPolicy, resolvePolicy } from '../core/policy.ts';
import type { Io } from './io.ts';

export interface ComposeCommandOptions {
  file: string;
  env: string;
  mode: string;
  project?: string;
  set: string[];
  ttl?: string;
  force?: boolean;
  confirm?: string;
  adoptZone?: string[];
  adoptApex?: boolean;
  pauseSchedules?: boolean;
  notify?: string[];
  vpcCidr?: string;
  vpc?: string;
  publicSubnet?: string[];
  privateSubnet?: string[];
  deploymentId?: string;
  /** Accept build contexts outside the compose file's folder (core/compose.ts ComposeOptions). */
  allowContextOutside?: boolean;
  json?: boolean;
}

export function addComposeOptions(command: Command): Command {
  return command
    .requiredOption('-f, --file <compose.yaml>', 'compose file to deploy')
    .requiredOption('--env <name>', 'environment name, e.g. pr-42')
    .requiredOption('--mode <mode>', 'development, staging or production (or an alias)')
    .option('--project <name>', "project name (default: the compose file's name)")
    .addOption(
      new Option('--set <key=value>', 'override one policy setting (repeatable)')
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .option('--ttl <duration>', 'tear the environment down after this long, e.g. 24h')
    .option('--force', 'allow a production → development mode change (with --confirm)')
    .option(
      '--confirm <environment>',
      "the environment's name: confirms a production → development change or a production override that weakens data protection",
    )
    .addOption(
      new Option(
        '--adopt-zone <zone>',
        "write into this existing public hosted zone that modeshift did not create: only records marked as the environment's, never over another's (repeatable)",
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .option('--adopt-apex', "with --adopt-zone: also write the adopted zone's apex record")
    .option(
      '--pause-schedules',
      "development only: create the scheduled jobs' schedules disabled (run a job with modeshift run)",
    )
    .addOption(
      new Option(
        '--notify <email-or-topic-arn>',
        "who the deployment alarms tell: an email address (subscribed to the environment's SNS topic; repeatable) or one existing SNS topic ARN",
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .option(
      '--vpc-cidr <block>',
      "the address range of the environment's VPC when modeshift creates it: a private /16 to /24 no other environment's VPC overlaps (default: a free /16 of 10.0.0.0/8)",
    )
    .option(
      '--vpc <vpc-id>',
      'deploy into this VPC of yours (with --public-subnet and --private-subnet): modeshift creates only security groups in it and never deletes it',
    )
    .addOption(
      new Option('--public-subnet <subnet-id>', 'with --vpc: a public subnet (repeatable; two zones or more)')
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .addOption(
      new Option(
        '--private-subnet <subnet-id>',
        'with --vpc: a private subnet (repeatable; two zones or more)',
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([]),
    )
    .option('--deployment-id <id>', 'identifier of this deployment (default: the current UTC time)')
    .option(
      '--allow-context-outside',
      "accept a build context outside the compose file's folder (refused otherwise)",
    )
    .option('--json', 'print one machine-readable JSON document');
}

/** `20261126-074501`: sortable, and valid as a deployment id. */
export function timestampDeploymentId(now: Date): string {
  return now.toISOString().replace(/\..*$/, '').replace(/[-:]/g, '').replace('T', '-');
}

export interface LoadedRequest extends ComposeResult {
  readonly resolved: ResolvedPolicy;
}

/** `--vpc` with its subnets as the request's `vpc`; subnets without `--vpc` are bad input. */
function ownVpcOption(options: ComposeCommandOptions): Pick<ComposeOptions, 'vpc'> {
  const publicSubnets = options.publicSubnet ?? [];
  const privateSubnets = options.privateSubnet ?? [];
  if (options.vpc === undefined) {
    const stray =
      publicSubnets.length > 0
        ? '--public-subnet'
        : privateSubnets.length > 0
          ? '--private-subnet'
          : undefined;
    if (stray !== undefined)
      throw new InputError([{ path: stray, message: 'names a subnet of your own VPC: give --vpc too' }]);
    return {};
  }
  return { vpc: { id: options.vpc, publicSubnets, privateSubnets } };
}

/**
 * Reads the compose file and resolves the policy; throws InputError on any
 * problem. `configNames`: the environment's stored config values, when the
 * caller has read them (cli/stored-config.ts).
 */
export function loadRequest(
  options: ComposeCommandOptions,
  io: Io,
  artifactBucket?: string,
  configNames?: ReadonlySet<string>,
): LoadedRequest {
  const overrides = parseOverrideAssignments(options.set);
  const composeOptions: ComposeOptions = {
    environment: options.env,
    mode: options.mode,
    deploymentId: options.deploymentId ?? timestampDeploymentId(io.now()),
    variables: io.env,
    ...(artifactBucket !== undefined ? { artifactBucket } : {}),
    ...(options.project !== undefined ? { project: options.project } : {}),
    ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
    ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
    ...(options.adoptZone !== undefined && options.adoptZone.length > 0
      ? { adoptZones: options.adoptZone }
      : {}),
    ...(options.adoptApex ? { adoptApex: true } : {}),
    ...(options.pauseSchedules ? { pauseSchedules: true } : {}),
    ...(options.notify !== undefined && options.notify.length > 0 ? { notify: options.notify } : {}),
    ...(options.vpcCidr !== undefined ? { vpcCidr: options.vpcCidr } : {}),
    ...ownVpcOption(options),
    ...(configNames !== undefined ? { configNames } : {}),
    ...(options.allowContextOutside ? { allowContextOutside: true } : {}),
  };
  const file = resolve(io.cwd, options.file);
  const shown = relative(io.cwd, file);
  const composed = loadComposeFile(file, {
    ...composeOptions,
    source: shown.startsWith('..') || isAbsolute(shown) ? file : shown,
  });
  const resolved = resolvePolicy(composed.request.mode, composed.request.overrides ?? {});
  return { ...composed, resolved };
}
