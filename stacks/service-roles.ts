/**
 * Roles the workflows hand to AWS services: EventBridge Scheduler sends an
 * environment's expiry `Down Requested` and starts its scheduled jobs' tasks
 * with its role, which trusts the service only on behalf of this account, of
 * the default schedule group and of the environments' job groups
 * (core/iam/service-policies.ts). CodeBuild builds with a role per
 * environment, which the StartBuilds step creates (functions/aws/iam/codebuild-role.ts).
 */
import { APP_BOUNDARY_NAME, APP_BOUNDARY_PATH, appBoundaryDocument } from '../core/iam/app-boundary.ts';
import type { PolicyStatement } from '../core/iam/policy.ts';
import { schedulerPolicy, schedulerSourceArns, trustPolicy } from '../core/iam/service-policies.ts';
import { servedProjectsFromEnvironment } from './iam-permissions.ts';

function serviceRole(
  name: string,
  service: string,
  sourceArns: (account: string, region: string) => string[],
  statements: $util.Output<PolicyStatement[]>,
  place: { account: $util.Output<string>; region: $util.Output<string> },
) {
  const role = new aws.iam.Role(name, {
    assumeRolePolicy: $resolve([place.account, place.region]).apply(([account, region]) =>
      JSON.stringify(trustPolicy(service, { account, arns: sourceArns(account, region) })),
    ),
  });
  new aws.iam.RolePolicy(`${name}Policy`, {
    role: role.id,
    policy: statements.apply((list) => JSON.stringify({ Version: '2012-10-17', Statement: list })),
  });
  return role;
}

export function createServiceRoles(bus: sst.aws.Bus) {
  const region = aws.getRegionOutput().name;
  const account = aws.getCallerIdentityOutput().accountId;
  const projects = servedProjectsFromEnvironment();
  const place = { account, region };
  const scheduler = serviceRole(
    'SchedulerRole',
    'scheduler.amazonaws.com',
    (id, where) => schedulerSourceArns(id, where),
    $resolve([bus.arn, account, region]).apply(([busArn, id, where]) =>
      schedulerPolicy(busArn, { account: id, region: where }),
    ),
    place,
  );
  // The boundary of every task role a deploy creates for an app (core/iam/app-boundary.ts): by its
  // fixed name, which the steps derive from the account.
  new aws.iam.Policy('AppBoundary', {
    name: APP_BOUNDARY_NAME,
    path: APP_BOUNDARY_PATH,
    description: "The permission boundary of the apps' task roles modeshift creates",
    policy: appBoundaryDocument(),
  });
  return { scheduler, region, account, projects };
}
