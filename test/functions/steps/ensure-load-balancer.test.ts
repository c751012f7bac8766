import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  LoadBalancerNotFoundException,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupCommand,
  ResourceInUseException,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type TargetGroup,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { accessLogBucketName, environmentNames, serviceNames } from '../../../core/names.ts';
import {
  type EnsureLoadBalancerInput,
  ensureLoadBalancer,
} from '../../../functions/steps/ensure-load-balancer.ts';
import { networkRef } from '../../support/step-inputs.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const s3 = mockClient(S3Client);
const clients = {
  ddb: new DynamoDBClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
};

const ACCOUNT = '111122223333';
const LB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop--pr-42/50dc6c495c0c9188';
const WEB_TG = serviceNames('shop', 'pr-42', 'web').targetGroup;
const API_TG = serviceNames('shop', 'pr-42', 'api').targetGroup;
const BUCKET = accessLogBucketName('shop', 'pr-42', ACCOUNT, 'eu-west-1');

// The zones and public subnets the tests below check the load balancer is placed in.
const network = networkRef({
  publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b'],
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
});

/** The check a service without its own health-check path gets. */
const ROOT_CHECK = { healthCheckPath: '/', healthCheckPort: 'traffic-port' };

function deployInput(overrides: Partial<EnsureLoadBalancerInput> = {}): EnsureLoadBalancerInput {
  return {
    project: 'shop',
    environment: 'pr-42',
    names: environmentNames('shop', 'pr-42'),
    tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    network,
    targetGroups: [
      { service: 'web', name: WEB_TG, port: 3000, ...ROOT_CHECK },
      { service: 'api', name: API_TG, port: 8080, ...ROOT_CHECK },
    ],
    accessLogExpiryDays: 7,
    accountId: ACCOUNT,
    region: 'eu-west-1',
    ...overrides,
  };
}

const tgArn = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/${name}/0123456789abcdef`;

function loadBalancer(extra: Partial<LoadBalancer> = {}): LoadBalancer {
  return {
    LoadBalancerArn: LB_ARN,
    LoadBalancerName: 'shop--pr-42',
    DNSName: 'shop-pr-42-1234567890.eu-west-1.elb.amazonaws.com',
    CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
    Type: 'application',
    Scheme: 'internet-facing',
    SecurityGroups: ['sg-alb'],
    AvailabilityZones: [
      { ZoneName: 'eu-west-1a', SubnetId: 'subnet-pub-a' },
      { ZoneName: 'eu-west-1b', SubnetId: 'subnet-pub-b' },
    ],
    ...extra,
  };
}

function targetGroup(name: string, port: number, extra: Partial<TargetGroup> = {}): TargetGroup {
  return {
    TargetGroupArn: tgArn(name),
    TargetGroupName: name,
    Protocol: 'HTTP',
    Port: port,
    VpcId: 'vpc-1',
    TargetType: 'ip',
    HealthCheckProtocol: 'HTTP',
    HealthCheckPath: '/',
    HealthCheckPort: 'traffic-port',
    Matcher: { HttpCode: '200-399' },
    LoadBalancerArns: [LB_ARN],
    ...extra,
  };
}

const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
const forbidden = () =>
  new S3ServiceException({
    name: 'Forbidden',
    $fault: 'client',
    message: '',
    $metadata: { httpStatusCode: 403 },
  });
const lbNotFound = () => new LoadBalancerNotFoundException({ message: 'not found', $metadata: {} });
const tgNotFound = () => new TargetGroupNotFoundException({ message: 'not found', $metadata: {} });

/** Nothing exists yet: creates answer with what AWS returns. */
function nothingExists() {
  s3.on(HeadBucketCommand).rejects(notFound());
  elbv2.on(DescribeLoadBalancersCommand).rejects(lbNotFound());
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
  elbv2.on(DescribeTargetGroupsCommand, { Names: [WEB_TG] }).rejects(tgNotFound());
  elbv2.on(DescribeTargetGroupsCommand, { Names: [API_TG] }).rejects(tgNotFound());
  elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [loadBalancer()] });
  elbv2
    .on(CreateTargetGroupCommand, { Name: WEB_TG })
    .resolves({ TargetGroups: [targetGroup(WEB_TG, 3000)] });
  elbv2
    .on(CreateTargetGroupCommand, { Name: API_TG })
    .resolves({ TargetGroups: [targetGroup(API_TG, 8080)] });
}

/** Everything exists, tagged for shop/pr-42 by an earlier deployment, with the desired settings. */
function everythingExists(tags = modeshiftTags('shop', 'pr-42', 'development', 'deploy-0')) {
  s3.on(HeadBucketCommand).resolves({});
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: tags });
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [loadBalancer()] });
  elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [targetGroup(API_TG, 8080), targetGroup(WEB_TG, 3000)],
  });
  elbv2
    .on(DescribeTargetGroupsCommand, { Names: [WEB_TG] })
    .resolves({ TargetGroups: [targetGroup(WEB_TG, 3000)] });
  elbv2
    .on(DescribeTargetGroupsCommand, { Names: [API_TG] })
    .resolves({ TargetGroups: [targetGroup(API_TG, 8080)] });
  elbv2.on(DescribeTagsCommand).callsFake((request: { ResourceArns: string[] }) => ({
    TagDescriptions: request.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: tags })),
  }));
}

beforeEach(() => {
  elbv2.reset();
  s3.reset();
});

describe('EnsureLoadBalancer — access-log bucket', () => {
  it('creates the bucket named from project, environment, account and region in its region', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(s3).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
  });

  it('creates the bucket in us-east-1 without a LocationConstraint', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput({ region: 'us-east-1' }), clients);

    const create = s3.commandCalls(CreateBucketCommand)[0]?.args[0].input;
    expect(create).toEqual({ Bucket: accessLogBucketName('shop', 'pr-42', ACCOUNT, 'us-east-1') });
  });

  it('tags the bucket, blocks public access and encrypts it with SSE-S3', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, {
      Bucket: BUCKET,
      Tagging: { TagSet: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1') },
    });
    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      Bucket: BUCKET,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('lets the log-delivery service and the regional load balancer account write under the environment prefix', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '{}');
    const resource = `arn:aws:s3:::${BUCKET}/shop--pr-42/AWSLogs/${ACCOUNT}/*`;
    expect(policy.Statement.filter((statement: { Effect: string }) => statement.Effect === 'Allow')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: resource,
      }),
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::156460612806:root' },
        Action: 's3:PutObject',
        Resource: resource,
      }),
    ]);
  });

  it('grants only the log-delivery service in a region without a load balancer account', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput({ region: 'ap-southeast-5' }), clients);

    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '{}');
    const allowed = policy.Statement.filter((statement: { Effect: string }) => statement.Effect === 'Allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0].Principal).toEqual({
      Service: 'logdelivery.elasticloadbalancing.amazonaws.com',
    });
  });

  it('denies every request to the bucket and its objects that does not come over TLS', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '{}');
    expect(policy.Statement).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it("expires the access logs after the mode's log retention", async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput({ accessLogExpiryDays: 30 }), clients);

    expect(s3).toHaveReceivedCommandWith(PutBucketLifecycleConfigurationCommand, {
      Bucket: BUCKET,
      ExpectedBucketOwner: ACCOUNT,
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ Status: 'Enabled', Expiration: { Days: 30 } })],
      },
    });
  });

  it('names this account as the owner on every call on an existing bucket, so a squatted bucket is refused', async () => {
    nothingExists();
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketTaggingCommand).resolves({
      TagSet: modeshiftTags('shop', 'pr-42', 'development', 'deploy-0'),
    });

    await ensureLoadBalancer(deployInput(), clients);

    const calls = s3.calls().map((call) => call.args[0]);
    expect(calls.length).toBeGreaterThan(4);
    for (const command of calls) {
      expect(command.input, command.constructor.name).toMatchObject({ ExpectedBucketOwner: ACCOUNT });
    }
  });

  it('accepts BucketAlreadyOwnedByYou from a create that raced another run', async () => {
    nothingExists();
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ message: 'owned', $metadata: {} }));

    const result = await ensureLoadBalancer(deployInput(), clients);

    expect(result.accessLogBucket).toBe(BUCKET);
    expect(s3).toHaveReceivedCommand(PutBucketPolicyCommand);
  });

  it('refuses a bucket of that name tagged for another environment', async () => {
    everythingExists();
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: modeshiftTags('shop', 'pr-43', 'development', 'd') });

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining(BUCKET),
    });
    expect(s3).not.toHaveReceivedCommand(PutBucketTaggingCommand);
    expect(s3).not.toHaveReceivedCommand(PutBucketPolicyCommand);
  });

  it('refuses a bucket name another account holds', async () => {
    nothingExists();
    s3.on(HeadBucketCommand).rejects(forbidden());

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
  });
});

describe('EnsureLoadBalancer — load balancer', () => {
  it('creates the internet-facing application load balancer in both public subnets with its security group', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateLoadBalancerCommand, {
      Name: 'shop--pr-42',
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: ['subnet-pub-a', 'subnet-pub-b'],
      SecurityGroups: ['sg-alb'],
      Tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    });
  });

  it('looks the load balancer up by the environment name and checks its tags', async () => {
    everythingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { Names: ['shop--pr-42'] });
    expect(elbv2).toHaveReceivedCommandWith(DescribeTagsCommand, { ResourceArns: [LB_ARN] });
  });

  it('refuses a load balancer of that name tagged for another environment and changes nothing', async () => {
    everythingExists();
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [{ ResourceArn: LB_ARN, Tags: modeshiftTags('shop', 'pr-43', 'production', 'd') }],
    });

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('load balancer shop--pr-42 belongs to shop/pr-43, not shop/pr-42'),
    });
    expect(elbv2).not.toHaveReceivedCommand(CreateLoadBalancerCommand);
    expect(elbv2).not.toHaveReceivedCommand(AddTagsCommand);
    expect(elbv2).not.toHaveReceivedCommand(SetSubnetsCommand);
  });

  it('refuses an untagged load balancer of that name', async () => {
    everythingExists();
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: LB_ARN, Tags: [] }] });

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
  });

  it('creates nothing on a second run and returns the same references', async () => {
    nothingExists();
    const first = await ensureLoadBalancer(deployInput(), clients);
    elbv2.reset();
    s3.reset();
    everythingExists();

    const second = await ensureLoadBalancer(deployInput(), clients);

    expect(second).toEqual(first);
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
    expect(elbv2).not.toHaveReceivedCommand(CreateLoadBalancerCommand);
    expect(elbv2).not.toHaveReceivedCommand(CreateTargetGroupCommand);
    expect(elbv2).not.toHaveReceivedCommand(ModifyTargetGroupCommand);
    expect(elbv2).not.toHaveReceivedCommand(SetSubnetsCommand);
    expect(elbv2).not.toHaveReceivedCommand(SetSecurityGroupsCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });

  it('re-applies the new mode and deployment tags to the existing load balancer and target groups', async () => {
    everythingExists();
    const tags = modeshiftTags('shop', 'pr-42', 'production', 'deploy-2');

    await ensureLoadBalancer(deployInput({ tags }), clients);

    expect(elbv2).toHaveReceivedCommandWith(AddTagsCommand, { ResourceArns: [LB_ARN], Tags: tags });
    expect(elbv2).toHaveReceivedCommandWith(AddTagsCommand, { ResourceArns: [tgArn(WEB_TG)], Tags: tags });
    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, {
      Bucket: BUCKET,
      Tagging: { TagSet: tags },
    });
  });

  it('moves an existing load balancer to the current public subnets and security group', async () => {
    everythingExists();
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        loadBalancer({
          SecurityGroups: ['sg-old'],
          AvailabilityZones: [{ ZoneName: 'eu-west-1a', SubnetId: 'subnet-old' }],
        }),
      ],
    });

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(SetSubnetsCommand, {
      LoadBalancerArn: LB_ARN,
      Subnets: ['subnet-pub-a', 'subnet-pub-b'],
    });
    expect(elbv2).toHaveReceivedCommandWith(SetSecurityGroupsCommand, {
      LoadBalancerArn: LB_ARN,
      SecurityGroups: ['sg-alb'],
    });
  });

  it('leaves deletion protection and access logs to the workflow', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).not.toHaveReceivedCommand(ModifyLoadBalancerAttributesCommand);
  });

  it('returns the load balancer, its hosted zone, the bucket and a target group per service', async () => {
    nothingExists();

    const result = await ensureLoadBalancer(deployInput(), clients);

    expect(result).toEqual({
      arn: LB_ARN,
      dnsName: 'shop-pr-42-1234567890.eu-west-1.elb.amazonaws.com',
      canonicalHostedZoneId: 'Z32O12XQLNTSW2',
      accessLogBucket: BUCKET,
      shared: false,
      targetGroups: [
        { service: 'web', arn: tgArn(WEB_TG), port: 3000 },
        { service: 'api', arn: tgArn(API_TG), port: 8080 },
      ],
    });
  });
});

describe('EnsureLoadBalancer — target groups', () => {
  it('creates a target group per public service: HTTP on its port, ip targets in the VPC, health check / 200-399', async () => {
    nothingExists();

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).toHaveReceivedCommandTimes(CreateTargetGroupCommand, 2);
    expect(elbv2).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: WEB_TG,
      Protocol: 'HTTP',
      Port: 3000,
      VpcId: 'vpc-1',
      TargetType: 'ip',
      HealthCheckPath: '/',
      Matcher: { HttpCode: '200-399' },
      Tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    });
  });

  it('restores the health check of an existing target group that drifted', async () => {
    everythingExists();
    elbv2.on(DescribeTargetGroupsCommand, { Names: [WEB_TG] }).resolves({
      TargetGroups: [targetGroup(WEB_TG, 3000, { HealthCheckPath: '/health', Matcher: { HttpCode: '200' } })],
    });

    await ensureLoadBalancer(deployInput(), clients);

    expect(elbv2).toHaveReceivedCommandTimes(ModifyTargetGroupCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(ModifyTargetGroupCommand, {
      TargetGroupArn: tgArn(WEB_TG),
      HealthCheckPath: '/',
      Matcher: { HttpCode: '200-399' },
    });
  });

  it("checks a service's own health-check path and port, and moves an existing group to them", async () => {
    everythingExists();
    const check = { healthCheckPath: '/healthz?full=1', healthCheckPort: '9090' };

    await ensureLoadBalancer(
      deployInput({ targetGroups: [{ service: 'web', name: WEB_TG, port: 3000, ...check }] }),
      clients,
    );

    expect(elbv2).toHaveReceivedCommandWith(ModifyTargetGroupCommand, {
      TargetGroupArn: tgArn(WEB_TG),
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: '/healthz?full=1',
      HealthCheckPort: '9090',
      Matcher: { HttpCode: '200-399' },
    });
  });

  it('creates a target group that checks the service at its own path', async () => {
    nothingExists();

    await ensureLoadBalancer(
      deployInput({
        targetGroups: [
          {
            service: 'web',
            name: WEB_TG,
            port: 3000,
            healthCheckPath: '/ready',
            healthCheckPort: 'traffic-port',
          },
        ],
      }),
      clients,
    );

    expect(elbv2).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: WEB_TG,
      HealthCheckPath: '/ready',
      HealthCheckPort: 'traffic-port',
    });
  });

  it('refuses a target group of that name tagged for another environment', async () => {
    everythingExists();
    elbv2.on(DescribeTagsCommand, { ResourceArns: [tgArn(WEB_TG)] }).resolves({
      TagDescriptions: [
        { ResourceArn: tgArn(WEB_TG), Tags: modeshiftTags('shop', 'pr-43', 'development', 'd') },
      ],
    });

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining(WEB_TG),
    });
    expect(elbv2).not.toHaveReceivedCommandWith(AddTagsCommand, { ResourceArns: [tgArn(WEB_TG)] });
  });

  it('refuses a target group of that name in another VPC', async () => {
    everythingExists();
    elbv2.on(DescribeTargetGroupsCommand, { Names: [WEB_TG] }).resolves({
      TargetGroups: [targetGroup(WEB_TG, 3000, { VpcId: 'vpc-old' })],
    });

    await expect(ensureLoadBalancer(deployInput(), clients)).rejects.toMatchObject({
      name: 'Modeshift.ResourceConflict',
      message: expect.stringContaining('vpc-old'),
    });
  });

  it("deletes this environment's target group whose service is no longer public", async () => {
    everythingExists();

    await ensureLoadBalancer(
      deployInput({ targetGroups: [{ service: 'web', name: WEB_TG, port: 3000, ...ROOT_CHECK }] }),
      clients,
    );

    expect(elbv2).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: tgArn(API_TG) });
  });

  it('keeps an unwanted target group a listener still uses, for the next deploy to delete', async () => {
    everythingExists();
    elbv2
      .on(DeleteTargetGroupCommand)
      .rejects(new ResourceInUseException({ message: 'in use by a listener', $metadata: {} }));

    const result = await ensureLoadBalancer(
      deployInput({ targetGroups: [{ service: 'web', name: WEB_TG, port: 3000, ...ROOT_CHECK }] }),
      clients,
    );

    expect(result.targetGroups).toEqual([{ service: 'web', arn: tgArn(WEB_TG), port: 3000 }]);
  });

  it("never deletes another environment's target groups, even with a matching name prefix", async () => {
    everythingExists();
    const otherName = serviceNames('shop', 'pr-42-old', 'web').targetGroup;
    elbv2.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        targetGroup(WEB_TG, 3000),
        targetGroup(otherName, 80),
        targetGroup('blog-pr-42-web', 80),
      ],
    });
    elbv2.on(DescribeTagsCommand, { ResourceArns: [tgArn(WEB_TG), tgArn(otherName)] }).resolves({
      TagDescriptions: [
        { ResourceArn: tgArn(WEB_TG), Tags: modeshiftTags('shop', 'pr-42', 'development', 'd') },
        { ResourceArn: tgArn(otherName), Tags: modeshiftTags('shop', 'pr-42-old', 'development', 'd') },
      ],
    });

    await ensureLoadBalancer(
      deployInput({ targetGroups: [{ service: 'web', name: WEB_TG, port: 3000, ...ROOT_CHECK }] }),
      clients,
    );

    expect(elbv2).toHaveReceivedCommandWith(DescribeTagsCommand, {
      ResourceArns: [tgArn(WEB_TG), tgArn(otherName)],
    });
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });
});
