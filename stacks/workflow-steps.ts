/**
 * One Lambda function per workflow step (state-machines/workflows.ts lists
 * them, from the workflows that name them), each from its own file
 * (functions/steps/<step>.ts exports its handler) and with a role derived
 * from the commands its declaration says it sends (core/iam/step-policy.ts).
 */

import { stepPolicy } from '../core/iam/step-policy.ts';
import { rolesPassedToSteps } from '../core/iam/workflow-policy.ts';
import { STEP_FUNCTION_MEMORY_MB } from '../functions/lambda-handler.ts';
import { stepFile } from '../functions/step.ts';
import { STEPS, WORKFLOWS } from '../state-machines/workflows.ts';
import { functionPermissions, lambdaTrust } from './iam-permissions.ts';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

export function createWorkflowSteps(roles: {
  scheduler: aws.iam.Role;
  account: $util.Output<string>;
  region: $util.Output<string>;
  projects: readonly string[];
}) {
  // Which role each step hands to a service, as the workflows pass them.
  const passed: Record<string, string[]> = {};
  for (const definition of Object.values(WORKFLOWS)) {
    for (const [step, placeholders] of Object.entries(rolesPassedToSteps(definition))) {
      passed[step] = [...new Set([...(passed[step] ?? []), ...placeholders])];
    }
  }
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
      permissions: $resolve([roles.account, roles.region, roles.scheduler.arn]).apply(
        ([account, region, scheduler]) => {
          // A step that creates roles (the CodeBuild and execution roles) may pass those too (core/iam/step-policy.ts).
          const roleArns: Record<string, string> = { SchedulerRoleArn: scheduler };
          const passRoles = (passed[step.name] ?? []).flatMap((placeholder) =>
            roleArns[placeholder] ? [roleArns[placeholder]] : [],
          );
          return functionPermissions(
            stepPolicy(step, { account, region, passRoles, projects: roles.projects }),
          );
        },
      ),
    });
  }
  return functions;
}
