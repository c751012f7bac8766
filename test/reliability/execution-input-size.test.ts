/**
 * Step Functions refuses an execution input, or a state, over 256 KiB, and
 * the workflow's states grow on the way; modeshift refuses a request whose
 * input is over 224 KiB up front, when it builds the workflow input, so the handler
 * takes no lock, starts nothing and says what to change. Environment values
 * are capped at 32 KiB per service, so these requests reach the limit with
 * many services.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isInputError } from '../../core/errors.ts';
import { buildDeployInput, MAX_EXECUTION_INPUT_BYTES } from '../../core/execution-input.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { type DeployRequestInput, parseDeployRequest } from '../../core/request.ts';
import { deployRequested } from '../../functions/deploy-requested.ts';
import { requestDeps } from '../support/request-deps.ts';
import { countReliability } from './stats.ts';

const NOW = new Date('2026-11-26T08:00:00Z');
const FULL_SERVICES = 7;
const FULL_PADDING = 30_000;

/** Seven services with 30 000 bytes of environment each, and an eighth with `padding` bytes. */
function requestWithPadding(padding: number): DeployRequestInput {
  const service = (name: string, bytes: number) => ({
    name,
    image: 'nginx:1.27',
    environment: { PAD: 'x'.repeat(bytes) },
  });
  return {
    project: 'shop',
    environment: 'pr-1',
    mode: 'development',
    deploymentId: 'big-1',
    services: [
      ...Array.from({ length: FULL_SERVICES }, (_, i) => service(`svc-${i}`, FULL_PADDING)),
      service('last', padding),
    ],
  };
}

function inputBytes(detail: DeployRequestInput): number {
  const request = parseDeployRequest(detail);
  const input = buildDeployInput(request, resolvePolicy(request.mode), NOW);
  return Buffer.byteLength(JSON.stringify(input));
}

/** A request whose workflow input is exactly `bytes` long (the eighth service's padding appears once in it). */
function requestOfInputSize(bytes: number): DeployRequestInput {
  const padding = bytes - inputBytes(requestWithPadding(0));
  expect(padding).toBeGreaterThan(0);
  expect(padding).toBeLessThan(32 * 1024 - 'PAD'.length);
  return requestWithPadding(padding);
}

function refusalOf(detail: DeployRequestInput) {
  try {
    inputBytes(detail);
  } catch (error) {
    if (isInputError(error)) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('workflow input over 224 KiB (its states could outgrow 256 KiB) — refused up front', () => {
  it('accepts a request whose workflow input is one byte under the limit, and one exactly at it', () => {
    expect(inputBytes(requestOfInputSize(MAX_EXECUTION_INPUT_BYTES - 1))).toBe(MAX_EXECUTION_INPUT_BYTES - 1);
    expect(inputBytes(requestOfInputSize(MAX_EXECUTION_INPUT_BYTES))).toBe(MAX_EXECUTION_INPUT_BYTES);
    countReliability('hostileInputsTried', 2);
  });

  it('refuses one byte over, saying the size, the limit and what to do', () => {
    const error = refusalOf(requestOfInputSize(MAX_EXECUTION_INPUT_BYTES + 1));

    expect(error.name).toBe('ExecutionInputTooLargeError');
    expect(error.problems).toEqual([
      {
        path: 'services',
        message: expect.stringContaining(`${MAX_EXECUTION_INPUT_BYTES + 1} bytes`),
      },
    ]);
    const message = error.problems[0]?.message ?? '';
    expect(message).toContain(
      `${MAX_EXECUTION_INPUT_BYTES} bytes (224 KiB: Step Functions allows 256 KiB per state`,
    );
    expect(message).toContain('fewer services per environment');
    expect(message).toContain('smaller environment values');
    countReliability('hostileInputsTried');
  });
});

const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);

const deps = () => requestDeps(NOW);

describe('Deploy Requested handler — workflow input over 224 KiB', () => {
  beforeEach(() => {
    sfn.reset();
    dynamodb.reset();
    eventbridge.reset();
    dynamodb.on(UpdateItemCommand).resolves({});
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
  });

  it('starts nothing, takes no lock and emits Deployment Failed naming the size', async () => {
    const detail = requestOfInputSize(MAX_EXECUTION_INPUT_BYTES + 1);

    const outcome = await deployRequested(
      { 'detail-type': 'Deploy Requested', source: 'modeshift', detail },
      deps(),
    );

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'services' })],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Deployment Failed',
          Detail: expect.stringContaining(`over modeshift's limit of ${MAX_EXECUTION_INPUT_BYTES} bytes`),
        }),
      ],
    });
    countReliability('hostileInputsTried');
  });
});
