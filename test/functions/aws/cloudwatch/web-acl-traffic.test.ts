import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readWebAclTraffic } from '../../../../functions/aws/cloudwatch/web-acl-traffic.ts';
import { webAclMetricNames } from '../../../../functions/aws/wafv2/web-acl.ts';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1' });
const METRICS = webAclMetricNames('shop-live');
const NOW = new Date('2026-12-06T12:00:00Z');

beforeEach(() => {
  cloudwatch.reset();
});

describe('readWebAclTraffic', () => {
  it("asks for the ACL's totals under the rule ALL and each rule group's blocks and counts, hourly sums over the window", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await readWebAclTraffic(client, { metrics: METRICS, region: 'eu-west-1', hours: 6, now: NOW });

    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date('2026-12-06T06:00:00Z'));
    expect(input?.EndTime).toEqual(NOW);
    const asked = (input?.MetricDataQueries ?? []).map((query) => {
      const metric = query.MetricStat?.Metric;
      const dimension = (name: string) => metric?.Dimensions?.find((d) => d.Name === name)?.Value;
      expect(metric?.Namespace).toBe('AWS/WAFV2');
      expect(dimension('WebACL')).toBe('shop-live');
      expect(dimension('Region')).toBe('eu-west-1');
      expect(query.MetricStat?.Stat).toBe('Sum');
      expect(query.MetricStat?.Period).toBe(3600);
      return `${metric?.MetricName}@${dimension('Rule')}`;
    });
    expect(asked).toEqual([
      'AllowedRequests@ALL',
      'BlockedRequests@ALL',
      'CountedRequests@ALL',
      ...METRICS.rules.flatMap((rule) => [`BlockedRequests@${rule}`, `CountedRequests@${rule}`]),
    ]);
  });

  it('sums each metric over every datapoint and page, and takes a metric without data as 0', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'allowed_all', Values: [100, 20] },
          { Id: 'blocked_all', Values: [7] },
          { Id: 'blocked_0', Values: [5] },
        ],
        NextToken: 'more',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'allowed_all', Values: [3] },
          { Id: 'blocked_2', Values: [2] },
          { Id: 'counted_1', Values: [4] },
        ],
      });

    const traffic = await readWebAclTraffic(client, { metrics: METRICS, region: 'eu-west-1', now: NOW });

    expect(cloudwatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('more');
    expect(traffic).toEqual({
      hours: 24,
      allowed: 123,
      blocked: 7,
      counted: 0,
      rules: [
        { rule: METRICS.rules[0], blocked: 5, counted: 0 },
        { rule: METRICS.rules[1], blocked: 0, counted: 4 },
        { rule: METRICS.rules[2], blocked: 2, counted: 0 },
      ],
    });
  });
});
