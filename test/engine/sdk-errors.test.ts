import { CloudWatchLogsClient, ResourceAlreadyExistsException } from '@aws-sdk/client-cloudwatch-logs';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateVpcCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DBInstanceNotFoundFault, RDSClient } from '@aws-sdk/client-rds';
import { NoSuchHostedZone, Route53Client, Route53ServiceException } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsServiceById, SERVICE_IDS } from '../../core/aws-services.ts';
import { javaServiceName } from '../../engine/java-names.ts';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, testClients } from './fixtures.ts';

const metadata = { httpStatusCode: 400, requestId: 'req-1' };
const mocks = {
  rds: mockClient(RDSClient),
  ec2: mockClient(EC2Client),
  cloudwatchlogs: mockClient(CloudWatchLogsClient),
  route53: mockClient(Route53Client),
  elasticloadbalancingv2: mockClient(ElasticLoadBalancingV2Client),
  dynamodb: mockClient(DynamoDBClient),
};

beforeEach(() => {
  for (const mock of Object.values(mocks)) mock.reset();
});

/** Makes every call of `service`'s client fail with `error`. */
function rejectEveryCall(service: keyof typeof mocks, error: Error): void {
  const mock: { onAnyCommand(): { rejects(error: Error): unknown } } = mocks[service];
  mock.onAnyCommand().rejects(error);
}

afterAll(() => {
  for (const mock of Object.values(mocks)) mock.restore();
});

function throttled(): EC2ServiceException {
  return new EC2ServiceException({
    name: 'RequestLimitExceeded',
    $fault: 'client',
    $metadata: { httpStatusCode: 503, requestId: 'req-throttled' },
    message: 'Request limit exceeded.',
  });
}

describe('local engine — SDK errors as Step Functions names them', () => {
  it.each([
    {
      service: 'rds' as const,
      action: 'describeDBInstances',
      thrown: new DBInstanceNotFoundFault({ $metadata: metadata, message: 'DBInstance db1 not found.' }),
      errorName: 'Rds.DbInstanceNotFoundException',
    },
    {
      service: 'ec2' as const,
      action: 'describeVpcs',
      thrown: new EC2ServiceException({
        name: 'InvalidVpcID.NotFound',
        $fault: 'client',
        $metadata: metadata,
        message: "The vpc ID 'vpc-1' does not exist",
      }),
      errorName: 'Ec2.Ec2Exception',
    },
    {
      service: 'cloudwatchlogs' as const,
      action: 'createLogGroup',
      thrown: new ResourceAlreadyExistsException({
        $metadata: metadata,
        message: 'The specified log group already exists',
      }),
      errorName: 'CloudWatchLogs.ResourceAlreadyExistsException',
    },
    {
      service: 'route53' as const,
      action: 'getHostedZone',
      thrown: new NoSuchHostedZone({ $metadata: metadata, message: 'No hosted zone found with ID: Z1' }),
      errorName: 'Route53.NoSuchHostedZoneException',
    },
    {
      service: 'elasticloadbalancingv2' as const,
      action: 'describeLoadBalancers',
      thrown: new LoadBalancerNotFoundException({ $metadata: metadata, message: 'Load balancers not found' }),
      errorName: 'ElasticLoadBalancingV2.LoadBalancerNotFoundException',
    },
    {
      service: 'dynamodb' as const,
      action: 'putItem',
      thrown: new ConditionalCheckFailedException({
        $metadata: metadata,
        message: 'The conditional request failed',
      }),
      errorName: 'DynamoDb.ConditionalCheckFailedException',
    },
  ])(
    'names a $service error $errorName so a Catch on that name matches',
    async ({ service, action, thrown, errorName }) => {
      rejectEveryCall(service, thrown);

      const result = await runWorkflow(
        fixture('sdk-call.asl.json'),
        {},
        { clients: testClients(), placeholders: { Service: service, Action: action, ErrorName: errorName } },
      );

      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toEqual({
        error: { Error: errorName, Cause: expect.stringContaining(thrown.message) },
      });
    },
  );

  it('puts the SDK message, service, status code and request id in the cause', async () => {
    mocks.rds
      .onAnyCommand()
      .rejects(new DBInstanceNotFoundFault({ $metadata: metadata, message: 'DBInstance db1 not found.' }));

    const result = await runWorkflow(
      fixture('sdk-call.asl.json'),
      {},
      {
        clients: testClients(),
        placeholders: { Service: 'rds', Action: 'describeDBInstances', ErrorName: 'States.ALL' },
      },
    );

    expect(result.output).toEqual({
      error: {
        Error: 'Rds.DbInstanceNotFoundException',
        Cause: 'DBInstance db1 not found. (Service: Rds, Status Code: 400, Request ID: req-1)',
      },
    });
  });

  it('keeps the error code of an error the model does not declare in the cause', async () => {
    mocks.route53.onAnyCommand().rejects(
      new Route53ServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );

    const result = await runWorkflow(
      fixture('sdk-call.asl.json'),
      {},
      {
        clients: testClients(),
        placeholders: {
          Service: 'route53',
          Action: 'listHostedZones',
          ErrorName: 'Route53.Route53Exception',
        },
      },
    );

    expect(result.output).toEqual({
      error: {
        Error: 'Route53.Route53Exception',
        Cause: 'Rate exceeded (Service: Route53, Status Code: 400, Error Code: Throttling)',
      },
    });
  });

  it.each(['States.TaskFailed', 'States.ALL'])('matches any SDK error with %s', async (errorName) => {
    mocks.ec2.onAnyCommand().rejects(throttled());

    const result = await runWorkflow(
      fixture('sdk-call.asl.json'),
      {},
      {
        clients: testClients(),
        placeholders: { Service: 'ec2', Action: 'describeVpcs', ErrorName: errorName },
      },
    );

    expect(result.output).toMatchObject({ error: { Error: 'Ec2.Ec2Exception' } });
  });

  it.each(['Ec2.Ec2Exception', 'States.TaskFailed', 'States.ALL'])(
    'retries a throttled EC2 call on %s until the third attempt succeeds',
    async (retryOn) => {
      mocks.ec2
        .on(CreateVpcCommand)
        .rejectsOnce(throttled())
        .rejectsOnce(throttled())
        .resolves({ Vpc: { VpcId: 'vpc-0abc' } });

      const result = await runWorkflow(
        fixture('throttled-call.asl.json'),
        {},
        { clients: testClients(), timeScale: 0, placeholders: { RetryOn: retryOn } },
      );

      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { Vpc: { VpcId: 'vpc-0abc' } } });
      expect(mocks.ec2).toHaveReceivedCommandTimes(CreateVpcCommand, 3);
      const retries = result.events.filter((event) => event.type === 'StateRetried');
      expect(retries).toHaveLength(2);
      // Each retry names the failure it retries, as the progress lines show it.
      expect(retries.map((event) => event.error)).toEqual(['Ec2.Ec2Exception', 'Ec2.Ec2Exception']);
    },
  );

  it('fails the execution with the throttling cause once the retries run out', async () => {
    mocks.ec2.on(CreateVpcCommand).rejects(throttled());

    const result = await runWorkflow(
      fixture('throttled-call.asl.json'),
      {},
      { clients: testClients(), timeScale: 0, placeholders: { RetryOn: 'Ec2.Ec2Exception' } },
    );

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Ec2.Ec2Exception',
      cause:
        'Request limit exceeded. (Service: Ec2, Status Code: 503, Error Code: RequestLimitExceeded, Request ID: req-throttled)',
      failedState: 'CreateVpc',
    });
    expect(mocks.ec2).toHaveReceivedCommandTimes(CreateVpcCommand, 4);
  });

  it('names an error that never reached the service <Service>.SdkClientException', async () => {
    mocks.ec2.onAnyCommand().rejects(new TypeError('fetch failed'));

    const result = await runWorkflow(
      fixture('sdk-call.asl.json'),
      {},
      {
        clients: testClients(),
        placeholders: { Service: 'ec2', Action: 'describeVpcs', ErrorName: 'Ec2.SdkClientException' },
      },
    );

    expect(result.output).toMatchObject({ error: { Error: 'Ec2.SdkClientException' } });
  });

  it.each(SERVICE_IDS)('uses the Java SDK service name of %s as the error prefix', (serviceId) => {
    const entry = awsServiceById(serviceId);
    const client = entry ? new entry.client({ region: 'us-east-1' }) : undefined;

    expect(entry?.errorPrefix).toBe(javaServiceName(String(client?.config.serviceId)));
  });
});
