/**
 * The entry points: `Deploy Requested` and `Down Requested` from the bus
 * (only modeshift's own source), the same functions invoked with plain JSON
 * from the SST Console, and the outcome events that start a queued request.
 */
import { requestHandlerPolicy } from '../core/iam/service-policies.ts';
import { installVpc } from '../core/install-network.ts';
import { functionPermissions, lambdaTrust, servedProjectsFromEnvironment } from './iam-permissions.ts';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

type Output<T> = $util.Output<T>;

export interface HandlerInputs {
  readonly table: sst.aws.Dynamo;
  readonly bus: sst.aws.Bus;
  readonly workflows: { deploy: aws.sfn.StateMachine; down: aws.sfn.StateMachine };
}

/**
 * A handler's role (core/iam/service-policies.ts): the environment record,
 * the bus, the two workflows, and for the handlers that start deploys
 * (Deploy Requested, workflow finished) whether config values exist under
 * `/modeshift/<project>/<environment>/` — not their values.
 */
function handlerFunction(
  name: string,
  handler: string,
  inputs: HandlerInputs,
  region: Output<string>,
  account: Output<string>,
  readsConfigValues = false,
) {
  return new sst.aws.Function(name, {
    handler,
    runtime: 'nodejs22.x',
    nodejs: LAMBDA_BUNDLE,
    timeout: '30 seconds',
    memory: '256 MB',
    logging: { retention: '1 month' },
    transform: lambdaTrust(account),
    environment: {
      MODESHIFT_TABLE: inputs.table.name,
      MODESHIFT_BUS: inputs.bus.name,
      MODESHIFT_DEPLOY_STATE_MACHINE: inputs.workflows.deploy.arn,
      MODESHIFT_DOWN_STATE_MACHINE: inputs.workflows.down.arn,
      // The projects the roles may change (core/served-projects.ts): a request for another is refused up front.
      MODESHIFT_PROJECTS: servedProjectsFromEnvironment().join(','),
      // The VPC deploys go into unless they name their network (core/install-network.ts), checked here.
      ...installVpcFromEnvironment(),
    },
    permissions: $resolve([
      account,
      region,
      inputs.table.arn,
      inputs.bus.arn,
      inputs.workflows.deploy.arn,
      inputs.workflows.down.arn,
    ]).apply(([id, where, tableArn, busArn, deployStateMachineArn, downStateMachineArn]) =>
      functionPermissions(
        requestHandlerPolicy({
          account: id,
          region: where,
          tableArn,
          busArn,
          deployStateMachineArn,
          downStateMachineArn,
          readsConfigValues,
        }),
      ),
    ),
  });
}

export function createRequestHandlers(
  inputs: HandlerInputs,
  roles: { region: Output<string>; account: Output<string> },
) {
  const deploy = handlerFunction(
    'DeployRequested',
    'functions/deploy-requested.handler',
    inputs,
    roles.region,
    roles.account,
    true,
  );
  const down = handlerFunction(
    'DownRequested',
    'functions/down-requested.handler',
    inputs,
    roles.region,
    roles.account,
  );
  const finished = handlerFunction(
    'WorkflowFinished',
    'functions/workflow-finished.handler',
    inputs,
    roles.region,
    roles.account,
    true,
  );
  inputs.bus.subscribe('OnDeployRequested', deploy.arn, {
    pattern: { source: ['modeshift'], detailType: ['Deploy Requested'] },
  });
  inputs.bus.subscribe('OnDownRequested', down.arn, {
    pattern: { source: ['modeshift'], detailType: ['Down Requested'] },
  });
  inputs.bus.subscribe('OnWorkflowFinished', finished.arn, {
    pattern: {
      source: ['modeshift'],
      detailType: ['Deployment Succeeded', 'Deployment Failed', 'Teardown Succeeded', 'Teardown Failed'],
    },
  });
  return { deploy, down, finished };
}

/**
 * `MODESHIFT_VPC` as the handlers' environment, checked now: a value that is not a VPC with its
 * subnets stops the deploy of modeshift, naming what is wrong, instead of every request later.
 */
function installVpcFromEnvironment(): { MODESHIFT_VPC?: string } {
  const vpc = installVpc(process.env.MODESHIFT_VPC);
  return vpc === undefined ? {} : { MODESHIFT_VPC: JSON.stringify(vpc) };
}
