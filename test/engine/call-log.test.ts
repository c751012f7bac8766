/**
 * The call log (engine/call-log.ts): every call a run sends through an SDK
 * client is written with the principal that makes it on AWS — the state
 * machine's role for a Task, the step's role for the calls a Lambda step
 * makes — with what its response says of the resources; the engine adds the
 * invocation of the step, which the state machine's role makes. Clients here
 * are real SDK clients whose innermost middleware answers in AWS's stead.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, DescribeClustersCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsServiceById } from '../../core/aws-services.ts';
import type { LoggedCall } from '../../core/iam/calls/logged-call.ts';
import { asPrincipal } from '../../core/principal.ts';
import { CALL_LOG_VARIABLE, flushCallLog, logAwsCalls, responseFacts } from '../../engine/call-log.ts';
import type { ClientFactory } from '../../engine/clients.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { placeholder } from './fixtures.ts';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/shop--main';

/** Real SDK clients with the call log, answered by a middleware below it. */
function answeringClients(): ClientFactory {
  const made = new Map<string, ReturnType<ClientFactory>>();
  return (service) => {
    const existing = made.get(service);
    if (existing) return existing;
    const entry = awsServiceById(service);
    if (entry === undefined) throw new Error(`no service ${service}`);
    const client = new entry.client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    logAwsCalls(client, service, 'http://answering');
    client.middlewareStack.add(
      () => async () => ({
        output: {
          $metadata: {},
          clusters: [{ clusterArn: CLUSTER, tags: [{ key: 'modeshift:project', value: 'shop' }] }],
        },
        response: {},
      }),
      { step: 'initialize', priority: 'low', name: 'answer' },
    );
    made.set(service, client);
    return client;
  };
}

let directory: string;
let before: string | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'modeshift-call-log-'));
  before = process.env[CALL_LOG_VARIABLE];
  process.env[CALL_LOG_VARIABLE] = directory;
});

afterEach(() => {
  if (before === undefined) delete process.env[CALL_LOG_VARIABLE];
  else process.env[CALL_LOG_VARIABLE] = before;
  rmSync(directory, { recursive: true, force: true });
});

function logged(): LoggedCall[] {
  flushCallLog();
  return readdirSync(directory).flatMap((file) =>
    readFileSync(join(directory, file), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedCall),
  );
}

describe('the call log', () => {
  it('writes each call with the principal that makes it on AWS: the workflow for its Tasks, the step for its own calls', async () => {
    const definition = {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:ecs:describeClusters',
          Parameters: { Clusters: ['shop--main'] },
          ResultPath: null,
          Next: 'Probe',
        },
        Probe: { Type: 'Task', Resource: placeholder('ProbeFunctionArn'), End: true },
      },
    };
    await runWorkflow(
      definition,
      {},
      {
        clients: answeringClients(),
        stateMachineName: 'modeshift-deploy',
        lambdaSteps: {
          Probe: async (_input, context) => {
            await (context.clients('ecs') as ECSClient).send(
              new DescribeClustersCommand({ clusters: ['x'] }),
            );
            return {};
          },
        },
      },
    );

    const calls = logged().sort((a, b) => a.seq - b.seq);
    expect(calls.map((call) => [call.principal, call.service, call.operation])).toEqual([
      ['workflow/deploy', 'ecs', 'DescribeClusters'],
      ['workflow/deploy', 'lambda', 'Invoke'],
      ['step/Probe', 'ecs', 'DescribeClusters'],
    ]);
    expect(calls[0]).toMatchObject({
      endpoint: 'http://answering',
      input: { clusters: ['shop--main'] },
      tagged: [[CLUSTER, { 'modeshift:project': 'shop' }]],
    });
    expect(calls[1]?.synthetic).toBe(true);
  });

  it("writes the operator's creates (what a test makes for itself), not its reads, and a handler's calls as its function's", async () => {
    const ecs = answeringClients()('ecs') as ECSClient;
    await ecs.send(new DescribeClustersCommand({ clusters: ['a'] }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'foreign' }));
    await asPrincipal('function/DeployRequested', () =>
      ecs.send(new DescribeClustersCommand({ clusters: ['b'] })),
    );
    const calls = logged().filter((call) => !call.pending);
    expect(calls.map((call) => [call.principal, call.operation])).toEqual([
      ['operator', 'CreateCluster'],
      ['function/DeployRequested', 'DescribeClusters'],
    ]);
  });

  it('writes a create before it is sent too, so that a process killed meanwhile leaves it behind', async () => {
    const ecs = answeringClients()('ecs') as ECSClient;
    await asPrincipal('step/EnsureCluster', () =>
      ecs.send(new CreateClusterCommand({ clusterName: 'shop--main' })),
    );
    const [before, after] = logged();
    expect(before).toMatchObject({ operation: 'CreateCluster', pending: true });
    expect(after?.pending).toBeUndefined();
    expect(after?.id).toBe(before?.id);
  });

  it('writes nothing when MODESHIFT_CALL_LOG is unset', async () => {
    delete process.env[CALL_LOG_VARIABLE];
    await (answeringClients()('ecs') as ECSClient).send(new DescribeClustersCommand({ clusters: ['a'] }));
    expect(readdirSync(directory)).toEqual([]);
  });

  it('takes from a response the resources it names and their tags, and ignores what is no resource', () => {
    expect(
      responseFacts({
        Vpc: { VpcId: 'vpc-0abc', Tags: [{ Key: 'modeshift:project', Value: 'shop' }] },
        GroupName: 'not-a-resource',
      }),
    ).toEqual({ references: ['vpc-0abc'], tagged: [['vpc-0abc', { 'modeshift:project': 'shop' }]] });
  });
});
