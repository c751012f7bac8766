/**
 * The entry points: `Deploy Requested` and `Down Requested` from the bus
 * (only modeshift's own source), the same functions invoked with plain JSON
 * from the SST Console, and the outcome events that start a queued request.
 */
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

type Output<T> = $util.Output<T>;

export interface HandlerInputs {
  readonly table: sst.aws.Dynamo;
  readonly bus: sst.aws.Bus;
  readonly workflows: { deploy: aws.sfn.StateMachine; down: aws.sfn.StateMachine };
}

type Permission = { actions: string[]; resources: Array<string | Output<string>> };

/**
 * Reading whether a deploy's config values are set (not their values): the
 * Deploy Requested handler checks before it starts a deploy, and the workflow
 * finished handler before it starts a queued one. Only parameters under
 * modeshift's own path (`/modeshift/<project>/<environment>/<NAME>`).
 */
function configValuesCheck(region: Output<string>, account: Output<string>): Permission {
  return {
    actions: ['ssm:GetParameters'],
    resources: [$interpolate`arn:aws:ssm:${region}:${account}:parameter/modeshift/*`],
  };
}

function handlerFunction(
  name: string,
  handler: string,
  inputs: HandlerInputs,
  region: Output<string>,
  account: Output<string>,
  extraPermissions: readonly Permission[] = [],
) {
  return new sst.aws.Function(name, {
    handler,
    runtime: 'nodejs22.x',
    nodejs: LAMBDA_BUNDLE,
    timeout: '30 seconds',
    memory: '256 MB',
    logging: { retention: '1 month' },
    environment: {
      MODESHIFT_TABLE: inputs.table.name,
      MODESHIFT_BUS: inputs.bus.name,
      MODESHIFT_DEPLOY_STATE_MACHINE: inputs.workflows.deploy.arn,
      MODESHIFT_DOWN_STATE_MACHINE: inputs.workflows.down.arn,
    },
    permissions: [
      {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [inputs.table.arn],
      },
      { actions: ['events:PutEvents'], resources: [inputs.bus.arn] },
      {
        actions: ['states:StartExecution'],
        resources: [inputs.workflows.deploy.arn, inputs.workflows.down.arn],
      },
      {
        actions: ['states:DescribeExecution'],
        resources: [
          $interpolate`arn:aws:states:${region}:${account}:execution:${inputs.workflows.deploy.name}:*`,
          $interpolate`arn:aws:states:${region}:${account}:execution:${inputs.workflows.down.name}:*`,
        ],
      },
      ...extraPermissions,
    ],
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
    [configValuesCheck(roles.region, roles.account)],
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
    [configValuesCheck(roles.region, roles.account)],
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
