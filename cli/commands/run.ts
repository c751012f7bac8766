/**
 * `modeshift run SERVICE -- CMD…`: a one-off task (a console, a backfill)
 * with the service's task definition as the last deploy registered it (its
 * image, settings, secrets and role) and the given command, on the
 * environment's cluster and network. It prints the task's log lines as they
 * come and exits with the task's exit code.
 */
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListServicesCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import { environmentNames, serviceNames } from '../../core/names.ts';
import { parseDownRequest, ServiceNameSchema } from '../../core/request.ts';
import { hasAwsErrorName } from '../../functions/aws/errors.ts';
import { deployedEnvironment, openReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import type { Io } from '../io.ts';

interface RunOptions extends EnvironmentCommandOptions {
  /** Seconds to wait for the task to stop. */
  timeout: string;
}

/** What `run --json` prints. */
export interface RunResult {
  readonly project: string;
  readonly environment: string;
  readonly service: string;
  readonly task: string;
  readonly taskDefinition: string;
  readonly exitCode: number | null;
  readonly stoppedReason?: string;
  /** `group stream` of the task's log. */
  readonly log: string;
}

/** How often the task and its log are looked at. */
const POLL_MS = 2000;

export function registerRun(program: Command, io: Io) {
  addEnvironmentOptions(
    program
      .command('run')
      .description(
        "run a one-off task with a service's task definition and the given command, print its log, exit with its exit code",
      )
      .argument('<service>', 'the compose service whose image, settings and role the task takes')
      .argument(
        '[command...]',
        "the command to run instead of the service's own, after -- (default: the service's own)",
      )
      .option('--timeout <seconds>', 'stop waiting for the task after this long', '3600'),
  ).action(async (service: string, command: string[], options: RunOptions) => {
    const { project, environment } = parseDownRequest({
      project: projectOf(options, io),
      environment: options.env,
    });
    const problems = [];
    const name = ServiceNameSchema.safeParse(service);
    if (!name.success)
      problems.push({ path: 'SERVICE', message: `${JSON.stringify(service)} is not a service name` });
    const timeout = Number(options.timeout);
    if (!Number.isInteger(timeout) || timeout < 1)
      problems.push({
        path: '--timeout',
        message: `${JSON.stringify(options.timeout)} is not a whole number of seconds`,
      });
    if (problems.length > 0) throw new InputError(problems);

    const target = await openReadTarget(options.endpoint, io);
    try {
      await deployedEnvironment(target, project, environment, 'run');
      const ecs = target.clients('ecs') as ECSClient;
      const cluster = environmentNames(project, environment).cluster;
      const family = serviceNames(project, environment, service).taskFamily;
      const taskDefinition = await latestTaskDefinition(ecs, family, service);
      const network = await environmentTaskNetwork(ecs, cluster);
      const { tasks = [], failures = [] } = await ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition,
          count: 1,
          launchType: 'FARGATE',
          startedBy: 'modeshift-run',
          networkConfiguration: { awsvpcConfiguration: network },
          ...(command.length > 0 ? { overrides: { containerOverrides: [{ name: service, command }] } } : {}),
          propagateTags: 'TASK_DEFINITION',
          enableECSManagedTags: true,
        }),
      );
      const started = tasks[0];
      if (started?.taskArn === undefined)
        throw new CommandFailedError(
          `✗ the task did not start: ${failures.map((f) => `${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ') || 'ECS started no task'}`,
        );
      const id = started.taskArn.split('/').at(-1) as string;
      const group = serviceNames(project, environment, service).logGroup;
      const stream = `${service}/${service}/${id}`;
      if (!options.json) io.stderr(`▶ task ${id} of ${family} on ${cluster}; its log: ${group} ${stream}\n`);
      const logs = target.clients('cloudwatchlogs') as CloudWatchLogsClient;
      const stopped = await waitForStop(ecs, logs, {
        cluster,
        taskArn: started.taskArn,
        log: { group, stream },
        timeoutSeconds: timeout,
        // Against an emulator, looks come as fast as its tasks move.
        pollMs: target.emulator ? POLL_MS / 100 : POLL_MS,
        print: options.json ? () => {} : (line) => io.stdout(`${line}\n`),
      });
      const exitCode = stopped.containers?.find((container) => container.name === service)?.exitCode ?? null;
      const result: RunResult = {
        project,
        environment,
        service,
        task: id,
        taskDefinition,
        exitCode,
        ...(stopped.stoppedReason ? { stoppedReason: stopped.stoppedReason } : {}),
        log: `${group} ${stream}`,
      };
      if (options.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      if (exitCode === 0) {
        if (!options.json) io.stderr(`✓ task ${id} exited with code 0\n`);
        return;
      }
      const how =
        exitCode === null
          ? `stopped without running (${stopped.stopCode ?? 'no stop code'}: ${stopped.stoppedReason ?? 'no reason given'})`
          : `exited with code ${exitCode}`;
      throw new CommandFailedError(`✗ task ${id} ${how}`, { exitCode: exitCode === null ? 1 : exitCode });
    } finally {
      await target.close();
    }
  });
}

/** The family's latest active revision; a clear error when the service was never deployed. */
async function latestTaskDefinition(ecs: ECSClient, family: string, service: string): Promise<string> {
  try {
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
    if (taskDefinition?.taskDefinitionArn) return taskDefinition.taskDefinitionArn;
  } catch (error) {
    if (!hasAwsErrorName(error, 'ClientException', 'InvalidParameterException')) throw error;
  }
  throw new InputError([
    {
      path: 'SERVICE',
      message: `${JSON.stringify(service)} has no task definition in this environment: it is not one of its services, or it was never deployed`,
    },
  ]);
}

/** The subnets, security groups and public IP setting the environment's services run with. */
async function environmentTaskNetwork(ecs: ECSClient, cluster: string) {
  const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster, maxResults: 10 }));
  if (serviceArns.length > 0) {
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns }));
    const network = services.find((service) => service.networkConfiguration?.awsvpcConfiguration)
      ?.networkConfiguration?.awsvpcConfiguration;
    if (network?.subnets) return network;
  }
  throw new CommandFailedError(
    `✗ no service runs on ${cluster} to take the network from: deploy the environment first`,
  );
}

interface WaitOptions {
  readonly cluster: string;
  readonly taskArn: string;
  readonly log: { readonly group: string; readonly stream: string };
  readonly timeoutSeconds: number;
  readonly pollMs: number;
  /** Each new log line. */
  readonly print: (line: string) => void;
}

/** Looks at the task until it stops, printing its new log lines at each look. */
async function waitForStop(ecs: ECSClient, logs: CloudWatchLogsClient, options: WaitOptions): Promise<Task> {
  const { cluster, taskArn, log } = options;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let token: string | undefined;
  const printNewLines = async () => {
    try {
      const page = await logs.send(
        new GetLogEventsCommand({
          logGroupName: log.group,
          logStreamName: log.stream,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      token = page.nextForwardToken ?? token;
      for (const event of page.events ?? []) options.print(event.message ?? '');
    } catch (error) {
      // The stream appears once the container has started and written.
      if (!hasAwsErrorName(error, 'ResourceNotFoundException')) throw error;
    }
  };
  for (;;) {
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    const task = tasks[0];
    await printNewLines();
    if (task?.lastStatus === 'STOPPED') return task;
    if (Date.now() > deadline)
      throw new CommandFailedError(
        `✗ task ${taskArn.split('/').at(-1)} did not stop within ${options.timeoutSeconds} s; it still runs`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
