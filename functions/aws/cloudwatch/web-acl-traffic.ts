/**
 * What a web ACL did with the requests it saw over a recent window, as WAF
 * reports it to CloudWatch (namespace AWS/WAFV2, dimensions `WebACL`,
 * `Region` and `Rule`): the ACL's totals under the rule `ALL`, and what each
 * rule group blocked or counted under the rule's own metric name. Read in
 * one GetMetricData call, summed over the window; a metric with no data
 * (nothing reached the ACL) is 0.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { WebAclMetricNames } from '../wafv2/web-acl.ts';

const NAMESPACE = 'AWS/WAFV2';

/** The rule dimension WAF reports the whole ACL's totals under. */
const ALL_RULES = 'ALL';

export interface RuleTraffic {
  /** The rule's metric name (modeshift's rules are named after their rule group). */
  readonly rule: string;
  readonly blocked: number;
  readonly counted: number;
}

export interface WebAclTraffic {
  /** The window summed over, in hours, ending when it was read. */
  readonly hours: number;
  readonly allowed: number;
  readonly blocked: number;
  readonly counted: number;
  readonly rules: readonly RuleTraffic[];
}

export interface WebAclTrafficQuery {
  readonly metrics: WebAclMetricNames;
  /** The ACL's region, WAF's `Region` dimension for a regional ACL. */
  readonly region: string;
  /** How far back to sum. @default 24 */
  readonly hours?: number;
  /** When the window ends. @default now */
  readonly now?: Date;
}

const ACTIONS = {
  allowed: 'AllowedRequests',
  blocked: 'BlockedRequests',
  counted: 'CountedRequests',
} as const;
type Action = keyof typeof ACTIONS;

/** A query id CloudWatch accepts (a lowercase letter first, then letters, digits and `_`). */
function queryId(action: Action, index: number | 'all'): string {
  return `${action}_${index}`;
}

export async function readWebAclTraffic(
  cloudwatch: CloudWatchClient,
  query: WebAclTrafficQuery,
): Promise<WebAclTraffic> {
  const hours = query.hours ?? 24;
  const end = query.now ?? new Date();
  const start = new Date(end.getTime() - hours * 3_600_000);
  const metric = (action: Action, rule: string, id: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: NAMESPACE,
        MetricName: ACTIONS[action],
        Dimensions: [
          { Name: 'WebACL', Value: query.metrics.webAcl },
          { Name: 'Region', Value: query.region },
          { Name: 'Rule', Value: rule },
        ],
      },
      // One datapoint per hour: the window's sum is theirs.
      Period: 3600,
      Stat: 'Sum',
    },
    ReturnData: true,
  });
  const queries: MetricDataQuery[] = [
    ...(Object.keys(ACTIONS) as Action[]).map((action) => metric(action, ALL_RULES, queryId(action, 'all'))),
    ...query.metrics.rules.flatMap((rule, index) => [
      metric('blocked', rule, queryId('blocked', index)),
      metric('counted', rule, queryId('counted', index)),
    ]),
  ];
  const sums = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ...(token !== undefined ? { NextToken: token } : {}),
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      if (result.Id === undefined) continue;
      const total = (result.Values ?? []).reduce((sum, value) => sum + value, 0);
      sums.set(result.Id, (sums.get(result.Id) ?? 0) + total);
    }
    token = page.NextToken;
  } while (token !== undefined);
  const sum = (id: string) => sums.get(id) ?? 0;
  return {
    hours,
    allowed: sum(queryId('allowed', 'all')),
    blocked: sum(queryId('blocked', 'all')),
    counted: sum(queryId('counted', 'all')),
    rules: query.metrics.rules.map((rule, index) => ({
      rule,
      blocked: sum(queryId('blocked', index)),
      counted: sum(queryId('counted', index)),
    })),
  };
}
