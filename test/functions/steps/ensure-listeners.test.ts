import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type Action,
  AddListenerCertificatesCommand,
  AddTagsCommand,
  CreateListenerCommand,
  CreateRuleCommand,
  DeleteListenerCommand,
  DeleteRuleCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { sharedNetworkSpec } from '../../../core/shared-network.ts';
import type { LoadBalancerRef } from '../../../functions/resource-refs.ts';
import { type EnsureListenersInput, ensureListeners } from '../../../functions/steps/ensure-listeners.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const clients = {
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  ddb: new DynamoDBClient({ region: 'us-east-1' }),
};

const LB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop-pr-42/50dc6c495c0c9188';
const HTTP_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/shop-pr-42/50dc6c495c0c9188/http';
const HTTPS_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/shop-pr-42/50dc6c495c0c9188/https';
const CERT = 'arn:aws:acm:us-east-1:111122223333:certificate/0f0e0d0c-1111-2222-3333-444455556666';
const WEB_TG = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/shop-pr-42-web/aaaa';
const API_TG = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/shop-pr-42-api/bbbb';
const ruleArn = (listener: string, id: string) =>
  `${listener.replace(':listener/', ':listener-rule/')}/${id}`;

const loadBalancer: LoadBalancerRef = {
  arn: LB_ARN,
  dnsName: 'shop-pr-42-1.us-east-1.elb.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
  accessLogBucket: 'shop-pr-42-lb-logs-12345678',
  shared: false,
  targetGroups: [
    { service: 'web', arn: WEB_TG, port: 3000 },
    { service: 'api', arn: API_TG, port: 8080 },
  ],
};

const withHostnames: EnsureListenersInput['publicServices'] = [
  { service: 'web', hostname: 'web.pr-42.shop.example.com', zone: 'pr-42.shop.example.com', alias: false },
  { service: 'api', hostname: 'api.pr-42.shop.example.com', zone: 'pr-42.shop.example.com', alias: false },
];

function redirectInput(overrides: Partial<EnsureListenersInput> = {}): EnsureListenersInput {
  return {
    mode: 'redirect',
    redirectCode: 'HTTP_302',
    loadBalancer,
    certificateArn: CERT,
    publicServices: withHostnames,
    tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    ...overrides,
  };
}

function httpInput(overrides: Partial<EnsureListenersInput> = {}): EnsureListenersInput {
  return {
    mode: 'http',
    loadBalancer,
    publicServices: [
      { service: 'web', alias: false },
      { service: 'api', alias: false },
    ],
    tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    ...overrides,
  };
}

const redirectAction = (code: 'HTTP_301' | 'HTTP_302'): Action => ({
  Type: 'redirect',
  RedirectConfig: {
    Protocol: 'HTTPS',
    Port: '443',
    Host: '#{host}',
    Path: '/#{path}',
    Query: '#{query}',
    StatusCode: code,
  },
});
const notFoundAction: Action = {
  Type: 'fixed-response',
  FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
};

const httpListener = (action: Action): Listener => ({
  ListenerArn: HTTP_ARN,
  LoadBalancerArn: LB_ARN,
  Port: 80,
  Protocol: 'HTTP',
  DefaultActions: [action],
});
const httpsListener = (extra: Partial<Listener> = {}): Listener => ({
  ListenerArn: HTTPS_ARN,
  LoadBalancerArn: LB_ARN,
  Port: 443,
  Protocol: 'HTTPS',
  SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
  Certificates: [{ CertificateArn: CERT }],
  DefaultActions: [notFoundAction],
  ...extra,
});

/** A host rule as DescribeRules returns it: host in both spellings, forward as ForwardConfig too. */
function hostRule(listener: string, priority: number, host: string, targetGroup: string): Rule {
  return {
    RuleArn: ruleArn(listener, `${priority}`),
    Priority: `${priority}`,
    IsDefault: false,
    Conditions: [{ Field: 'host-header', Values: [host], HostHeaderConfig: { Values: [host] } }],
    Actions: [
      {
        Type: 'forward',
        TargetGroupArn: targetGroup,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroup, Weight: 1 }] },
      },
    ],
  };
}
const defaultRule = (listener: string): Rule => ({
  RuleArn: ruleArn(listener, 'default'),
  Priority: 'default',
  IsDefault: true,
  Conditions: [],
  Actions: [],
});

/** The listeners and rules a development deploy with a domain leaves. */
function developmentRedirectInPlace() {
  elbv2.on(DescribeListenersCommand).resolves({
    Listeners: [httpListener(redirectAction('HTTP_302')), httpsListener()],
  });
  elbv2.on(DescribeRulesCommand, { ListenerArn: HTTP_ARN }).resolves({ Rules: [defaultRule(HTTP_ARN)] });
  elbv2.on(DescribeRulesCommand, { ListenerArn: HTTPS_ARN }).resolves({
    Rules: [
      hostRule(HTTPS_ARN, 10, 'api.pr-42.shop.example.com', API_TG),
      hostRule(HTTPS_ARN, 20, 'web.pr-42.shop.example.com', WEB_TG),
      defaultRule(HTTPS_ARN),
    ],
  });
}

function noListeners() {
  elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
  elbv2.on(CreateListenerCommand, { Port: 80 }).resolves({ Listeners: [{ ListenerArn: HTTP_ARN }] });
  elbv2.on(CreateListenerCommand, { Port: 443 }).resolves({ Listeners: [{ ListenerArn: HTTPS_ARN }] });
}

beforeEach(() => {
  elbv2.reset();
});

describe('EnsureListeners — redirect (environment with a domain)', () => {
  it('creates HTTPS:443 with the certificate, the TLS 1.3 policy and a 404 default', async () => {
    noListeners();

    await ensureListeners(redirectInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB_ARN,
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      DefaultActions: [notFoundAction],
      Tags: modeshiftTags('shop', 'pr-42', 'development', 'deploy-1'),
    });
  });

  it("creates HTTP:80 redirecting to HTTPS with the mode's status code", async () => {
    noListeners();

    const result = await ensureListeners(redirectInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB_ARN,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [redirectAction('HTTP_302')],
    });
    expect(result).toEqual({ httpListenerArn: HTTP_ARN, httpsListenerArn: HTTPS_ARN });
  });

  it('routes each public hostname to its target group, priorities 10, 20 in service-name order', async () => {
    noListeners();

    await ensureListeners(redirectInput(), clients);

    expect(elbv2).toHaveReceivedCommandTimes(CreateRuleCommand, 2);
    expect(elbv2).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: HTTPS_ARN,
      Priority: 10,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.pr-42.shop.example.com'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: API_TG }],
    });
    expect(elbv2).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: HTTPS_ARN,
      Priority: 20,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['web.pr-42.shop.example.com'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: WEB_TG }],
    });
  });

  it('creates no rule for a public service without a hostname', async () => {
    noListeners();
    const publicServices = [
      withHostnames[0],
      { service: 'api', alias: false },
    ] as EnsureListenersInput['publicServices'];

    await ensureListeners(redirectInput({ publicServices }), clients);

    expect(elbv2).toHaveReceivedCommandTimes(CreateRuleCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(CreateRuleCommand, {
      Priority: 10,
      Actions: [{ Type: 'forward', TargetGroupArn: WEB_TG }],
    });
  });

  it('changes the redirect from HTTP_302 to HTTP_301 in place on a development → production mode change', async () => {
    developmentRedirectInPlace();

    await ensureListeners(
      redirectInput({
        redirectCode: 'HTTP_301',
        tags: modeshiftTags('shop', 'pr-42', 'production', 'deploy-2'),
      }),
      clients,
    );

    expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: HTTP_ARN,
      DefaultActions: [redirectAction('HTTP_301')],
    });
    expect(elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteListenerCommand);
  });

  it('re-applies the new mode and deployment tags to the listeners and rules in place', async () => {
    developmentRedirectInPlace();
    const tags = modeshiftTags('shop', 'pr-42', 'production', 'deploy-2');

    await ensureListeners(redirectInput({ redirectCode: 'HTTP_301', tags }), clients);

    expect(elbv2).toHaveReceivedCommandWith(AddTagsCommand, {
      ResourceArns: expect.arrayContaining([
        HTTP_ARN,
        HTTPS_ARN,
        ruleArn(HTTPS_ARN, '10'),
        ruleArn(HTTPS_ARN, '20'),
      ]),
      Tags: tags,
    });
  });

  it('changes nothing when listeners and rules already match', async () => {
    developmentRedirectInPlace();

    const result = await ensureListeners(redirectInput(), clients);

    expect(result).toEqual({ httpListenerArn: HTTP_ARN, httpsListenerArn: HTTPS_ARN });
    expect(elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(CreateRuleCommand);
    expect(elbv2).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteRuleCommand);
  });

  it('puts the new certificate on an existing HTTPS listener', async () => {
    developmentRedirectInPlace();
    const renewed = `${CERT.slice(0, -4)}7777`;

    await ensureListeners(redirectInput({ certificateArn: renewed }), clients);

    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: HTTPS_ARN,
      Certificates: [{ CertificateArn: renewed }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
  });

  it('points a rule at its new hostname and deletes the rule of a service that is gone', async () => {
    developmentRedirectInPlace();
    const publicServices = [
      {
        service: 'api',
        hostname: 'api-v2.pr-42.shop.example.com',
        zone: 'pr-42.shop.example.com',
        alias: false,
      },
    ];

    await ensureListeners(redirectInput({ publicServices }), clients);

    expect(elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: ruleArn(HTTPS_ARN, '10'),
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api-v2.pr-42.shop.example.com'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: API_TG }],
    });
    expect(elbv2).toHaveReceivedCommandTimes(DeleteRuleCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: ruleArn(HTTPS_ARN, '20') });
  });

  it('turns an HTTP listener that forwarded (no domain before) into the redirect and drops its host rules', async () => {
    elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [httpListener({ Type: 'forward', TargetGroupArn: WEB_TG })],
    });
    elbv2.on(DescribeRulesCommand, { ListenerArn: HTTP_ARN }).resolves({
      Rules: [hostRule(HTTP_ARN, 10, 'web.example.org', WEB_TG), defaultRule(HTTP_ARN)],
    });
    elbv2.on(CreateListenerCommand, { Port: 443 }).resolves({ Listeners: [{ ListenerArn: HTTPS_ARN }] });

    await ensureListeners(redirectInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: HTTP_ARN,
      DefaultActions: [redirectAction('HTTP_302')],
    });
    expect(elbv2).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: ruleArn(HTTP_ARN, '10') });
    expect(elbv2).not.toHaveReceivedCommandWith(CreateRuleCommand, { ListenerArn: HTTP_ARN });
  });

  it('refuses redirect mode without a certificate', async () => {
    noListeners();

    await expect(ensureListeners(redirectInput({ certificateArn: '' }), clients)).rejects.toMatchObject({
      name: 'Modeshift.InvalidStepInput',
    });
    expect(elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
  });

  it('refuses a public service that has no target group', async () => {
    noListeners();
    const publicServices = [{ service: 'admin', hostname: 'admin.pr-42.shop.example.com', alias: false }];

    await expect(ensureListeners(redirectInput({ publicServices }), clients)).rejects.toMatchObject({
      name: 'Modeshift.InvalidStepInput',
      message: expect.stringContaining('"admin"'),
    });
  });
});

describe('EnsureListeners — http (environment without a domain)', () => {
  it('creates HTTP:80 forwarding to the first public service', async () => {
    noListeners();

    const result = await ensureListeners(httpInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB_ARN,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: WEB_TG }],
    });
    expect(elbv2).not.toHaveReceivedCommandWith(CreateListenerCommand, { Port: 443 });
    expect(result).toEqual({ httpListenerArn: HTTP_ARN });
  });

  it('adds host rules on HTTP when public services have hostnames', async () => {
    noListeners();

    await ensureListeners(httpInput({ publicServices: withHostnames }), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: HTTP_ARN,
      Priority: 20,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['web.pr-42.shop.example.com'] } }],
    });
  });

  it('turns the redirect into forwarding in place and deletes the HTTPS listener of an earlier deploy', async () => {
    developmentRedirectInPlace();

    await ensureListeners(httpInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: HTTP_ARN,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: WEB_TG }],
    });
    expect(elbv2).toHaveReceivedCommandWith(DeleteListenerCommand, { ListenerArn: HTTPS_ARN });
    expect(elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
  });

  it('refuses http mode without a public service', async () => {
    noListeners();

    await expect(ensureListeners(httpInput({ publicServices: [] }), clients)).rejects.toMatchObject({
      name: 'Modeshift.InvalidStepInput',
    });
  });
});

describe('EnsureListeners — on the project’s shared load balancer', () => {
  const ddb = mockClient(DynamoDBClient);
  const OTHER_TG = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/shop-pr-7-web/cccc';
  const OTHER_CERT = 'arn:aws:acm:us-east-1:111122223333:certificate/other';
  const shared = {
    ...sharedNetworkSpec('shop', 'development', true),
    lockTable: 'modeshift-environments',
  };
  const sharedInput = (overrides: Partial<EnsureListenersInput> = {}) =>
    redirectInput({ loadBalancer: { ...loadBalancer, shared: true }, network: { shared }, ...overrides });
  const tagsOf = (environment: string) => modeshiftTags('shop', environment, 'development', 'deploy-1');

  /** The shared listeners as another environment, pr-7, left them: its rule at priority 1, its certificate the default. */
  function sharedListenersOfPr7(extraRules: Rule[] = []) {
    elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        httpListener(redirectAction('HTTP_302')),
        httpsListener({ Certificates: [{ CertificateArn: OTHER_CERT }] }),
      ],
    });
    const pr7 = hostRule(HTTPS_ARN, 1, 'pr-7.shop.example.com', OTHER_TG);
    elbv2
      .on(DescribeRulesCommand, { ListenerArn: HTTPS_ARN })
      .resolves({ Rules: [pr7, ...extraRules, defaultRule(HTTPS_ARN)] });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        { ResourceArn: pr7.RuleArn, Tags: tagsOf('pr-7') },
        ...extraRules.map((rule) => ({ ResourceArn: rule.RuleArn, Tags: tagsOf('pr-42') })),
      ],
    });
    elbv2.on(DescribeListenerCertificatesCommand).resolves({
      Certificates: [{ CertificateArn: OTHER_CERT, IsDefault: true }],
    });
  }

  beforeEach(() => {
    ddb.reset();
    ddb.on(UpdateItemCommand).resolves({});
  });

  it('adds its rules at the lowest priorities no one holds, and its certificate by SNI, under the lease', async () => {
    sharedListenersOfPr7();

    await ensureListeners(sharedInput(), clients);

    expect(elbv2).toHaveReceivedCommandTimes(CreateListenerCommand, 0);
    expect(
      elbv2
        .commandCalls(CreateRuleCommand)
        .map((call) => [call.args[0].input.Priority, call.args[0].input.Actions]),
    ).toEqual([
      [2, [{ Type: 'forward', TargetGroupArn: API_TG }]],
      [3, [{ Type: 'forward', TargetGroupArn: WEB_TG }]],
    ]);
    expect(elbv2).toHaveReceivedCommandWith(AddListenerCertificatesCommand, {
      ListenerArn: HTTPS_ARN,
      Certificates: [{ CertificateArn: CERT }],
    });
    expect(elbv2).toHaveReceivedCommandTimes(DeleteRuleCommand, 0);
    expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    const leases = ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.UpdateExpression);
    expect(leases).toEqual([
      'SET leaseEnvironment = :environment, leaseUntil = :until ADD leaseTokens :token',
      'DELETE leaseTokens :token',
    ]);
  });

  it('changes its own rule in place, deletes its rule of a host it no longer has, and leaves the others alone', async () => {
    const mine = hostRule(HTTPS_ARN, 2, 'web.pr-42.shop.example.com', OTHER_TG);
    const gone = hostRule(HTTPS_ARN, 3, 'old.pr-42.shop.example.com', WEB_TG);
    sharedListenersOfPr7([mine, gone]);

    await ensureListeners(sharedInput({ publicServices: withHostnames.slice(0, 1) }), clients);

    expect(elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: mine.RuleArn,
      Actions: [{ Type: 'forward', TargetGroupArn: WEB_TG }],
    });
    expect(elbv2.commandCalls(DeleteRuleCommand).map((call) => call.args[0].input.RuleArn)).toEqual([
      gone.RuleArn,
    ]);
    expect(elbv2).toHaveReceivedCommandTimes(CreateRuleCommand, 0);
  });

  it('creates the shared listeners, tagged as the shared network’s, when it is the first environment', async () => {
    noListeners();
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [] });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    elbv2.on(DescribeListenerCertificatesCommand).resolves({
      Certificates: [{ CertificateArn: CERT, IsDefault: true }],
    });

    await ensureListeners(sharedInput(), clients);

    expect(elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      Port: 443,
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [notFoundAction],
      Tags: [...shared.tags],
    });
    expect(elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      Port: 80,
      DefaultActions: [redirectAction('HTTP_302')],
      Tags: [...shared.tags],
    });
    expect(elbv2).toHaveReceivedCommandTimes(AddListenerCertificatesCommand, 0);
  });

  it('refuses without a certificate: hosts tell environments apart only over HTTPS', async () => {
    await expect(ensureListeners(sharedInput({ certificateArn: '' }), clients)).rejects.toMatchObject({
      name: 'Modeshift.InvalidStepInput',
    });
    expect(elbv2.calls()).toHaveLength(0);
  });
});
