/**
 * One Lambda function per workflow step (state-machines/workflows.ts lists
 * them, from the workflows that name them), each from its own file
 * (functions/steps/<step>.ts exports its handler) and with a role derived
 * from the commands its declaration says it sends (core/iam/step-policy.ts).
 */

import { stepRolePolicy } from '../core/iam/principal-policies.ts';
import { STEP_FUNCTION_MEMORY_MB } from '../functions/lambda-handler.ts';
import { stepFile } from '../functions/step.ts';
import { STEPS } from '../state-machines/workflows.ts';
import { functionPermissions, lambdaTrust } from './iam-permissions.ts';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

export function createWorkflowSteps(roles: {
  scheduler: aws.iam.Role;
  /** The environments table, where the steps that change a shared network take its lease. */
  table: sst.aws.Dynamo;
  account: $util.Output<string>;
  region: $util.Output<string>;
  projects: readonly string[];
}) {
  const functions: Record<string, sst.aws.Function> = {};
  for (const step of Object.values(STEPS)) {
    functions[step.name] = new sst.aws.Function(`Step${step.name}`, {
      // Each step its own entry, so each bundle holds only its own code and clients.
      handler: `${stepFile(step.name).replace(/\.ts$/, '')}.handler`,
      runtime: 'nodejs22.x',
      nodejs: LAMBDA_BUNDLE,
      timeout: '5 minutes',
      memory: `${STEP_FUNCTION_MEMORY_MB} MB`,
      logging: { retention: '1 month' },
      transform: lambdaTrust(roles.account),
      permissions: $resolve([roles.account, roles.region, roles.scheduler.arn, roles.table.arn]).apply(
        // A step that creates roles (the CodeBuild and execution roles) may pass those too (core/iam/step-policy.ts).
        ([account, region, scheduler, tableArn]) =>
          functionPermissions(
            stepRolePolicy(step, {
              account,
              region,
              schedulerRoleArn: scheduler,
              tableArn,
              projects: roles.projects,
            }),
          ),
      ),
    });
  }
  return functions;
}
