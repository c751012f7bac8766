import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deployRequested } from '../../functions/deploy-requested.ts';
import { downRequested } from '../../functions/down-requested.ts';
import { workflowFinished } from '../../functions/workflow-finished.ts';
import { DEPLOY_MACHINE, DOWN_MACHINE, requestDeps } from '../support/request-deps.ts';

const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);

const NOW = new Date('2026-11-26T08:00:00Z');

const deps = () => requestDeps(NOW);

const detail = {
  project: 'shop',
  environment: 'pr-1',
  mode: 'dev',
  deploymentId: 'build-7',
  services: [{ name: 'web', image: 'nginx:1.27', ports: [80], public: true }],
};
const event = { 'detail-type': 'Deploy Requested', source: 'modeshift', detail };

/** The Down Requested event modeshift puts on its bus, carrying `downDetail`. */
const downEvent = (downDetail: Record<string, unknown>) => ({
  'detail-type': 'Down Requested',
  source: 'modeshift',
  detail: downDetail,
});

beforeEach(() => {
  sfn.reset();
  dynamodb.reset();
  eventbridge.reset();
  ssm.reset();
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(GetItemCommand).resolves({});
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} }));
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  sfn.on(StartExecutionCommand).resolves({
    executionArn: `${DEPLOY_MACHINE.replace(':stateMachine:', ':execution:')}:shop--pr-1--build-7`,
  });
});

describe('Deploy Requested handler', () => {
  it('takes the environment’s lock and starts the deploy workflow named from the deployment id', async () => {
    const outcome = await deployRequested(event, deps());

    expect(outcome).toMatchObject({ outcome: 'started', executionName: 'shop--pr-1--build-7' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: expect.stringContaining('REMOVE #queued'),
      ConditionExpression: 'attribute_not_exists(#lockId) OR #lockExpiresAt < :now',
      ExpressionAttributeValues: expect.objectContaining({
        ':id': { S: 'build-7' },
        ':now': { S: NOW.toISOString() },
      }),
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: DEPLOY_MACHINE,
      name: 'shop--pr-1--build-7',
    });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toMatchObject({
      action: 'deploy',
      mode: 'development',
      policy: { capacityProvider: 'FARGATE_SPOT' },
    });
  });

  it('accepts the plain request JSON, as the SST Console invokes it', async () => {
    const outcome = await deployRequested(detail, deps());

    expect(outcome.outcome).toBe('started');
  });

  it('rejects a bad request: starts nothing and emits Deployment Failed naming the field', async () => {
    const outcome = await deployRequested({ ...event, detail: { ...detail, mode: 'turbo' } }, deps());

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'mode' })],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Deployment Failed',
          Detail: expect.stringContaining('"path":"mode"'),
        }),
      ],
    });
  });

  it('rejects an event from another source', async () => {
    const outcome = await deployRequested({ ...event, source: 'aws.s3' }, deps());

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'source' })],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts nothing new for a duplicate and returns the existing execution, touching neither lock nor queue', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as never);

    const outcome = await deployRequested(event, deps());

    expect(outcome).toMatchObject({ outcome: 'duplicate', executionName: 'shop--pr-1--build-7' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('treats a duplicate of a request that already finished the same way: no lock, no queue', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);

    const outcome = await deployRequested(event, deps());

    expect(outcome.outcome).toBe('duplicate');
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('returns the execution when two deliveries race past the check and one starts it first', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn
      .on(DescribeExecutionCommand)
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolves({ status: 'RUNNING' } as never);

    const outcome = await deployRequested(event, deps());

    expect(outcome).toMatchObject({ outcome: 'duplicate', executionName: 'shop--pr-1--build-7' });
  });

  it('queues the request while another deployment holds the environment', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'locked', $metadata: {} }))
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'not ours', $metadata: {} }))
      .resolves({});

    const outcome = await deployRequested(event, deps());

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET #queued = :queued',
      ConditionExpression: 'attribute_exists(#lockId) AND #lockId <> :id AND #lockExpiresAt >= :now',
      ExpressionAttributeValues: expect.objectContaining({
        ':queued': { S: expect.stringContaining('"deploymentId":"build-7"') },
      }),
    });
  });

  it('supersedes an older queued request for the same environment', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'locked', $metadata: {} }))
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'not ours', $metadata: {} }))
      .resolves({
        Attributes: {
          queued: {
            S: JSON.stringify({ kind: 'deploy', deploymentId: 'build-6', detail: {}, queuedAt: '' }),
          },
        },
      });

    const outcome = await deployRequested(event, deps());

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7', superseded: 'build-6' });
  });

  it('releases the lock and emits Deployment Failed when the workflow cannot start', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('state machine does not exist'));

    await expect(deployRequested(event, deps())).rejects.toThrow('state machine does not exist');
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'REMOVE #lockId, #lockExpiresAt, #lockExecution',
    });
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Deployment Failed',
          Detail: expect.stringContaining('could not start'),
        }),
      ],
    });
  });
});

describe('Deploy Requested handler — a lock whose holder execution has ended', () => {
  const HOLDER = `${DEPLOY_MACHINE.replace(':stateMachine:', ':execution:')}:shop--pr-1--build-6`;
  const TAKE_OVER = '#lockId = :holder AND #lockExecution = :holderExecution';

  /** The environment locked by build-6, whose lock is live and names `execution` its holder (if any). */
  function lockedBy(execution?: string) {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'locked', $metadata: {} }))
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'not ours', $metadata: {} }))
      .resolves({});
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        lockId: { S: 'build-6' },
        lockExpiresAt: { S: '2026-11-26T10:00:00.000Z' },
        ...(execution ? { lockExecution: { S: execution } } : {}),
      },
    });
  }

  /** DescribeExecution of the holder answers `status`; the request's own execution does not exist yet. */
  function holderIs(
    status: 'RUNNING' | 'FAILED' | 'SUCCEEDED' | 'ABORTED' | 'TIMED_OUT' | 'PENDING_REDRIVE',
  ) {
    sfn.on(DescribeExecutionCommand, { executionArn: HOLDER }).resolves({ executionArn: HOLDER, status });
  }

  it.for(['FAILED', 'ABORTED', 'TIMED_OUT', 'SUCCEEDED'] as const)(
    'takes over the lock of a holder that ended %s, on the holder it read, and starts the workflow',
    async (status) => {
      lockedBy(HOLDER);
      holderIs(status);

      const outcome = await deployRequested(event, deps());

      expect(outcome).toMatchObject({ outcome: 'started', executionName: 'shop--pr-1--build-7' });
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: HOLDER });
      expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
      expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
        UpdateExpression:
          'SET #lockId = :id, #lockExpiresAt = :expires, #project = :project, #environment = :environment REMOVE #queued, #lockExecution',
        ConditionExpression: TAKE_OVER,
        ExpressionAttributeValues: expect.objectContaining({
          ':id': { S: 'build-7' },
          ':holder': { S: 'build-6' },
          ':holderExecution': { S: HOLDER },
        }),
      });
      expect(dynamodb).not.toHaveReceivedCommandWith(UpdateItemCommand, {
        UpdateExpression: 'SET #queued = :queued',
      });
    },
  );

  it.for(['RUNNING', 'PENDING_REDRIVE'] as const)(
    'honours the lock of a holder that is %s: the request is queued',
    async (status) => {
      lockedBy(HOLDER);
      holderIs(status);

      const outcome = await deployRequested(event, deps());

      expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7' });
      expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
      expect(dynamodb).not.toHaveReceivedCommandWith(UpdateItemCommand, { ConditionExpression: TAKE_OVER });
    },
  );

  it('honours a lock whose holder Step Functions does not know until it expires', async () => {
    lockedBy(HOLDER);

    const outcome = await deployRequested(event, deps());

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7' });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: HOLDER });
    expect(dynamodb).not.toHaveReceivedCommandWith(UpdateItemCommand, { ConditionExpression: TAKE_OVER });
  });

  it('honours a lock that names no holder execution until it expires, asking Step Functions nothing of it', async () => {
    lockedBy(undefined);

    const outcome = await deployRequested(event, deps());

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7' });
    expect(sfn).not.toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: HOLDER });
    expect(dynamodb).not.toHaveReceivedCommandWith(UpdateItemCommand, { ConditionExpression: TAKE_OVER });
  });

  it('is queued when another request took the ended holder’s lock over first', async () => {
    lockedBy(HOLDER);
    holderIs('FAILED');
    dynamodb
      .on(UpdateItemCommand, { ConditionExpression: TAKE_OVER })
      .rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));

    const outcome = await deployRequested(event, deps());

    expect(outcome).toEqual({ outcome: 'queued', deploymentId: 'build-7' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('Down Requested handler', () => {
  it('starts the down workflow for the environment, keeping confirm for the workflow to check', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const outcome = await downRequested(
      downEvent({ project: 'shop', environment: 'main', confirm: 'main' }),
      deps(),
    );

    expect(outcome.outcome).toBe('started');
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.stateMachineArn).toBe(DOWN_MACHINE);
    expect(JSON.parse(call?.input ?? '{}')).toMatchObject({
      action: 'down',
      confirm: 'main',
      environment: 'main',
    });
  });

  it('accepts the expiry schedule’s request, which names a reason', async () => {
    const outcome = await downRequested(
      downEvent({ project: 'shop', environment: 'pr-1', reason: 'expired' }),
      deps(),
    );

    expect(outcome.outcome).toBe('started');
  });

  it('rejects a down request without an environment and emits Teardown Failed', async () => {
    const outcome = await downRequested({ project: 'shop' }, deps());

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'environment' })],
    });
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Teardown Failed' })],
    });
  });
});

describe('workflow finished — the queued request starts', () => {
  it('starts the request queued for the environment once the running workflow ends', async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        queued: {
          S: JSON.stringify({ kind: 'deploy', deploymentId: 'build-7', detail, queuedAt: NOW.toISOString() }),
        },
      },
    });

    const outcome = await workflowFinished({ detail: { project: 'shop', environment: 'pr-1' } }, deps());

    expect(outcome).toMatchObject({ outcome: 'started', executionName: 'shop--pr-1--build-7' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET #lockId = :id, #lockExpiresAt = :expires REMOVE #queued, #lockExecution',
    });
  });

  it('takes over the lock the finished execution could not release, when its outcome event names it', async () => {
    const finished = `${DEPLOY_MACHINE.replace(':stateMachine:', ':execution:')}:shop--pr-1--build-6`;
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        queued: {
          S: JSON.stringify({ kind: 'deploy', deploymentId: 'build-7', detail, queuedAt: NOW.toISOString() }),
        },
      },
    });

    const outcome = await workflowFinished(
      { detail: { project: 'shop', environment: 'pr-1', executionArn: finished } },
      deps(),
    );

    expect(outcome).toMatchObject({ outcome: 'started', executionName: 'shop--pr-1--build-7' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression:
        '#queued = :queued AND (attribute_not_exists(#lockId) OR #lockId = :id OR #lockExpiresAt < :now OR #lockExecution = :finished)',
      ExpressionAttributeValues: expect.objectContaining({ ':finished': { S: finished } }),
    });
  });

  it('does nothing when nothing is queued', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: {} });

    expect(await workflowFinished({ detail: { project: 'shop', environment: 'pr-1' } }, deps())).toEqual({
      outcome: 'idle',
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('Deploy Requested handler — config values', () => {
  /** The request with an API and a worker that read config values: API_KEY (both) and SIGNING_SECRET (api). */
  const needing = {
    ...detail,
    services: [
      { name: 'api', image: 'nginx:1.27', secrets: ['API_KEY', 'SIGNING_SECRET'] },
      { name: 'worker', image: 'nginx:1.27', secrets: ['API_KEY'] },
    ],
  };
  const needingEvent = { ...event, detail: needing };
  /** Parameter Store holding only `names` under shop/pr-1. */
  const stored = (...names: string[]) =>
    ssm.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
      Parameters: Names.filter((name) => names.some((set) => name.endsWith(`/${set}`))).map((Name) => ({
        Name,
      })),
      InvalidParameters: Names.filter((name) => !names.some((set) => name.endsWith(`/${set}`))),
    }));
  const failureDetail = () =>
    JSON.parse(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}');

  it('refuses a deploy whose config values are not set: one problem per name, no lock, no workflow', async () => {
    stored();

    const outcome = await deployRequested(needingEvent, deps());

    const problems = [
      {
        path: 'services.api.environment.API_KEY',
        message:
          'config value API_KEY is not set (also needed by worker): modeshift config set API_KEY --env pr-1 --project shop',
      },
      {
        path: 'services.api.environment.SIGNING_SECRET',
        message:
          'config value SIGNING_SECRET is not set: modeshift config set SIGNING_SECRET --env pr-1 --project shop',
      },
    ];
    expect(outcome).toEqual({ outcome: 'rejected', problems });
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
      Names: ['/modeshift/shop/pr-1/API_KEY', '/modeshift/shop/pr-1/SIGNING_SECRET'],
      WithDecryption: false,
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Deployment Failed', Source: 'modeshift' })],
    });
    expect(failureDetail()).toMatchObject({
      error: 'the deploy needs config values that are not set in shop/pr-1',
      problems,
    });
  });

  it('names only the values that are missing', async () => {
    stored('API_KEY');

    const outcome = await deployRequested(needingEvent, deps());

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'services.api.environment.SIGNING_SECRET' })],
    });
    expect(failureDetail().problems).toHaveLength(1);
  });

  it('starts the deploy once every value is set', async () => {
    stored('API_KEY', 'SIGNING_SECRET');

    const outcome = await deployRequested(needingEvent, deps());

    expect(outcome).toMatchObject({ outcome: 'started', executionName: 'shop--pr-1--build-7' });
    expect(eventbridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('asks Parameter Store nothing for a duplicate delivery of a started deploy', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as never);

    const outcome = await deployRequested(needingEvent, deps());

    expect(outcome.outcome).toBe('duplicate');
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(eventbridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('checks a queued deploy again when it starts, and releases the lock when a value is gone', async () => {
    stored('API_KEY');
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        queued: {
          S: JSON.stringify({
            kind: 'deploy',
            deploymentId: 'build-7',
            detail: needing,
            queuedAt: NOW.toISOString(),
          }),
        },
      },
    });

    const outcome = await workflowFinished({ detail: { project: 'shop', environment: 'pr-1' } }, deps());

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'services.api.environment.SIGNING_SECRET' })],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'REMOVE #lockId, #lockExpiresAt, #lockExecution',
      ExpressionAttributeValues: { ':id': { S: 'build-7' } },
    });
    expect(failureDetail()).toMatchObject({ request: needing });
  });
});

describe('request handlers — the projects this modeshift serves', () => {
  const serving = (...patterns: string[]) => ({ ...deps(), servedProjects: patterns });

  it('refuses a deploy for a project outside MODESHIFT_PROJECTS up front: no lock, no workflow, Deployment Failed at project', async () => {
    const outcome = await deployRequested(event, serving('blog', 'team-*'));

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [
        {
          path: 'project',
          message: expect.stringContaining(
            '"shop" is not a project this modeshift serves (MODESHIFT_PROJECTS: blog, team-*)',
          ),
        },
      ],
    });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(eventbridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          DetailType: 'Deployment Failed',
          Detail: expect.stringContaining('"path":"project"'),
        }),
      ],
    });
  });

  it('refuses a down for a project outside them the same way', async () => {
    const outcome = await downRequested(downEvent({ project: 'shop', environment: 'pr-1' }), serving('blog'));

    expect(outcome).toMatchObject({
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'project' })],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts a request whose project matches a pattern, as IAM StringLike matches it', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: [] });

    const outcome = await deployRequested(event, serving('blog', 's?o*'));

    expect(outcome).toMatchObject({ outcome: 'started' });
  });
});

describe('Deploy Requested handler — VPC range', () => {
  const ec2 = mockClient(EC2Client);
  const withEc2 = () => ({ ...deps(), ec2: async () => new EC2Client({ region: 'us-east-1' }) });
  const ranged = { ...event, detail: { ...detail, vpcCidr: '10.7.0.0/16' } };

  beforeEach(() => {
    ec2.reset();
  });

  it("refuses a vpcCidr another environment's VPC overlaps, naming vpcCidr: no lock, no workflow", async () => {
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: 'vpc-blog',
          CidrBlock: '10.7.0.0/16',
          Tags: [
            { Key: 'modeshift:project', Value: 'blog' },
            { Key: 'modeshift:environment', Value: 'main' },
          ],
        },
      ],
    });

    const outcome = await deployRequested(ranged, withEc2());

    expect(outcome).toEqual({
      outcome: 'rejected',
      problems: [
        {
          path: 'vpcCidr',
          message:
            '10.7.0.0/16 overlaps 10.7.0.0/16 of VPC vpc-blog (blog/main): pick a range no other environment uses',
        },
      ],
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('starts a deploy whose range is free, and reads no VPC for a request naming none', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolves({ Vpcs: [{ VpcId: 'vpc-team', CidrBlock: '10.7.0.0/16', Tags: [] }] });

    expect((await deployRequested(ranged, withEc2())).outcome).toBe('started');
    expect(ec2).toHaveReceivedCommand(DescribeVpcsCommand);

    ec2.reset();
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
    expect((await deployRequested(event, withEc2())).outcome).toBe('started');
    expect(ec2).not.toHaveReceivedCommand(DescribeVpcsCommand);
  });
});

describe('Deploy Requested handler — the installation’s VPC', () => {
  const vpc = {
    id: 'vpc-0abc12345',
    publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
    privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
  };
  const startedInput = () =>
    JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');

  it('deploys a request that names no network into MODESHIFT_VPC', async () => {
    const outcome = await deployRequested(event, { ...deps(), installVpc: vpc });

    expect(outcome.outcome).toBe('started');
    expect(startedInput()).toMatchObject({ vpc, inTeamVpc: true, natGatewayCount: 0 });
  });

  it('keeps the network a request names', async () => {
    await deployRequested(
      { ...event, detail: { ...detail, vpcCidr: '10.9.0.0/16' } },
      { ...deps(), installVpc: vpc },
    );

    expect(startedInput()).toMatchObject({ vpc: null, vpcCidr: '10.9.0.0/16', inTeamVpc: false });
  });
});
