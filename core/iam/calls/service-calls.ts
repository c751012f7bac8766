/**
 * The calls AWS services make with the roles modeshift hands them, derived
 * from the call that hands the role over, as the services document them:
 *
 * - ECS, starting a task of a registered task definition, with its execution
 *   role (ECS Developer Guide, "Amazon ECS task execution IAM role"): pull a
 *   private ECR image (`ecr:GetAuthorizationToken` on `*`, then
 *   `BatchCheckLayerAvailability`, `GetDownloadUrlForLayer`, `BatchGetImage` on
 *   the repository), send the awslogs driver's logs (`logs:CreateLogStream`,
 *   `logs:PutLogEvents` on a stream of the group), and read each secret the
 *   definition names (`ssm:GetParameters`, `secretsmanager:GetSecretValue`).
 *   Secrets encrypted with the AWS managed keys need no `kms:Decrypt`.
 * - CodeBuild, running a build, with the project's service role (CodeBuild
 *   User Guide, "Allow CodeBuild to interact with other AWS services"): write
 *   the build's logs to `/aws/codebuild/<project>`, read the S3 source
 *   (`s3:GetObject`, `s3:GetObjectVersion`), resolve each `PARAMETER_STORE`
 *   variable (`ssm:GetParameters`), and, for modeshift's buildspec, log in to
 *   ECR and push the image to `REPOSITORY_URI`.
 * - EventBridge Scheduler, firing the expiry schedule, with its role: put
 *   the event on the target bus (`events:PutEvents`); firing a job's
 *   schedule (EventBridge Scheduler User Guide, "Amazon ECS RunTask"): run
 *   the task definition on the cluster (`ecs:RunTask` with `ecs:cluster`),
 *   tag the task it starts (`ecs:TagResource` with `ecs:CreateAction`), and
 *   pass the task's roles to ECS tasks (`iam:PassRole`).
 *
 * None of these run on the local AWS, so they are checked from what the
 * handing-over call asked for.
 */
import type { LoggedCall } from './logged-call.ts';
import type { AuthorizationRequest, Place, ServiceCalls } from './requests.ts';

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
const PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];

/** The repository ARN of an ECR image URI, or undefined for an image from elsewhere. */
function repositoryOf(image: string): string | undefined {
  const match = ECR_IMAGE.exec(image);
  if (match === null) return undefined;
  const [, account, region, repository] = match;
  return `arn:aws:ecr:${region}:${account}:repository/${repository}`;
}

/** The ARN of a secret a container names: a parameter (by ARN or name) or a Secrets Manager secret, without a JSON key. */
function secretRequest(valueFrom: string, place: Place): { action: string; resource: string } {
  if (valueFrom.startsWith('arn:aws:secretsmanager:')) {
    const [arn = valueFrom] = /^arn:aws:secretsmanager:[^:]+:\d{12}:secret:[^:]+/.exec(valueFrom) ?? [];
    return { action: 'secretsmanager:GetSecretValue', resource: arn };
  }
  const resource = valueFrom.startsWith('arn:')
    ? valueFrom
    : `arn:aws:ssm:${place.region}:${place.account}:parameter/${valueFrom.replace(/^\//, '')}`;
  return { action: 'ssm:GetParameters', resource };
}

interface ContainerDefinition {
  name?: string;
  image?: string;
  secrets?: Array<{ valueFrom?: string }>;
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

function taskExecutionCalls(
  call: LoggedCall,
  place: Place,
): { role: string; requests: Omit<AuthorizationRequest, 'principal' | 'policies'>[] } | undefined {
  const input = call.input as { executionRoleArn?: string; containerDefinitions?: ContainerDefinition[] };
  const role = input.executionRoleArn;
  if (role === undefined) return undefined;
  const because = `ECS starting a task of ${String((call.input as { family?: string }).family)} (${call.principal} ecs:RegisterTaskDefinition)`;
  const requests: Omit<AuthorizationRequest, 'principal' | 'policies'>[] = [];
  for (const container of input.containerDefinitions ?? []) {
    const repository = container.image === undefined ? undefined : repositoryOf(container.image);
    if (repository !== undefined) {
      requests.push({ action: 'ecr:GetAuthorizationToken', resource: '*', context: {}, because });
      for (const action of PULL_ACTIONS)
        requests.push({ action, resource: repository, context: {}, because });
    }
    const group = container.logConfiguration?.options?.['awslogs-group'];
    if (container.logConfiguration?.logDriver === 'awslogs' && group !== undefined) {
      const prefix = container.logConfiguration.options?.['awslogs-stream-prefix'] ?? 'ecs';
      const stream = `arn:aws:logs:${place.region}:${place.account}:log-group:${group}:log-stream:${prefix}/${container.name ?? 'container'}/0123456789abcdef`;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        requests.push({ action, resource: stream, context: {}, because });
      }
    }
    for (const secret of container.secrets ?? []) {
      if (secret.valueFrom === undefined) continue;
      requests.push({ ...secretRequest(secret.valueFrom, place), context: {}, because });
    }
  }
  return { role, requests };
}

interface EnvironmentVariable {
  name?: string;
  value?: string;
  type?: string;
}

function buildCalls(
  call: LoggedCall,
  place: Place,
  project: { serviceRole?: string; sourceLocation?: string } | undefined,
): { role: string; requests: Omit<AuthorizationRequest, 'principal' | 'policies'>[] } | undefined {
  const input = call.input as {
    projectName?: string;
    serviceRoleOverride?: string;
    sourceLocationOverride?: string;
    environmentVariablesOverride?: EnvironmentVariable[];
  };
  const name = input.projectName;
  const role = input.serviceRoleOverride ?? project?.serviceRole;
  if (name === undefined || role === undefined) return undefined;
  const because = `CodeBuild running a build of ${name} (${call.principal} codebuild:StartBuild)`;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${place.region}:${place.account}:${resource}`;
  const group = arn('logs', `log-group:/aws/codebuild/${name}`);
  const requests: Omit<AuthorizationRequest, 'principal' | 'policies'>[] = [
    { action: 'logs:CreateLogGroup', resource: group, context: {}, because },
    { action: 'logs:CreateLogStream', resource: `${group}:log-stream:0123-4567`, context: {}, because },
    { action: 'logs:PutLogEvents', resource: `${group}:log-stream:0123-4567`, context: {}, because },
  ];
  const source = input.sourceLocationOverride ?? project?.sourceLocation;
  if (source !== undefined) {
    for (const action of ['s3:GetObject', 's3:GetObjectVersion']) {
      requests.push({ action, resource: `arn:aws:s3:::${source}`, context: {}, because });
    }
  }
  for (const variable of input.environmentVariablesOverride ?? []) {
    if (variable.type === 'PARAMETER_STORE' && variable.value !== undefined) {
      requests.push({ ...secretRequest(variable.value, place), context: {}, because });
    }
  }
  const repositoryUri = input.environmentVariablesOverride?.find(
    (variable) => variable.name === 'REPOSITORY_URI',
  )?.value;
  const repository = repositoryUri === undefined ? undefined : repositoryOf(repositoryUri);
  if (repository !== undefined) {
    requests.push({ action: 'ecr:GetAuthorizationToken', resource: '*', context: {}, because });
    for (const action of PUSH_ACTIONS) requests.push({ action, resource: repository, context: {}, because });
  }
  return { role, requests };
}

function scheduleCalls(
  call: LoggedCall,
  taskRoles: (family: string) => readonly string[] | undefined,
): { role: string; requests: Omit<AuthorizationRequest, 'principal' | 'policies'>[] } | undefined {
  const target = (
    call.input as {
      Target?: { Arn?: string; RoleArn?: string; EcsParameters?: { TaskDefinitionArn?: string } };
    }
  ).Target;
  if (target?.Arn === undefined || target.RoleArn === undefined) return undefined;
  const because = `EventBridge Scheduler firing ${String((call.input as { Name?: string }).Name)} (${call.principal} scheduler:${call.operation})`;
  const taskDefinition = target.EcsParameters?.TaskDefinitionArn;
  if (target.Arn.startsWith('arn:aws:ecs:') && taskDefinition !== undefined) {
    const family = taskDefinition.split('/').at(-1)?.replace(/:\d+$/, '') ?? '';
    const task = `${target.Arn.replace(':cluster/', ':task/')}/unknown`;
    return {
      role: target.RoleArn,
      requests: [
        { action: 'ecs:RunTask', resource: taskDefinition, context: { 'ecs:cluster': target.Arn }, because },
        { action: 'ecs:TagResource', resource: task, context: { 'ecs:CreateAction': 'RunTask' }, because },
        ...(taskRoles(family) ?? []).map((role) => ({
          action: 'iam:PassRole',
          resource: role,
          context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          because,
        })),
      ],
    };
  }
  const action = target.Arn.startsWith('arn:aws:events:') ? 'events:PutEvents' : `unknown:${target.Arn}`;
  return { role: target.RoleArn, requests: [{ action, resource: target.Arn, context: {}, because }] };
}

/**
 * The calls services make with the roles a call hands them, as their
 * principal (`role/<arn>`), with the role's policies as the run left them
 * when modeshift created the role (undefined for one of the app's own, such
 * as the scheduler role, whose policy the stacks give).
 */
export const serviceCalls: ServiceCalls = (call, place, known) => {
  let made: ReturnType<typeof scheduleCalls>;
  if (call.service === 'ecs' && call.operation === 'RegisterTaskDefinition')
    made = taskExecutionCalls(call, place);
  else if (call.service === 'codebuild' && call.operation === 'StartBuild') {
    const name = (call.input as { projectName?: string }).projectName;
    made = buildCalls(call, place, name === undefined ? undefined : known.buildProject(name));
  } else if (call.service === 'scheduler' && /^(Create|Update)Schedule$/.test(call.operation))
    made = scheduleCalls(call, known.taskRoles);
  if (made === undefined) return [];
  const policies = known.rolePolicies(made.role);
  const principal = `role/${made.role}`;
  return made.requests.map((request) => ({ ...request, principal, ...(policies ? { policies } : {}) }));
};
