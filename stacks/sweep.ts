/**
 * The scheduled teardown: every hour, development environments past their
 * ttl or idle for longer than a week are sent a `Down Requested`.
 */
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

export function createSweep(inputs: { table: sst.aws.Dynamo; bus: sst.aws.Bus }) {
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
      permissions: [
        { actions: ['dynamodb:Query'], resources: [$interpolate`${inputs.table.arn}/index/*`] },
        { actions: ['dynamodb:GetItem'], resources: [inputs.table.arn] },
        { actions: ['events:PutEvents'], resources: [inputs.bus.arn] },
        // The Resource Groups Tagging API has no resource-level permissions.
        { actions: ['tag:GetResources'], resources: ['*'] },
      ],
    },
  });
}
