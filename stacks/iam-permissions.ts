/**
 * From modeshift's derived policies (core/iam/) to what SST and Pulumi take:
 * a Function's `permissions`, a role's trust and inline policy. Also what the
 * policies are derived for: the projects this modeshift serves
 * (`MODESHIFT_PROJECTS` when it is deployed, comma-separated IAM patterns;
 * unset: any project, the tag must exist).
 */
import type { PolicyStatement } from '../core/iam/policy.ts';
import { trustPolicy } from '../core/iam/service-policies.ts';
import { parseServedProjects } from '../core/served-projects.ts';

/** The projects this modeshift serves, from `MODESHIFT_PROJECTS` (`shop,blog,team-*`). */
export function servedProjectsFromEnvironment(): string[] {
  return parseServedProjects(process.env.MODESHIFT_PROJECTS);
}

/** Statements as an SST Function's `permissions`. */
export function functionPermissions(statements: readonly PolicyStatement[]) {
  return statements.map((statement) => ({
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
}

/**
 * A Function's role trusts Lambda only on behalf of this account
 * (Lambda sends `aws:SourceAccount` when it assumes an execution role).
 */
export function lambdaTrust(account: $util.Output<string>) {
  return {
    role: (args: aws.iam.RoleArgs): undefined => {
      args.assumeRolePolicy = account.apply((id) =>
        JSON.stringify(trustPolicy('lambda.amazonaws.com', { account: id })),
      );
    },
  };
}
