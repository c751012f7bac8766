/**
 * One Lambda function per workflow step (functions/steps/registry.ts), each
 * from its own entry (functions/steps/lambda/<step>.ts) and with a role
 * derived from the SDK commands its code uses (core/step-iam.ts).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepPolicy, stepSources } from '../core/step-iam.ts';
import { rolesPassedToSteps } from '../core/workflow-iam.ts';
import { STEP_FUNCTION_MEMORY_MB, STEP_NAMES, stepFile } from '../functions/steps/step-names.ts';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

export { stepFile } from '../functions/steps/step-names.ts';

export function createWorkflowSteps(roles: {
  taskExecution: aws.iam.Role;
  codeBuild: aws.iam.Role;
  account: $util.Output<string>;
  region: $util.Output<string>;
}) {
  const sources = stepSources(join(process.cwd(), 'functions', 'steps'));
  // Which role each step hands to a service, as the workflows pass them (e.g. RegisterTaskDefinition: the task execution role).
  const passed: Record<string, string[]> = {};
  for (const name of ['deploy', 'down']) {
    const definition = JSON.parse(
      readFileSync(join(process.cwd(), 'state-machines', `${name}.asl.json`), 'utf8'),
    );
    for (const [step, placeholders] of Object.entries(rolesPassedToSteps(definition))) {
      passed[step] = [...new Set([...(passed[step] ?? []), ...placeholders])];
    }
  }
  const functions: Record<string, sst.aws.Function> = {};
  for (const step of STEP_NAMES) {
    functions[step] = new sst.aws.Function(`Step${step}`, {
      // Each step its own entry (functions/steps/lambda/), so each bundle holds only its own code and clients.
      handler: `functions/steps/lambda/${stepFile(step).replace(/\.ts$/, '')}.handler`,
      runtime: 'nodejs22.x',
      nodejs: LAMBDA_BUNDLE,
      timeout: '5 minutes',
      memory: `${STEP_FUNCTION_MEMORY_MB} MB`,
      logging: { retention: '1 month' },
      permissions: $resolve([
        roles.account,
        roles.region,
        roles.taskExecution.arn,
        roles.codeBuild.arn,
      ]).apply(([account, region, taskExecutionRole, codeBuildRole]) => {
        const roleArns: Record<string, string> = {
          TaskExecutionRoleArn: taskExecutionRole,
          CodeBuildRoleArn: codeBuildRole,
        };
        const passRoles = (passed[step] ?? []).flatMap((placeholder) =>
          roleArns[placeholder] ? [roleArns[placeholder]] : [],
        );
        return stepPolicy(sources, stepFile(step), { account, region, passRoles }).map((statement) => ({
          actions: statement.Action,
          resources: statement.Resource,
          ...(statement.Condition
            ? {
                conditions: Object.entries(statement.Condition).flatMap(([test, values]) =>
                  Object.entries(values).map(([variable, value]) => ({
                    test,
                    variable,
                    values: Array.isArray(value) ? value : [value],
                  })),
                ),
              }
            : {}),
        }));
      }),
    });
  }
  return functions;
}
