/**
 * What `deploy` reads from the environment's config values before it changes
 * anything: the names stored, so that compose reads `${NAME}` of a stored
 * value as that secret, and whether every value the services need is set; and
 * whether the policies and roles the services name exist; whether the VPC
 * range it names is free, or the VPC and subnets of its own are there. A deploy that lacks one is refused with exit code
 * 2, naming each.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { MissingConfigValuesError } from '../core/config-values.ts';
import { InputError } from '../core/errors.ts';
import type { DeployRequest } from '../core/request.ts';
import { networkProblems } from '../functions/aws/ec2/vpc-ranges.ts';
import { missingAppAccess } from '../functions/aws/iam/app-access.ts';
import { listConfigValues, missingConfigValues } from '../functions/aws/ssm/config-values.ts';
import { type ComposeCommandOptions, type LoadedRequest, loadRequest } from './compose-options.ts';
import type { Io } from './io.ts';

/**
 * The request loaded with the names of the environment's stored config
 * values. `validated` is the same file loaded before any AWS call, so that a
 * bad file touches nothing; it is loaded again only when the environment has
 * config values stored, with the same deployment id.
 */
export async function withStoredConfig(
  validated: LoadedRequest,
  options: ComposeCommandOptions & { readonly deploymentId: string },
  io: Io,
  ssm: SSMClient,
  artifactBucket?: string,
): Promise<LoadedRequest> {
  const { project, environment } = validated.request;
  const stored = await listConfigValues(ssm, { project, environment });
  if (stored.length === 0) return validated;
  return loadRequest(options, io, artifactBucket, new Set(stored.map((entry) => entry.name)));
}

/** Refuses a deploy whose services name a managed policy or a pre-created role the account does not have. */
export async function refuseMissingAppAccess(
  request: Pick<DeployRequest, 'services'>,
  iam: IAMClient,
): Promise<void> {
  const problems = await missingAppAccess(request, iam);
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * Refuses a deploy whose `vpcCidr` overlaps another environment's VPC or differs from the
 * environment's own, or whose `vpc` or subnets are not there as named.
 */
export async function refuseNetworkProblems(
  request: Pick<DeployRequest, 'project' | 'environment' | 'vpcCidr' | 'vpc'>,
  ec2: EC2Client,
  privateTasks: boolean,
  network: 'shared' | 'dedicated' = 'shared',
): Promise<void> {
  const problems = await networkProblems(ec2, request, privateTasks, network);
  if (problems.length > 0) throw new InputError(problems);
}

/** Refuses a deploy whose services need config values that are not set: one problem per name. */
export async function refuseMissingConfigValues(
  request: Pick<DeployRequest, 'project' | 'environment' | 'services' | 'databases'>,
  ssm: SSMClient,
): Promise<void> {
  const problems = await missingConfigValues(request, ssm);
  if (problems.length > 0) throw new MissingConfigValuesError(problems);
}
