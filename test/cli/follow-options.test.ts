import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followOptions } from '../../cli/follow-options.ts';
import type { Io } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';
import { mockCallerIdentity } from '../support/caller-identity.ts';

const T0 = Date.parse('2026-11-26T07:00:00Z');

/** An Io whose standard error is captured, a terminal or not. */
function captureIo(terminal: boolean, env: Record<string, string> = {}) {
  let written = '';
  const io: Io = {
    stdout: () => {},
    stderr: (text) => {
      written += text;
    },
    env: { NO_COLOR: '1', ...env },
    cwd: '/',
    now: () => new Date(T0),
    stderrIsTTY: terminal,
    stderrColumns: () => 100,
  };
  return { io, text: () => written };
}

describe('following a deployed execution — which progress it shows', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes the events to the live view on a terminal, and prints no step lines', () => {
    vi.useFakeTimers({ now: T0 });
    const { io, text } = captureIo(true, { MODESHIFT_POLL_MS: '250' });

    const follow = followOptions('deploy', io, {});
    follow.runOptions.onEvent?.({ type: 'StateEntered', state: 'EnsureNetwork', timestamp: T0 });
    vi.advanceTimersByTime(1200);
    follow.stop();

    expect(follow.runOptions.pollMs).toBe(250);
    expect(follow.runOptions.onStep).toBeUndefined();
    expect(text()).toContain('EnsureNetwork 1.2s');
    expect(text()).toContain('■ deploy 1.2s');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('prints the step lines off a terminal, as it always has', () => {
    const { io, text } = captureIo(false);

    const follow = followOptions('down', io, {});
    follow.runOptions.onStep?.('  ▶ AcquireLock');
    follow.stop();

    expect(follow.runOptions.onEvent).toBeUndefined();
    expect(follow.runOptions.pollMs).toBe(5000);
    expect(text()).toBe('  ▶ AcquireLock\n');
  });

  it('prints the step lines on a terminal with --json', () => {
    const { io, text } = captureIo(true);

    const follow = followOptions('deploy', io, { json: true });
    follow.runOptions.onStep?.('  ✓ EnsureNetwork');

    expect(follow.runOptions.onEvent).toBeUndefined();
    expect(text()).toBe('  ✓ EnsureNetwork\n');
  });

  it('shows nothing with --quiet, on a terminal or not', () => {
    for (const terminal of [true, false]) {
      const { io, text } = captureIo(terminal);

      const follow = followOptions('deploy', io, { quiet: true });
      follow.stop();

      expect(follow.runOptions).toEqual({ pollMs: 5000 });
      expect(text()).toBe('');
    }
  });
});

describe('modeshift down with a deployed app, on a terminal', () => {
  const eventbridge = mockClient(EventBridgeClient);
  const sfn = mockClient(SFNClient);
  const dynamodb = mockClient(DynamoDBClient);
  const callerIdentity = mockCallerIdentity();
  const APP = {
    MODESHIFT_BUS: 'modeshift-prod-bus',
    MODESHIFT_TABLE: 'modeshift-prod-environments',
    MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
    MODESHIFT_DEPLOY_STATE_MACHINE:
      'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
    MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
    MODESHIFT_POLL_MS: '0',
    AWS_REGION: 'us-east-1',
  };

  beforeEach(() => {
    callerIdentity.answer();
    for (const mock of [eventbridge, sfn, dynamodb]) mock.reset();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    dynamodb.on(GetItemCommand).resolves({});
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date(T0) },
        {
          id: 2,
          previousEventId: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(T0 + 1000),
          stateEnteredEventDetails: { name: 'DeleteNetwork' },
        },
        {
          id: 3,
          previousEventId: 2,
          type: 'TaskStateExited',
          timestamp: new Date(T0 + 4000),
          stateExitedEventDetails: { name: 'DeleteNetwork' },
        },
        { id: 4, previousEventId: 3, type: 'ExecutionSucceeded', timestamp: new Date(T0 + 5000) },
      ],
    });
  });

  it('draws the live view of the execution and leaves its last frame when it ends', async () => {
    const { io, text } = captureIo(true, APP);

    const code = await run(['down', '--env', 'pr-5', '--project', 'shop'], { ...io, cwd: process.cwd() });

    expect(code).toBe(0);
    expect(text()).toContain('  ✓ DeleteNetwork 3.0s');
    expect(text()).toContain('■ down');
    expect(text()).not.toContain('  ▶ DeleteNetwork\n');
  });
});
