/**
 * The routes of a load balancer's listeners: each listener's default action
 * and its rules, and which target groups they forward to. EnsureListeners
 * reconciles them; pruning removes every route to a target group that is
 * about to go (a target group a listener still uses cannot be deleted).
 */
import {
  type Action,
  DeleteRuleCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { hasAwsErrorName } from '../errors.ts';

/** What a listener answers with when no rule matches and there is nothing to forward to: 404. */
export const NOT_FOUND_ACTION: Action = {
  Type: 'fixed-response',
  FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
};

/** The load balancer's listeners. */
export async function listListeners(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<Listener[]> {
  const listeners: Listener[] = [];
  for await (const page of paginateDescribeListeners(
    { client: elbv2 },
    { LoadBalancerArn: loadBalancerArn },
  )) {
    listeners.push(...(page.Listeners ?? []));
  }
  return listeners;
}

/** The listener's rules, its default rule left out. */
export async function listRules(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  for await (const page of paginateDescribeRules({ client: elbv2 }, { ListenerArn: listenerArn })) {
    rules.push(...(page.Rules ?? []).filter((rule) => !rule.IsDefault && rule.Priority !== 'default'));
  }
  return rules;
}

/** The target groups a forward action sends to, whichever way AWS spells it (TargetGroupArn or ForwardConfig). */
export function forwardedTargetGroups(action: Action): string[] {
  if (action.Type !== 'forward') return [];
  if (action.TargetGroupArn) return [action.TargetGroupArn];
  return (action.ForwardConfig?.TargetGroups ?? []).flatMap((group) =>
    group.TargetGroupArn ? [group.TargetGroupArn] : [],
  );
}

function forwardsToAny(
  actions: readonly Action[] | undefined,
  targetGroupArns: ReadonlySet<string>,
): boolean {
  return (actions ?? []).some((action) =>
    forwardedTargetGroups(action).some((arn) => targetGroupArns.has(arn)),
  );
}

/**
 * Removes every route of the load balancer to these target groups: a rule
 * that forwards to one is deleted, and a listener whose default action
 * forwards to one answers 404 instead. A rule already gone is fine.
 */
export async function removeRoutesTo(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
  targetGroupArns: readonly string[],
): Promise<void> {
  if (targetGroupArns.length === 0) return;
  const going = new Set(targetGroupArns);
  for (const listener of await listListeners(elbv2, loadBalancerArn)) {
    if (listener.ListenerArn === undefined) continue;
    for (const rule of await listRules(elbv2, listener.ListenerArn)) {
      if (rule.RuleArn === undefined || !forwardsToAny(rule.Actions, going)) continue;
      try {
        await elbv2.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
      } catch (error) {
        if (!hasAwsErrorName(error, 'RuleNotFoundException')) throw error;
      }
    }
    if (forwardsToAny(listener.DefaultActions, going)) {
      await elbv2.send(
        new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, DefaultActions: [NOT_FOUND_ACTION] }),
      );
    }
  }
}
