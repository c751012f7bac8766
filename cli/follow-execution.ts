/**
 * Publishing a request to the deployed app's bus and following the execution
 * it starts (named from the deployment id) until it ends, printing each step
 * from the execution history as it happens.
 */

import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { hasAwsErrorName } from '../functions/aws/errors.ts';
import { executionArnOf } from '../functions/requests/start-workflow.ts';

export interface FollowOptions {
  readonly pollMs?: number;
  /** How long to wait for the execution to appear (a busy environment queues the request). @default 60 s */
  readonly appearWithinMs?: number;
  readonly onStep?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FollowedExecution {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'NOT_STARTED';
  readonly error?: string;
  readonly cause?: string;
  readonly transitions: number;
}

export async function publishRequest(
  eventbridge: EventBridgeClient,
  busName: string,
  detailType: 'Deploy Requested' | 'Down Requested',
  detail: unknown,
): Promise<void> {
  const result = await eventbridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: 'modeshift',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    throw new Error(
      `the bus refused the request: ${result.Entries?.[0]?.ErrorCode} ${result.Entries?.[0]?.ErrorMessage}`,
    );
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function followExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  options: FollowOptions = {},
): Promise<FollowedExecution> {
  const executionArn = executionArnOf(stateMachineArn, name);
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? 5000;
  const appearBy = Date.now() + (options.appearWithinMs ?? 60_000);
  let seen = 0;
  let transitions = 0;
  for (;;) {
    let status: string | undefined;
    let error: string | undefined;
    let cause: string | undefined;
    try {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      ({ status, error, cause } = described);
    } catch (failure) {
      if (!hasAwsErrorName(failure, 'ExecutionDoesNotExist')) throw failure;
      if (Date.now() > appearBy) return { executionArn, status: 'NOT_STARTED', transitions };
      await sleep(pollMs);
      continue;
    }
    const events: HistoryEvent[] = [];
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token }),
      );
      events.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
    for (const event of events.slice(seen)) {
      if (event.type?.endsWith('StateEntered')) transitions += 1;
      const entered = event.stateEnteredEventDetails?.name;
      const exited = event.stateExitedEventDetails?.name;
      if (entered && event.type === 'TaskStateEntered') options.onStep?.(`  ▶ ${entered}`);
      if (exited && event.type === 'TaskStateExited') options.onStep?.(`  ✓ ${exited}`);
    }
    seen = events.length;
    if (status !== 'RUNNING') {
      return {
        executionArn,
        status: (status ?? 'FAILED') as FollowedExecution['status'],
        ...(error ? { error } : {}),
        ...(cause ? { cause } : {}),
        transitions,
      };
    }
    await sleep(pollMs);
  }
}
