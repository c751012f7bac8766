/**
 * Roles the workflows hand to AWS services: CodeBuild builds with its
 * service role, EventBridge Scheduler sends an environment's expiry `Down Requested` with its role.
 * Each trusts its service only on behalf of this account and of modeshift's
 * own build projects or the default schedule group (core/iam/service-policies.ts).
 */
import type { PolicyStatement } from '../core/iam/policy.ts';
import { codeBuildPolicy, schedulerPolicy, trustPolicy } from '../core/iam/service-policies.ts';
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

export function createServiceRoles(bus: sst.aws.Bus, artifacts: sst.aws.Bucket) {
  const region = aws.getRegionOutput().name;
  const account = aws.getCallerIdentityOutput().accountId;
  const projects = servedProjectsFromEnvironment();
  const place = { account, region };
  const codeBuild = serviceRole(
    'CodeBuildRole',
    'codebuild.amazonaws.com',
    (id, where) => [`arn:aws:codebuild:${where}:${id}:project/*`],
    $resolve([account, region, artifacts.arn]).apply(([id, where, artifactBucketArn]) =>
      codeBuildPolicy({ account: id, region: where, projects, artifactBucketArn }),
    ),
    place,
  );
  const scheduler = serviceRole(
    'SchedulerRole',
    'scheduler.amazonaws.com',
    (id, where) => [`arn:aws:scheduler:${where}:${id}:schedule-group/default`],
    bus.arn.apply((busArn) => schedulerPolicy(busArn)),
    place,
  );
  return { codeBuild, scheduler, region, account, projects };
}
