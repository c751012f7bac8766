import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import {
  type DisableLoadBalancerProtectionInput,
  disableLoadBalancerProtection,
} from '../../../functions/steps/disable-load-balancer-protection.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const clients = { elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }) };

const LB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop--prod/50dc6c495c0c9188';

const input: DisableLoadBalancerProtectionInput = {
  project: 'shop',
  environment: 'prod',
  names: environmentNames('shop', 'prod'),
  environmentTags: modeshiftTags('shop', 'prod', 'production', '').slice(0, 2),
};

function loadBalancerTagged(project: string, environment: string) {
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: 'shop--prod' }],
  });
  elbv2.on(DescribeTagsCommand).resolves({
    TagDescriptions: [
      { ResourceArn: LB_ARN, Tags: modeshiftTags(project, environment, 'production', 'deploy-9') },
    ],
  });
}

beforeEach(() => {
  elbv2.reset();
});

describe('DisableLoadBalancerProtection', () => {
  it("turns deletion protection off on the environment's load balancer", async () => {
    loadBalancerTagged('shop', 'prod');

    const result = await disableLoadBalancerProtection(input, clients);

    expect(result).toEqual({});
    expect(elbv2).toHaveReceivedCommandWith(ModifyLoadBalancerAttributesCommand, {
      LoadBalancerArn: LB_ARN,
      Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
    });
  });

  it('finds the load balancer by the environment name and checks its tags', async () => {
    loadBalancerTagged('shop', 'prod');

    await disableLoadBalancerProtection(input, clients);

    expect(elbv2).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { Names: ['shop--prod'] });
    expect(elbv2).toHaveReceivedCommandWith(DescribeTagsCommand, { ResourceArns: [LB_ARN] });
  });

  it('does nothing when the load balancer is already gone', async () => {
    elbv2
      .on(DescribeLoadBalancersCommand)
      .rejects(new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} }));

    const result = await disableLoadBalancerProtection(input, clients);

    expect(result).toEqual({});
    expect(elbv2).not.toHaveReceivedCommand(ModifyLoadBalancerAttributesCommand);
  });

  it('leaves the protection of a load balancer tagged for another environment on', async () => {
    loadBalancerTagged('shop', 'prod-eu');

    await expect(disableLoadBalancerProtection(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('load balancer shop--prod belongs to'),
    });
    expect(elbv2).not.toHaveReceivedCommand(ModifyLoadBalancerAttributesCommand);
  });
});
