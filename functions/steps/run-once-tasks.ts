/**
 * RunOnceTasks: the run-once services (a migration, `run: once`), each run to
 * completion as one ECS task with the new image and the service's settings,
 * after the run-once services it depends on and before any long-running
 * service rolls out. The semantics of `ecs:runTask.sync`: the step is called
 * until every task has stopped (`Modeshift.NotReady` in between), and a task
 * that exits non-zero, or stops without its container exiting, fails the
 * deploy naming the service, the task, its exit code and its log stream; no
 * long-running service has changed then.
 *
 * It keeps no progress of its own: each call finds this rollout's tasks by
 * their `startedBy` (the execution's start), so a call that crashed after
 * RunTask finds the task it started instead of starting another. A task runs
 * on Fargate on demand in every mode: Spot could stop a migration halfway.
 */
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import type { ServiceSpec } from '../../core/execution-input.ts';
import { serviceNames } from '../../core/names.ts';
import {
  registerServiceTaskDefinition,
  SERVICE_TASK_DEFINITION_COMMANDS,
  type ServiceTaskContext,
} from '../aws/ecs/service-task-definition.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { NetworkRef } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

export interface RunOnceTasksInput extends ServiceTaskContext {
  /** The run-once services, each after the run-once services it depends on. */
  readonly tasks: readonly ServiceSpec[];
  /** This rollout: the execution's start time, the same on every call of one run and new on the next run. */
  readonly rollout: string;
  readonly taskNetwork: {
    readonly subnets: 'public' | 'private';
    readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  };
  readonly network: NetworkRef;
}

export interface RanTask {
  readonly service: string;
  readonly task: string;
  readonly exitCode: number;
  /** `group stream` of the task's log. */
  readonly log: string;
}

export interface RunOnceTasksOutput {
  /** true once every task has exited 0. */
  readonly done: boolean;
  /** The tasks that have exited 0, in order. */
  readonly ran: readonly RanTask[];
  /** The services whose task is running. */
  readonly running: readonly string[];
}

/** ECS's `startedBy`: at most 128 letters, digits, hyphens and underscores. */
export function startedByOf(rollout: string): string {
  return `modeshift-run-once-${rollout.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 128);
}

/** The task's id, the last part of its ARN. */
function taskId(task: Task): string {
  return task.taskArn?.split('/').at(-1) ?? '';
}

/** Where the awslogs driver writes the task's output: `<prefix>/<container>/<task id>` in the service's group. */
function logOf(project: string, environment: string, service: string, task: Task): string {
  return `${serviceNames(project, environment, service).logGroup} ${service}/${service}/${taskId(task)}`;
}

/** This rollout's tasks, running or stopped, by the task definition family they run. */
async function rolloutTasks(ecs: ECSClient, cluster: string, startedBy: string): Promise<Map<string, Task>> {
  const arns = new Set<string>();
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListTasksCommand({ cluster, startedBy, desiredStatus, nextToken }));
      for (const arn of page.taskArns ?? []) arns.add(arn);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const byFamily = new Map<string, Task>();
  const all = [...arns];
  // DescribeTasks takes at most 100 tasks a call; a deploy has far fewer run-once services.
  for (let start = 0; start < all.length; start += 100) {
    const { tasks = [] } = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: all.slice(start, start + 100) }),
    );
    for (const task of tasks) {
      const family = task.taskDefinitionArn?.split('/').at(-1)?.replace(/:\d+$/, '');
      if (family !== undefined) byFamily.set(family, task);
    }
  }
  return byFamily;
}

export const runOnceTasks = defineStep({
  name: 'RunOnceTasks',
  clients: { ecs: ECSClient, iam: IAMClient },
  sends: [ListTasksCommand, DescribeTasksCommand, RunTaskCommand, ...SERVICE_TASK_DEFINITION_COMMANDS],
  async run(input: RunOnceTasksInput, clients): Promise<RunOnceTasksOutput> {
    const cluster = input.names.cluster;
    const startedBy = startedByOf(input.rollout);
    const tasks = await rolloutTasks(clients.ecs, cluster, startedBy);
    const ran: RanTask[] = [];
    const running: string[] = [];
    const succeeded = new Set<string>();
    for (const service of input.tasks) {
      const family = serviceNames(input.project, input.environment, service.name).taskFamily;
      const task = tasks.get(family);
      if (task === undefined) {
        // Started once the run-once services it depends on have exited 0.
        if (!service.dependsOn.every((dependency) => succeeded.has(dependency))) continue;
        await startTask(service, input, clients, startedBy);
        running.push(service.name);
        continue;
      }
      if (task.lastStatus !== 'STOPPED') {
        running.push(service.name);
        continue;
      }
      const log = logOf(input.project, input.environment, service.name, task);
      const exitCode = task.containers?.find((container) => container.name === service.name)?.exitCode;
      if (exitCode !== 0) {
        const how =
          exitCode === undefined
            ? `stopped without running (${task.stopCode ?? 'no stop code'}: ${task.stoppedReason ?? 'no reason given'})`
            : `exited with code ${exitCode}`;
        throw new StepError(
          'Modeshift.RunOnceFailed',
          `run-once service ${service.name} (task ${taskId(task)}) ${how}; no service was rolled out. Its log: ${log}`,
        );
      }
      succeeded.add(service.name);
      ran.push({ service: service.name, task: taskId(task), exitCode, log });
    }
    return { done: ran.length === input.tasks.length, ran, running };
  },
  settled: (output) => output.done,
});

async function startTask(
  service: ServiceSpec,
  input: RunOnceTasksInput,
  clients: { ecs: ECSClient; iam: IAMClient },
  startedBy: string,
): Promise<void> {
  const taskDefinition = await registerServiceTaskDefinition(service, input, clients);
  const { failures = [], tasks = [] } = await clients.ecs.send(
    new RunTaskCommand({
      cluster: input.names.cluster,
      taskDefinition,
      count: 1,
      startedBy,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [
            ...(input.taskNetwork.subnets === 'public'
              ? input.network.publicSubnetIds
              : input.network.privateSubnetIds),
          ],
          securityGroups: [input.network.securityGroups.services],
          assignPublicIp: input.taskNetwork.assignPublicIp,
        },
      },
      tags: input.tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
      enableECSManagedTags: true,
    }),
  );
  if (tasks.length === 0) {
    const reasons = failures.map((failure) =>
      `${failure.reason ?? 'failure'} ${failure.detail ?? ''}`.trim(),
    );
    throw new StepError(
      'Modeshift.RunOnceFailed',
      `run-once service ${service.name} did not start: ${reasons.join('; ') || 'ECS started no task'}`,
    );
  }
}

export const handler = lambdaHandler(runOnceTasks);
