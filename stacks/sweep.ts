/**
 * The scheduled teardown: every hour, development environments past their
 * ttl or idle for longer than a week are sent a `Down Requested`.
 */
import { sweepPolicy } from '../core/iam/service-policies.ts';
import { functionPermissions, lambdaTrust } from './iam-permissions.ts';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

export function createSweep(inputs: {
  table: sst.aws.Dynamo;
  bus: sst.aws.Bus;
  account: $util.Output<string>;
}) {
  return new sst.aws.CronV2('Sweep', {
    schedule: 'rate(1 hour)',
    function: {
      handler: 'functions/sweep.handler',
      runtime: 'nodejs22.x',
      nodejs: LAMBDA_BUNDLE,
      timeout: '2 minutes',
      memory: '256 MB',
      logging: { retention: '1 month' },
      environment: {
        TABLE_NAME: inputs.table.name,
        BUS_NAME: inputs.bus.name,
        SWEEP_MAX_IDLE_SECONDS: String(7 * 24 * 3600),
        SWEEP_LIMIT: '50',
      },
      transform: lambdaTrust(inputs.account),
      // The Resource Groups Tagging API has no resource-level permissions: tag:GetResources reads on `*`.
      permissions: $resolve([inputs.table.arn, inputs.bus.arn]).apply(([tableArn, busArn]) =>
        functionPermissions(sweepPolicy({ tableArn, busArn })),
      ),
    },
  });
}
