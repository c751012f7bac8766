/**
 * EnsureListeners: the load balancer's listeners and host rules.
 *
 * - `redirect` (the environment has a domain): HTTP:80 redirects to HTTPS:443
 *   with the mode's status code; HTTPS:443 answers 404 by default and routes
 *   each public service's hostname to its target group.
 * - `http` (no domain, so no certificate): HTTP:80 forwards to the first
 *   public service, with the same host rules where hostnames exist; an HTTPS
 *   listener left from an earlier deploy is deleted.
 *
 * Existing listeners and rules are modified in place, so a mode change (302 →
 * 301) or a new service never takes the load balancer off the air.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type Action,
  AddListenerCertificatesCommand,
  AddTagsCommand,
  type Certificate,
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
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import { describeTags } from '../aws/elbv2/environment-load-balancer.ts';
import {
  forwardedTargetGroups,
  listListeners,
  listRules,
  NOT_FOUND_ACTION,
} from '../aws/elbv2/listener-routes.ts';
import { environmentIdentity, isTaggedForEnvironment } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { LoadBalancerRef, NetworkRef, SharedNetworkRef, Tag } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of EnsureListeners, as the deploy workflow's RedirectHttpToHttps and ServeHttpOnly states pass it. */
export interface EnsureListenersInput {
  /** `redirect` when the environment has a domain and a certificate; `http` otherwise. */
  readonly mode: 'redirect' | 'http';
  /** The mode's HTTP → HTTPS redirect; required with `redirect`. */
  readonly redirectCode?: 'HTTP_301' | 'HTTP_302';
  readonly loadBalancer: LoadBalancerRef;
  /** The environment's certificate; required with `redirect`. */
  readonly certificateArn?: string;
  readonly publicServices: ReadonlyArray<{
    readonly service: string;
    readonly hostname?: string;
    readonly zone?: string;
    readonly alias: boolean;
  }>;
  /** The four modeshift tags, put on every listener and rule. */
  readonly tags: readonly Tag[];
  /** The environment's network: on the shared load balancer (`loadBalancer.shared`), its shared network's lease. */
  readonly network?: Pick<NetworkRef, 'shared'>;
}

/** The listeners in place after the step. */
export interface EnsureListenersOutput {
  readonly httpListenerArn: string;
  /** Absent in `http` mode. */
  readonly httpsListenerArn?: string;
}

/** TLS 1.3 and 1.2 only. */
export const HTTPS_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** Priority of the first host rule; the next ones follow in steps of this size, by service name. */
const RULE_PRIORITY_STEP = 10;

/** AddTags takes at most 20 resource ARNs per call. */
const ADD_TAGS_BATCH = 20;

interface DesiredRule {
  readonly priority: number;
  readonly hostname: string;
  readonly targetGroupArn: string;
}

interface DesiredListener {
  readonly port: 80 | 443;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly certificateArn?: string;
  readonly defaultAction: Action;
  readonly rules: readonly DesiredRule[];
}

/**
 * Brings the HTTP (and in `redirect` mode the HTTPS) listener and their host
 * rules to the desired state.
 *
 * @throws StepError `Modeshift.InvalidStepInput` when `redirect` lacks its
 * certificate or status code, or a public service has no target group.
 */
export const ensureListeners = defineStep({
  name: 'EnsureListeners',
  clients: { elbv2: ElasticLoadBalancingV2Client, ddb: DynamoDBClient },
  sends: [
    UpdateItemCommand,
    AddListenerCertificatesCommand,
    DescribeListenerCertificatesCommand,
    DescribeTagsCommand,
    AddTagsCommand,
    CreateListenerCommand,
    CreateRuleCommand,
    DeleteListenerCommand,
    DeleteRuleCommand,
    DescribeListenersCommand,
    DescribeRulesCommand,
    ModifyListenerCommand,
    ModifyRuleCommand,
  ],
  async run(input: EnsureListenersInput, { elbv2, ddb }): Promise<EnsureListenersOutput> {
    if (input.loadBalancer.shared) return onSharedLoadBalancer(elbv2, ddb, input);
    const loadBalancerArn = input.loadBalancer.arn;
    const existing = await listListeners(elbv2, loadBalancerArn);
    const onPort = (port: number) => existing.find((listener) => listener.Port === port);
    const retag: string[] = [];
    const hostRules = desiredHostRules(input);

    if (input.mode === 'redirect') {
      if (input.certificateArn === undefined || input.certificateArn === '') {
        throw new StepError(
          'Modeshift.InvalidStepInput',
          'EnsureListeners: mode "redirect" needs certificateArn',
        );
      }
      if (input.redirectCode === undefined) {
        throw new StepError(
          'Modeshift.InvalidStepInput',
          'EnsureListeners: mode "redirect" needs redirectCode',
        );
      }
      // HTTPS first, so the redirect never points at a port nobody listens on.
      const httpsListenerArn = await ensureListener(
        elbv2,
        loadBalancerArn,
        onPort(443),
        {
          port: 443,
          protocol: 'HTTPS',
          certificateArn: input.certificateArn,
          defaultAction: NOT_FOUND_ACTION,
          rules: hostRules,
        },
        input.tags,
        retag,
      );
      const httpListenerArn = await ensureListener(
        elbv2,
        loadBalancerArn,
        onPort(80),
        {
          port: 80,
          protocol: 'HTTP',
          defaultAction: redirectAction(input.redirectCode),
          // Rules left from an `http` deploy would answer before the redirect.
          rules: [],
        },
        input.tags,
        retag,
      );
      await addTags(elbv2, retag, input.tags);
      return { httpListenerArn, httpsListenerArn };
    }

    const first = input.publicServices[0];
    if (first === undefined) {
      throw new StepError(
        'Modeshift.InvalidStepInput',
        'EnsureListeners: mode "http" needs a public service',
      );
    }
    const httpListenerArn = await ensureListener(
      elbv2,
      loadBalancerArn,
      onPort(80),
      {
        port: 80,
        protocol: 'HTTP',
        defaultAction: { Type: 'forward', TargetGroupArn: targetGroupOf(input, first.service) },
        rules: hostRules,
      },
      input.tags,
      retag,
    );
    const leftover = onPort(443);
    if (leftover?.ListenerArn !== undefined) await deleteListener(elbv2, leftover.ListenerArn);
    await addTags(elbv2, retag, input.tags);
    return { httpListenerArn };
  },
});

/**
 * The environment's part of the shared load balancer, under the shared
 * network's lease: the listeners (created by the first environment: HTTPS
 * answering 404, HTTP redirecting), its certificate on the HTTPS listener
 * (served by SNI), and a rule per host name forwarding to its own target
 * group, at the lowest priorities no other environment's rule holds. Only
 * rules tagged for the environment are changed or deleted.
 */
async function onSharedLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  ddb: DynamoDBClient,
  input: EnsureListenersInput,
): Promise<EnsureListenersOutput> {
  const shared = input.network?.shared;
  if (shared === undefined || shared === null) {
    throw new StepError(
      'Modeshift.InvalidStepInput',
      'EnsureListeners: a shared load balancer needs network.shared',
    );
  }
  const certificateArn = input.certificateArn;
  if (
    input.mode !== 'redirect' ||
    certificateArn === undefined ||
    certificateArn === '' ||
    input.redirectCode === undefined
  ) {
    throw new StepError(
      'Modeshift.InvalidStepInput',
      'EnsureListeners: the shared load balancer routes by host name and needs mode "redirect", a certificateArn and a redirectCode',
    );
  }
  const redirectCode = input.redirectCode;
  const { project, environment } = environmentIdentity(input.tags);
  const lease = { table: shared.lockTable, key: shared.names.recordKey, holder: `${project}/${environment}` };
  return withNetworkLease(ddb, lease, async () => {
    const loadBalancerArn = input.loadBalancer.arn;
    const existing = await listListeners(elbv2, loadBalancerArn);
    const onPort = (port: number) => existing.find((listener) => listener.Port === port);
    const httpsListenerArn =
      onPort(443)?.ListenerArn ??
      (await createSharedListener(elbv2, loadBalancerArn, shared, {
        Protocol: 'HTTPS',
        Port: 443,
        DefaultActions: [NOT_FOUND_ACTION],
        Certificates: [{ CertificateArn: certificateArn }],
        SslPolicy: HTTPS_SSL_POLICY,
      }));
    const httpListenerArn =
      onPort(80)?.ListenerArn ??
      (await createSharedListener(elbv2, loadBalancerArn, shared, {
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [redirectAction(redirectCode)],
      }));
    await ensureListenerCertificate(elbv2, httpsListenerArn, certificateArn);
    await reconcileOwnRules(elbv2, httpsListenerArn, desiredHostRules(input), input.tags);
    return { httpListenerArn, httpsListenerArn };
  });
}

function redirectAction(code: 'HTTP_301' | 'HTTP_302'): Action {
  return {
    Type: 'redirect',
    RedirectConfig: {
      Protocol: 'HTTPS',
      Port: '443',
      Host: '#{host}',
      Path: '/#{path}',
      Query: '#{query}',
      StatusCode: code,
    },
  };
}

async function createSharedListener(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
  shared: SharedNetworkRef,
  listener: Omit<ConstructorParameters<typeof CreateListenerCommand>[0], 'LoadBalancerArn' | 'Tags'>,
): Promise<string> {
  const created = await elbv2.send(
    new CreateListenerCommand({ ...listener, LoadBalancerArn: loadBalancerArn, Tags: [...shared.tags] }),
  );
  const arn = created.Listeners?.[0]?.ListenerArn;
  if (arn === undefined) throw new Error(`CreateListener returned no listener for port ${listener.Port}`);
  return arn;
}

/** The environment's certificate among the HTTPS listener's, which it serves by SNI. */
async function ensureListenerCertificate(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
  certificateArn: string,
): Promise<void> {
  const { Certificates = [] } = await elbv2.send(
    new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn }),
  );
  if (Certificates.some((certificate) => certificate.CertificateArn === certificateArn)) return;
  try {
    await elbv2.send(
      new AddListenerCertificatesCommand({
        ListenerArn: listenerArn,
        Certificates: [{ CertificateArn: certificateArn }],
      }),
    );
  } catch (error) {
    if (hasAwsErrorName(error, 'TooManyCertificatesException')) {
      throw new StepError(
        'Modeshift.SharedLoadBalancerFull',
        `the shared load balancer's HTTPS listener holds as many certificates as the account allows (25 by default, quota "Certificates per Application Load Balancer"): raise the quota, or deploy this environment with network "dedicated"`,
      );
    }
    throw error;
  }
}

/**
 * The environment's host rules on a listener other environments share: its
 * rules (by their tags) are matched by host name and changed in place,
 * created at the lowest free priority, or deleted; no other rule is touched.
 */
async function reconcileOwnRules(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
  desired: readonly DesiredRule[],
  tags: readonly Tag[],
): Promise<void> {
  const rules = await listRules(elbv2, listenerArn);
  const ruleTags = await describeTags(
    elbv2,
    rules.flatMap((rule) => (rule.RuleArn === undefined ? [] : [rule.RuleArn])),
  );
  const identity = environmentIdentity(tags);
  const own = rules.filter((rule) => isTaggedForEnvironment(ruleTags.get(rule.RuleArn as string), identity));
  const taken = new Set(rules.map((rule) => Number(rule.Priority)));
  const hostOf = (rule: Rule) => conditionsKey(rule.Conditions);
  const kept = new Set<string>();
  for (const rule of desired) {
    const conditions: RuleCondition[] = [
      { Field: 'host-header', HostHeaderConfig: { Values: [rule.hostname] } },
    ];
    const actions: Action[] = [{ Type: 'forward', TargetGroupArn: rule.targetGroupArn }];
    const existing = own.find((candidate) => hostOf(candidate) === conditionsKey(conditions));
    if (existing?.RuleArn !== undefined) {
      kept.add(existing.RuleArn);
      if (actionsKey(existing.Actions) !== actionsKey(actions)) {
        await elbv2.send(new ModifyRuleCommand({ RuleArn: existing.RuleArn, Actions: actions }));
      }
      continue;
    }
    let priority = 1;
    while (taken.has(priority)) priority += 1;
    taken.add(priority);
    await elbv2.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: priority,
        Conditions: conditions,
        Actions: actions,
        Tags: [...tags],
      }),
    );
  }
  for (const rule of own) {
    if (rule.RuleArn !== undefined && !kept.has(rule.RuleArn)) {
      await elbv2.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
    }
  }
  await addTags(elbv2, [...kept], tags);
}

/** One rule per public service with a hostname, at priorities 10, 20, … in service-name order. */
function desiredHostRules(input: EnsureListenersInput): DesiredRule[] {
  return input.publicServices
    .flatMap((entry) => (entry.hostname ? [{ service: entry.service, hostname: entry.hostname }] : []))
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((entry, index) => ({
      priority: (index + 1) * RULE_PRIORITY_STEP,
      hostname: entry.hostname,
      targetGroupArn: targetGroupOf(input, entry.service),
    }));
}

function targetGroupOf(input: EnsureListenersInput, service: string): string {
  const arn = input.loadBalancer.targetGroups.find((group) => group.service === service)?.arn;
  if (arn === undefined) {
    throw new StepError(
      'Modeshift.InvalidStepInput',
      `EnsureListeners: public service "${service}" has no target group in loadBalancer.targetGroups`,
    );
  }
  return arn;
}

/**
 * Creates the listener or modifies it in place, then reconciles its rules.
 * ARNs of listeners and rules that already existed go to `retag`.
 */
async function ensureListener(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
  current: Listener | undefined,
  desired: DesiredListener,
  tags: readonly Tag[],
  retag: string[],
): Promise<string> {
  const tls =
    desired.certificateArn === undefined
      ? {}
      : { Certificates: [{ CertificateArn: desired.certificateArn }], SslPolicy: HTTPS_SSL_POLICY };

  if (current?.ListenerArn === undefined) {
    const created = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: desired.protocol,
        Port: desired.port,
        DefaultActions: [desired.defaultAction],
        ...tls,
        Tags: [...tags],
      }),
    );
    const arn = created.Listeners?.[0]?.ListenerArn;
    if (arn === undefined) throw new Error(`CreateListener returned no listener for port ${desired.port}`);
    await reconcileRules(elbv2, arn, [], desired.rules, tags, retag);
    return arn;
  }

  const arn = current.ListenerArn;
  if (!listenerMatches(current, desired)) {
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: arn,
        Protocol: desired.protocol,
        Port: desired.port,
        DefaultActions: [desired.defaultAction],
        ...tls,
      }),
    );
  }
  retag.push(arn);
  await reconcileRules(elbv2, arn, await listRules(elbv2, arn), desired.rules, tags, retag);
  return arn;
}

function listenerMatches(current: Listener, desired: DesiredListener): boolean {
  const defaultCertificate = (current.Certificates ?? []).find(
    (certificate: Certificate) => certificate.IsDefault !== false,
  );
  return (
    current.Protocol === desired.protocol &&
    current.Port === desired.port &&
    (desired.certificateArn === undefined ||
      (defaultCertificate?.CertificateArn === desired.certificateArn &&
        current.SslPolicy === HTTPS_SSL_POLICY)) &&
    actionsKey(current.DefaultActions) === actionsKey([desired.defaultAction])
  );
}

/** Matches rules by priority: deletes the extra ones, modifies those that differ, creates the missing. */
async function reconcileRules(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
  current: readonly Rule[],
  desired: readonly DesiredRule[],
  tags: readonly Tag[],
  retag: string[],
): Promise<void> {
  const wantedPriorities = new Set(desired.map((rule) => rule.priority));
  for (const rule of current) {
    if (!wantedPriorities.has(Number(rule.Priority))) {
      await elbv2.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
    }
  }
  for (const rule of desired) {
    const conditions: RuleCondition[] = [
      { Field: 'host-header', HostHeaderConfig: { Values: [rule.hostname] } },
    ];
    const actions: Action[] = [{ Type: 'forward', TargetGroupArn: rule.targetGroupArn }];
    const existing = current.find((candidate) => Number(candidate.Priority) === rule.priority);
    if (existing?.RuleArn === undefined) {
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: rule.priority,
          Conditions: conditions,
          Actions: actions,
          Tags: [...tags],
        }),
      );
      continue;
    }
    if (
      conditionsKey(existing.Conditions) !== conditionsKey(conditions) ||
      actionsKey(existing.Actions) !== actionsKey(actions)
    ) {
      await elbv2.send(
        new ModifyRuleCommand({ RuleArn: existing.RuleArn, Conditions: conditions, Actions: actions }),
      );
    }
    retag.push(existing.RuleArn);
  }
}

/** What an action does, ignoring how AWS spells it (TargetGroupArn or ForwardConfig, Order). */
function actionsKey(actions: readonly Action[] | undefined): string {
  return (actions ?? [])
    .map((action) => {
      switch (action.Type) {
        case 'forward':
          return `forward ${forwardedTargetGroups(action).join(',')}`;
        case 'redirect': {
          const r = action.RedirectConfig;
          return `redirect ${r?.Protocol} ${r?.Port} ${r?.Host} ${r?.Path} ${r?.Query} ${r?.StatusCode}`;
        }
        case 'fixed-response': {
          const f = action.FixedResponseConfig;
          return `fixed-response ${f?.StatusCode} ${f?.ContentType} ${f?.MessageBody}`;
        }
        default:
          return String(action.Type);
      }
    })
    .join('|');
}

/** What a rule's conditions match, whichever way AWS spells the host values. */
function conditionsKey(conditions: readonly RuleCondition[] | undefined): string {
  return (conditions ?? [])
    .map((condition) => {
      const values =
        condition.Field === 'host-header'
          ? (condition.HostHeaderConfig?.Values ?? condition.Values)
          : condition.Values;
      return `${condition.Field}=${(values ?? []).join(',')}`;
    })
    .sort()
    .join('|');
}

async function deleteListener(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<void> {
  try {
    await elbv2.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
  } catch (error) {
    if (!hasAwsErrorName(error, 'ListenerNotFoundException')) throw error;
  }
}

/** Re-applies the tags (mode and deployment change between deploys) to listeners and rules that existed. */
async function addTags(elbv2: ElasticLoadBalancingV2Client, arns: readonly string[], tags: readonly Tag[]) {
  for (let start = 0; start < arns.length; start += ADD_TAGS_BATCH) {
    await elbv2.send(
      new AddTagsCommand({ ResourceArns: arns.slice(start, start + ADD_TAGS_BATCH), Tags: [...tags] }),
    );
  }
}

export const handler = lambdaHandler(ensureListeners);
