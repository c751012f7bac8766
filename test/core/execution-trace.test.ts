import { describe, expect, it } from 'vitest';
import {
  enteredStates,
  executionTraceKey,
  type TraceEvent,
  unhandledFailures,
} from '../../core/execution-trace.ts';

const events: TraceEvent[] = [
  { state: 'AcquireLock', type: 'StateEntered' },
  { state: 'AcquireLock', type: 'StateFailed', error: 'Modeshift.Throttled' },
  { state: 'AcquireLock', type: 'StateRetried' },
  { state: 'CreateRepository', type: 'StateEntered' },
  { state: 'CreateRepository', type: 'StateFailed', error: 'Ecr.RepositoryAlreadyExistsException' },
  { state: 'CreateRepository', type: 'StateCaught' },
  { state: 'RollTasks', type: 'StateEntered' },
  { state: 'AcquireLock', type: 'StateEntered' },
  { state: 'RollTasks', type: 'StateFailed', error: 'Injected.Fault' },
];

describe('execution trace', () => {
  it('lists the states entered once each, in order of first entry', () => {
    expect(enteredStates({ events })).toEqual(['AcquireLock', 'CreateRepository', 'RollTasks']);
  });

  it('counts as failed only what no Retry or Catch handled', () => {
    expect(unhandledFailures({ events })).toEqual([{ state: 'RollTasks', error: 'Injected.Fault' }]);
  });

  it('stores a trace under its state machine and execution name', () => {
    expect(
      executionTraceKey('arn:aws:states:us-east-1:000000000000:execution:modeshift-deploy:shop-main-ci-1'),
    ).toBe('executions/modeshift-deploy/shop-main-ci-1.json');
  });
});
