/**
 * `arn:aws:states:::codebuild:startBuild.sync`: starts a build, then polls
 * BatchGetBuilds until the build is no longer `IN_PROGRESS`, as Step
 * Functions does for a `.sync` integration. A `SUCCEEDED` build is the
 * result, `{ Build: … }` in Step Functions' (Java SDK v2) casing; any other
 * end status fails the state with `States.TaskFailed` and that same JSON as
 * the cause, so `BuildStatus` is in it. API errors are `CodeBuild.<ErrorCode>`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { logCall } from './call-log.ts';
import { EngineError, StatesRuntimeError, TaskError } from './errors.ts';
import { resolveOperation, type SdkCommand } from './operations.ts';
import { toStepFunctionsError } from './sdk-errors.ts';
import { toSdkInput } from './sdk-input.ts';
import { fromSdkOutput } from './sdk-output.ts';
import type { TaskContext, TaskHandler } from './task-handler.ts';

/** The EventBridge rule Step Functions manages for `codebuild:startBuild.sync` (Step Functions Developer Guide, "IAM policies for AWS CodeBuild"). */
const SYNC_RULE = 'StepFunctionsGetEventForCodeBuildStartBuildRule';

interface BuildFields {
  id?: string;
  buildStatus?: string;
}

export function codeBuildSyncTask(action: string, pattern: string, context: TaskContext): TaskHandler {
  if (action !== 'startBuild' || pattern !== 'sync') {
    throw new EngineError(
      `codebuild:${action}${pattern === 'request' ? '' : `.${pattern}`} is not supported (codebuild:startBuild.sync is)`,
    );
  }
  const start = resolveOperation('codebuild', 'startBuild');
  const poll = resolveOperation('codebuild', 'batchGetBuilds');
  const buildSchema = start.output.getMemberSchema('build');
  const send = async (command: SdkCommand) => {
    try {
      return await context.clients('codebuild').send(command);
    } catch (error) {
      throw toStepFunctionsError(error, { style: 'optimized', service: start.service, prefix: 'CodeBuild' });
    }
  };
  return async function codeBuildSyncTaskHandler(input) {
    const sdkInput = toSdkInput(input, start.input, { caseInsensitive: true });
    if (typeof sdkInput !== 'object' || sdkInput === null) {
      throw new StatesRuntimeError(
        `codebuild:startBuild.sync needs an object as its parameters, got ${JSON.stringify(input)}`,
      );
    }
    // Step Functions learns that the build ended from a rule it keeps in the account, with the state machine's role.
    for (const operation of ['PutRule', 'PutTargets', 'DescribeRule']) {
      logCall({ service: 'eventbridge', operation, input: { Name: SYNC_RULE }, synthetic: true });
    }
    const started = (await send(start.createCommand(sdkInput))) as { build?: BuildFields };
    let build = started.build;
    const id = build?.id;
    if (build === undefined || id === undefined)
      throw new TaskError('States.TaskFailed', 'StartBuild returned no build id');
    while (build.buildStatus === 'IN_PROGRESS') {
      await delay(context.pollMs, undefined, { signal: context.signal });
      const polled = (await send(poll.createCommand({ ids: [id] }))) as { builds?: BuildFields[] };
      const latest = polled.builds?.[0];
      if (latest === undefined)
        throw new TaskError('States.TaskFailed', `BatchGetBuilds does not know build ${id}`);
      build = latest;
    }
    const result = { Build: fromSdkOutput(build, buildSchema, { javaNames: true }) ?? {} };
    if (build.buildStatus !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(result));
    return result;
  };
}
