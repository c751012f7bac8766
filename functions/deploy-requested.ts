/**
 * The `Deploy Requested` handler: validates the request, resolves its policy,
 * refuses it when a config value its services need is not set, and starts the
 * deploy workflow (execution named from the deployment id), or queues it
 * while the environment is busy. Also invoked with the plain request JSON
 * (SST Console, `aws lambda invoke`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { buildDeployInput } from '../core/execution-input.ts';
import { type InstallVpc, installVpc, withInstallVpc } from '../core/install-network.ts';
import { resolvePolicy } from '../core/policy.ts';
import { asPrincipal } from '../core/principal.ts';
import { type DeployRequest, parseDeployRequest } from '../core/request.ts';
import { missingAppAccess } from './aws/iam/app-access.ts';
import { missingConfigValues } from './aws/ssm/config-values.ts';
import {
  type DeployDeps,
  handleRequest,
  type PreparedRequest,
  type RequestCheck,
  type RequestOutcome,
} from './requests/handle-request.ts';
import { requestDetail } from './requests/request-event.ts';
import { runtimeDeps } from './requests/runtime-deps.ts';

const logger = new Logger({ serviceName: 'modeshift' });

/** The installation's VPC, read once per container (checked when modeshift was deployed). */
export const INSTALL_VPC = installVpc(process.env.MODESHIFT_VPC);

/** A valid deploy request, ready to start: the request itself and the workflow's input. */
export interface PreparedDeploy extends PreparedRequest {
  readonly kind: 'deploy';
  readonly request: DeployRequest;
  /** Whether the mode runs the tasks in the private subnets (which in a team's VPC need a way out). */
  readonly privateTasks: boolean;
  /** The resolved `network` setting: a network of its own is refused to an environment in a shared one. */
  readonly network: 'shared' | 'dedicated';
}

/**
 * A valid Deploy Requested detail as the deploy workflow's input; a detail that names no network
 * gets the installation's VPC (`MODESHIFT_VPC`, core/install-network.ts).
 */
export function prepareDeploy(given: unknown, now: Date, vpc?: InstallVpc): PreparedDeploy {
  const detail = withInstallVpc(given, vpc);
  const request = parseDeployRequest(detail);
  const input = buildDeployInput(request, resolvePolicy(request.mode, request.overrides ?? {}), now);
  return {
    kind: 'deploy',
    project: request.project,
    environment: request.environment,
    deploymentId: request.deploymentId,
    lockExpiresAt: input.lockExpiresAt,
    input,
    detail,
    request,
    privateTasks: input.taskNetwork.subnets === 'private',
    network: input.policy.network,
  };
}

let ssm: SSMClient | undefined;

/** The SSM client of the handlers that start deploys, made once per Lambda container. */
export function parameterStore(): SSMClient {
  ssm ??= new SSMClient({});
  return ssm;
}

let iam: IAMClient | undefined;

/** The IAM client of the handlers that start deploys, made once per Lambda container. */
export function identityClient(): IAMClient {
  iam ??= new IAMClient({});
  return iam;
}

/** The EC2 client of the handlers that start deploys: loaded and made only for a request naming `vpcCidr` or `vpc`. */
export async function computeClient(): Promise<EC2Client> {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  ec2 ??= new EC2Client({});
  return ec2;
}

let ec2: EC2Client | undefined;

/**
 * Refuses a deploy whose services need config values that are not set, or name a managed policy
 * or a pre-created role that does not exist (when `iam` is given), or whose `vpcCidr` overlaps
 * another environment's VPC or differs from the environment's own, or whose `vpc` is not there as
 * named (when `ec2` is given): one problem per name.
 */
export function configValuesCheck(
  ssm: SSMClient,
  iamClient?: IAMClient,
  ec2Client?: () => Promise<EC2Client>,
): RequestCheck<PreparedDeploy> {
  return async function checkConfigValues(prepared) {
    const { vpc, vpcCidr } = prepared.request;
    const dedicated = prepared.network === 'dedicated';
    if ((vpc !== undefined || vpcCidr !== undefined || dedicated) && ec2Client !== undefined) {
      const { networkProblems } = await import('./aws/ec2/vpc-ranges.ts');
      const problems = await networkProblems(
        await ec2Client(),
        prepared.request,
        prepared.privateTasks,
        prepared.network,
      );
      if (problems.length > 0)
        return {
          error: `the deploy names a network ${prepared.project}/${prepared.environment} cannot have`,
          problems,
        };
    }
    const problems = await missingConfigValues(prepared.request, ssm);
    if (problems.length > 0)
      return {
        error: `the deploy needs config values that are not set in ${prepared.project}/${prepared.environment}`,
        problems,
      };
    const access = iamClient === undefined ? [] : await missingAppAccess(prepared.request, iamClient);
    if (access.length === 0) return undefined;
    return {
      error: `the deploy names AWS access that does not exist for ${prepared.project}/${prepared.environment}`,
      problems: access,
    };
  };
}

export async function deployRequested(event: unknown, deps: DeployDeps): Promise<RequestOutcome> {
  return asPrincipal('function/DeployRequested', () =>
    handleRequest(
      'deploy',
      () => prepareDeploy(requestDetail(event, 'Deploy Requested'), deps.now(), deps.installVpc),
      deps,
      event,
      configValuesCheck(deps.ssm, deps.iam, deps.ec2),
    ),
  );
}

export const handler = middy(async function deployRequestedHandler(event: unknown) {
  return deployRequested(event, {
    ...runtimeDeps(logger),
    ssm: parameterStore(),
    iam: identityClient(),
    ec2: computeClient,
    installVpc: INSTALL_VPC,
  });
}).use(injectLambdaContext(logger));
