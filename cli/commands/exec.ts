import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  type Session as EcsSession,
  ExecuteCommandCommand,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import type { Command } from 'commander';
import { InputError, type Problem } from '../../core/errors.ts';
import { environmentNames, serviceNames } from '../../core/names.ts';
import { MODE_POLICIES, parseMode } from '../../core/policy.ts';
import { parseDownRequest, ServiceNameSchema } from '../../core/request.ts';
import { hasAwsErrorName, isUnsupportedOperation } from '../../functions/aws/errors.ts';
import type { EnvironmentRecord } from '../../local/records.ts';
import { deployedEnvironment, openReadTarget, type ReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import type { Io } from '../io.ts';
import {
  type ExecSessionHandle,
  execTarget,
  findSessionManagerPlugin,
  runSessionManagerPlugin,
  SESSION_MANAGER_PLUGIN,
  SESSION_MANAGER_PLUGIN_INSTALL,
  sessionManagerPluginArgs,
} from '../session-manager-plugin.ts';

interface ExecOptions extends EnvironmentCommandOptions {
  /** What to run in the container. */
  command: string;
  /** A task id or ARN instead of the newest running task of the service. */
  task?: string;
}

/** The command `exec` runs when none is given. */
export const DEFAULT_EXEC_COMMAND = '/bin/sh';

/** A session `exec` would not open, and why: exit 2, no stack trace. */
export class ExecRefusedError extends InputError {
  override name = 'ExecRefusedError';
}

/** What `exec --json` prints: the open session, for a Session Manager plugin started elsewhere. */
export interface ExecSessionDescriptor {
  readonly project: string;
  readonly environment: string;
  readonly service: string;
  readonly cluster: string;
  /** The task id. */
  readonly task: string;
  readonly container: string;
  readonly command: string;
  /** ExecuteCommand's session: its token opens it, once, for a short while. */
  readonly session: ExecSessionHandle;
  /** The plugin's StartSession target, `ecs:<cluster>_<task>_<container runtime id>`. */
  readonly target: string;
  readonly region: string;
  /** The ECS endpoint the session was opened at. */
  readonly endpoint: string;
}

export function registerExec(program: Command, io: Io) {
  addEnvironmentOptions(
    program
      .command('exec')
      .description(
        "open a shell (or run --command) in a running task of a service, through ECS Exec; the mode's executeCommand setting must be on (off in production)",
      )
      .argument('<service>', 'the compose service whose container to open the shell in')
      .option('--command <command>', 'what to run in the container', DEFAULT_EXEC_COMMAND)
      .option('--task <id>', "this task (its id or ARN) instead of the service's newest running task"),
  ).action(async (service: string, options: ExecOptions) => {
    const { project, environment } = parseDownRequest({
      project: projectOf(options, io),
      environment: options.env,
    });
    const problems: Problem[] = [];
    if (!ServiceNameSchema.safeParse(service).success)
      problems.push({ path: 'SERVICE', message: `${JSON.stringify(service)} is not a service name` });
    if (options.command.trim() === '') problems.push({ path: '--command', message: 'is empty' });
    if (options.task !== undefined && !/^[A-Za-z0-9:/_-]+$/.test(options.task))
      problems.push({ path: '--task', message: `${JSON.stringify(options.task)} is not a task id or ARN` });
    if (problems.length > 0) throw new InputError(problems);

    const target = await openReadTarget(options.endpoint, io);
    try {
      const record = await deployedEnvironment(target, project, environment, 'exec');
      const ecs = target.clients('ecs') as ECSClient;
      const cluster = environmentNames(project, environment).cluster;
      const where = `service ${service} of ${project}/${environment}`;
      const found = await describeService(
        ecs,
        cluster,
        serviceNames(project, environment, service).ecsService,
      );
      if (found === undefined)
        throw new ExecRefusedError([
          {
            path: 'SERVICE',
            message: `${JSON.stringify(service)} is not a service running on ${cluster} (a run-once service or a scheduled job has no task to open a shell in)`,
          },
        ]);
      const executeCommand = found.enableExecuteCommand ?? recordedExecuteCommand(record);
      if (executeCommand !== true)
        throw new ExecRefusedError([
          { path: 'executeCommand', message: `ECS Exec is off for ${where}: ${whyOff(record)}` },
        ]);

      const task =
        options.task === undefined
          ? await firstRunningTask(ecs, cluster, service, where, target)
          : await givenTask(ecs, cluster, service, options.task);
      const taskId = (task.taskArn ?? '').split('/').at(-1) as string;
      if (task.enableExecuteCommand === false)
        throw new ExecRefusedError([
          {
            path: options.task === undefined ? 'SERVICE' : '--task',
            message: `task ${taskId} of ${where} was started before ECS Exec was turned on: its tasks get it once they are replaced (deploy again)`,
          },
        ]);
      const opening = `${options.command} in container ${service} of task ${taskId} on ${cluster}`;

      const plugin = findSessionManagerPlugin(io.env.PATH);
      if (plugin === undefined && !options.json && !target.emulator)
        // As the AWS CLI does, before a session is opened that nothing would carry.
        throw missingPlugin();

      let session: ExecSessionHandle;
      try {
        const opened = await ecs.send(
          new ExecuteCommandCommand({
            cluster,
            task: task.taskArn,
            container: service,
            interactive: true,
            command: options.command,
          }),
        );
        session = sessionOf(opened.session);
      } catch (error) {
        if (isUnsupportedOperation(error))
          throw new ExecRefusedError([
            {
              path: target.emulator ? 'local AWS' : 'ExecuteCommand',
              message: `${target.where} cannot run an ECS Exec session (it does not implement ExecuteCommand); on AWS this would open ${opening}`,
            },
          ]);
        throw refusedByEcs(error, taskId);
      }

      const runtimeId = task.containers?.find((container) => container.name === service)?.runtimeId ?? '';
      const endpoint = await ecsEndpoint(ecs, target.region);
      const descriptor: ExecSessionDescriptor = {
        project,
        environment,
        service,
        cluster,
        task: taskId,
        container: service,
        command: options.command,
        session,
        target: execTarget(cluster, taskId, runtimeId),
        region: target.region,
        endpoint,
      };
      if (options.json) {
        io.stdout(`${JSON.stringify(descriptor, null, 2)}\n`);
        return;
      }
      if (plugin === undefined) throw missingPlugin();
      io.stderr(`▶ ${opening} (ECS Exec; exit the shell to end the session)\n`);
      const code = await runSessionManagerPlugin(
        plugin,
        sessionManagerPluginArgs(session, {
          region: target.region,
          profile: io.env.AWS_PROFILE ?? '',
          endpoint,
          target: descriptor.target,
        }),
      );
      if (code !== 0)
        throw new CommandFailedError(`✗ ${SESSION_MANAGER_PLUGIN} exited with code ${code}`, {
          exitCode: code,
        });
    } finally {
      await target.close();
    }
  });
}

/** The ECS service when it exists and is not INACTIVE (deleted). */
async function describeService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  try {
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
    return services.find((candidate) => candidate.serviceName === name && candidate.status !== 'INACTIVE');
  } catch (error) {
    if (hasAwsErrorName(error, 'ClusterNotFoundException')) return undefined;
    throw error;
  }
}

/** What the deploy recorded, for an endpoint whose DescribeServices does not say. */
function recordedExecuteCommand(record: EnvironmentRecord): boolean | undefined {
  const recorded = record.policy?.executeCommand;
  if (typeof recorded === 'boolean') return recorded;
  const mode = parseMode(record.mode ?? '');
  return mode === undefined ? undefined : MODE_POLICIES[mode].executeCommand;
}

/** Which setting turned ECS Exec off, and how to turn it on. */
function whyOff(record: EnvironmentRecord): string {
  const mode = parseMode(record.mode ?? '');
  const modeDefault = mode === undefined ? undefined : MODE_POLICIES[mode].executeCommand;
  const recorded = record.policy?.executeCommand;
  if (modeDefault === false && recorded !== true) {
    const reason =
      mode === 'production' ? ', since a shell in production bypasses the release process and its audit' : '';
    return `${mode} mode turns it off (executeCommand: false)${reason}; to open one anyway, deploy with --set executeCommand=true`;
  }
  if (recorded === false)
    return `the last deploy turned it off (--set executeCommand=false; ${mode ?? 'its'} mode has it on); deploy without that override`;
  return `the service was deployed without it (before the executeCommand setting existed, or changed by hand); deploy again to turn it on`;
}

/** The service's first task that is RUNNING (the one most recently started). */
async function firstRunningTask(
  ecs: ECSClient,
  cluster: string,
  service: string,
  where: string,
  target: ReadTarget,
): Promise<Task> {
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }),
  );
  const tasks =
    taskArns.length === 0
      ? []
      : ((await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 100) }))).tasks ?? []);
  // A service's tasks are in the group `service:<name>` (the local AWS ignores the list's serviceName).
  const running = tasks
    .filter((task) => task.lastStatus === 'RUNNING' && task.group === `service:${service}`)
    .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0));
  const usable = running.find((task) => task.enableExecuteCommand !== false) ?? running[0];
  if (usable !== undefined) return usable;
  const why = target.emulator
    ? ': the local AWS starts no tasks for services (name one with --task)'
    : ' (ECS starts them again if they stopped; modeshift ps shows them)';
  throw new ExecRefusedError([{ path: 'SERVICE', message: `${where} has no running task${why}` }]);
}

/** The task `--task` names, when it runs and has the service's container. */
async function givenTask(ecs: ECSClient, cluster: string, service: string, task: string): Promise<Task> {
  const refuse = (message: string) => new ExecRefusedError([{ path: '--task', message }]);
  let found: Task | undefined;
  try {
    found = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [task] }))).tasks?.[0];
  } catch (error) {
    // ECS refuses an id it cannot read as one, rather than reporting it missing.
    if (!hasAwsErrorName(error, 'InvalidParameterException')) throw error;
  }
  if (found === undefined) throw refuse(`${task} is not a task on ${cluster}`);
  if (found.lastStatus !== 'RUNNING')
    throw refuse(`task ${task} is ${found.lastStatus ?? 'in no known state'}: ECS Exec needs a RUNNING task`);
  if (!(found.containers ?? []).some((container) => container.name === service))
    throw refuse(`task ${task} has no container ${service}: it is not a task of that service`);
  return found;
}

function sessionOf(session: EcsSession | undefined): ExecSessionHandle {
  if (!session?.sessionId || !session.streamUrl || !session.tokenValue)
    throw new CommandFailedError('✗ ECS returned no session for ExecuteCommand');
  return { sessionId: session.sessionId, streamUrl: session.streamUrl, tokenValue: session.tokenValue };
}

/** ECS's refusal, with what usually causes it. */
function refusedByEcs(error: unknown, taskId: string): Error {
  if (!(error instanceof Error)) return new CommandFailedError(`✗ ExecuteCommand failed: ${String(error)}`);
  if (hasAwsErrorName(error, 'TargetNotConnectedException'))
    return new CommandFailedError(
      `✗ ECS could not reach task ${taskId}'s SSM agent (${error.message}): the task's role must allow ssmmessages' four channel actions (core/exec-channel.ts)`,
      { cause: error },
    );
  if (hasAwsErrorName(error, 'InvalidParameterException', 'AccessDeniedException', 'ClientException'))
    return new CommandFailedError(`✗ ECS refused ExecuteCommand on task ${taskId}: ${error.message}`, {
      cause: error,
    });
  return error;
}

function missingPlugin(): ExecRefusedError {
  return new ExecRefusedError([
    {
      path: SESSION_MANAGER_PLUGIN,
      message: `is not on PATH: ECS Exec carries its session through AWS's Session Manager plugin; install it (${SESSION_MANAGER_PLUGIN_INSTALL}), or pass --json to print the session for a plugin run elsewhere`,
    },
  ]);
}

/** The ECS endpoint the plugin reports the session to, as the AWS CLI passes its own. */
async function ecsEndpoint(ecs: ECSClient, region: string): Promise<string> {
  const custom = await ecs.config.endpoint?.();
  if (custom !== undefined)
    return `${custom.protocol}//${custom.hostname}${custom.port ? `:${custom.port}` : ''}${custom.path}`.replace(
      /\/$/,
      '',
    );
  return ecs.config.endpointProvider({ Region: region }).url.href.replace(/\/$/, '');
}
