import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../../engine/run-workflow.ts';
import { fixture, testClients } from './fixtures.ts';

const rds = mockClient(RDSClient);
const route53 = mockClient(Route53Client);
const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);

const created = new Date('2026-05-01T12:00:00.000Z');

beforeEach(() => {
  for (const mock of [rds, route53, ec2, s3]) mock.reset();
  rds.on(DescribeDBInstancesCommand).resolves({
    $metadata: { httpStatusCode: 200 },
    DBInstances: [
      {
        DBInstanceIdentifier: 'shop-pr-42-db',
        DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:shop-pr-42-db',
        DBInstanceStatus: 'available',
        CACertificateIdentifier: 'rds-ca-rsa2048-g1',
        Endpoint: { Address: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com', Port: 5432 },
        InstanceCreateTime: created,
      },
    ],
  });
  route53.on(ChangeResourceRecordSetsCommand).resolves({
    ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: created },
  });
  ec2
    .on(CreateVpcCommand)
    .resolves({ Vpc: { VpcId: 'vpc-0abc', CidrBlock: '10.0.0.0/16', IsDefault: false } });
});

afterAll(() => {
  for (const mock of [rds, route53, ec2, s3]) mock.restore();
});

function runCasing() {
  return runWorkflow(
    fixture('casing.asl.json'),
    { database: 'shop-pr-42-db' },
    { clients: testClients(), timeScale: 0 },
  );
}

describe('local engine — aws-sdk integrations', () => {
  it('sends RDS DbInstanceIdentifier as the SDK member DBInstanceIdentifier', async () => {
    await runCasing();

    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      DBInstanceIdentifier: 'shop-pr-42-db',
    });
  });

  it('sends Route 53 Ttl inside the ChangeBatch as TTL', async () => {
    await runCasing();

    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z123',
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'db.pr-42.shop.internal',
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com' }],
            },
          },
        ],
      },
    });
  });

  it('sends EC2 TagSpecifications with their nested tags', async () => {
    await runCasing();

    expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, {
      CidrBlock: '10.0.0.0/16',
      TagSpecifications: [
        {
          ResourceType: 'vpc',
          Tags: [
            { Key: 'modeshift:project', Value: 'shop' },
            { Key: 'modeshift:environment', Value: 'pr-42' },
          ],
        },
      ],
    });
  });

  it('returns results in Step Functions casing, with dates as ISO strings', async () => {
    const result = await runCasing();

    expect(result.output).toMatchObject({
      db: {
        arn: 'arn:aws:rds:us-east-1:123456789012:db:shop-pr-42-db',
        status: 'available',
        address: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com',
        created: '2026-05-01T12:00:00.000Z',
      },
      change: {
        ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: '2026-05-01T12:00:00.000Z' },
      },
      vpc: { Vpc: { VpcId: 'vpc-0abc', CidrBlock: '10.0.0.0/16', IsDefault: false } },
    });
  });

  it('renames acronym members the Java way and drops $metadata', async () => {
    const definition = fixture('sdk-call.asl.json');

    const result = await runWorkflow(
      definition,
      {},
      {
        clients: testClients(),
        placeholders: { Service: 'rds', Action: 'describeDBInstances', ErrorName: 'States.ALL' },
      },
    );

    expect(result.output).toEqual({
      DbInstances: [
        {
          DbInstanceIdentifier: 'shop-pr-42-db',
          DbInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:shop-pr-42-db',
          DbInstanceStatus: 'available',
          CaCertificateIdentifier: 'rds-ca-rsa2048-g1',
          Endpoint: { Address: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com', Port: 5432 },
          InstanceCreateTime: '2026-05-01T12:00:00.000Z',
        },
      ],
    });
  });

  it('fails with States.Runtime, which no Catch matches, on a member the API does not have', async () => {
    const result = await runWorkflow(
      fixture('sdk-call.asl.json'),
      { CidrBlok: '10.0.0.0/16' },
      {
        clients: testClients(),
        placeholders: { Service: 'ec2', Action: 'createVpc', ErrorName: 'States.ALL' },
      },
    );

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: '$: "CidrBlok" is not a member of CreateVpcRequest',
      failedState: 'Call',
    });
    expect(ec2).not.toHaveReceivedCommand(CreateVpcCommand);
  });

  it('refuses to start a definition calling an action the SDK does not have', async () => {
    const run = runWorkflow(
      fixture('sdk-call.asl.json'),
      {},
      {
        clients: testClients(),
        placeholders: { Service: 'ec2', Action: 'createVpcs', ErrorName: 'States.ALL' },
      },
    );

    await expect(run).rejects.toThrow(
      'state "Call" (arn:aws:states:::aws-sdk:ec2:createVpcs): service "ec2" has no action "createVpcs"',
    );
  });
});
