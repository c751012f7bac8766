import { ACMClient } from '@aws-sdk/client-acm';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  OperationNotPermittedException,
  ResourceInUseException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteTopicCommand,
  ListTopicsCommand,
  ListTagsForResourceCommand as ListTopicTagsCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import {
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames, serviceNames } from '../../../core/names.ts';
import {
  type DeleteLoadBalancerInput,
  deleteLoadBalancer,
} from '../../../functions/steps/delete-load-balancer.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const waf = mockClient(WAFV2Client);
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const clients = {
  acm: new ACMClient({ region: 'us-east-1' }),
  ddb: new DynamoDBClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  waf: new WAFV2Client({ region: 'us-east-1' }),
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  sns: new SNSClient({ region: 'us-east-1' }),
};

const LB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop--pr-42/50dc6c495c0c9188';
const HTTP_ARN = `${LB_ARN.replace(':loadbalancer/', ':listener/')}/http`;
const HTTPS_ARN = `${LB_ARN.replace(':loadbalancer/', ':listener/')}/https`;
const WEB_TG = serviceNames('shop', 'pr-42', 'web').targetGroup;
const API_TG = serviceNames('shop', 'pr-42', 'api').targetGroup;
const tgArn = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/${name}/0123456789abcdef`;

const input: DeleteLoadBalancerInput = {
  project: 'shop',
  environment: 'pr-42',
  names: environmentNames('shop', 'pr-42'),
  environmentTags: modeshiftTags('shop', 'pr-42', 'development', '').slice(0, 2),
};

const ours = modeshiftTags('shop', 'pr-42', 'staging', 'deploy-3');

function loadBalancerPresent({ protection = false, tags = ours } = {}) {
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: 'shop--pr-42' }],
  });
  elbv2.on(DescribeTagsCommand, { ResourceArns: [LB_ARN] }).resolves({
    TagDescriptions: [{ ResourceArn: LB_ARN, Tags: tags }],
  });
  elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({
    Attributes: [{ Key: 'deletion_protection.enabled', Value: String(protection) }],
  });
  elbv2
    .on(DescribeListenersCommand)
    .resolves({ Listeners: [{ ListenerArn: HTTP_ARN }, { ListenerArn: HTTPS_ARN }] });
}

function loadBalancerGone() {
  elbv2
    .on(DescribeLoadBalancersCommand)
    .rejects(new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} }));
}

function targetGroups(groups: Array<{ name: string; project: string; environment: string }>) {
  elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: groups.map((group) => ({ TargetGroupName: group.name, TargetGroupArn: tgArn(group.name) })),
  });
  const candidates = groups.filter((group) => group.name.startsWith('shop-pr-42-'));
  elbv2.on(DescribeTagsCommand, { ResourceArns: candidates.map((group) => tgArn(group.name)) }).resolves({
    TagDescriptions: candidates.map((group) => ({
      ResourceArn: tgArn(group.name),
      Tags: modeshiftTags(group.project, group.environment, 'development', 'd'),
    })),
  });
}

const ourTargetGroups = [
  { name: WEB_TG, project: 'shop', environment: 'pr-42' },
  { name: API_TG, project: 'shop', environment: 'pr-42' },
];

beforeEach(() => {
  elbv2.reset();
  waf.reset();
  waf.on(ListWebACLsCommand).resolves({ WebACLs: [] });
  cloudwatch.reset();
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  sns.reset();
  sns.on(ListTopicsCommand).resolves({ Topics: [] });
});

describe('DeleteLoadBalancer', () => {
  it('deletes the listeners, then the load balancer, then the target groups', async () => {
    loadBalancerPresent();
    targetGroups(ourTargetGroups);

    const result = await deleteLoadBalancer(input, clients);

    expect(result).toEqual({ done: true });
    const deletions = elbv2
      .calls()
      .map((call) => call.args[0])
      .filter((command) => command.constructor.name.startsWith('Delete'))
      .map((command) => `${command.constructor.name} ${JSON.stringify(command.input)}`);
    expect(deletions).toEqual([
      `DeleteListenerCommand {"ListenerArn":"${HTTP_ARN}"}`,
      `DeleteListenerCommand {"ListenerArn":"${HTTPS_ARN}"}`,
      `DeleteLoadBalancerCommand {"LoadBalancerArn":"${LB_ARN}"}`,
      `DeleteTargetGroupCommand {"TargetGroupArn":"${tgArn(WEB_TG)}"}`,
      `DeleteTargetGroupCommand {"TargetGroupArn":"${tgArn(API_TG)}"}`,
    ]);
  });

  it('refuses while deletion protection is still on, before removing a listener', async () => {
    loadBalancerPresent({ protection: true });
    targetGroups(ourTargetGroups);

    await expect(deleteLoadBalancer(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.DeletionProtected',
      message: expect.stringContaining('"shop--pr-42"'),
    });
    expect(elbv2).not.toHaveReceivedCommand(DeleteListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteLoadBalancerCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });

  it('reports DeletionProtected when AWS refuses the delete with OperationNotPermitted', async () => {
    loadBalancerPresent();
    targetGroups(ourTargetGroups);
    elbv2
      .on(DeleteLoadBalancerCommand)
      .rejects(
        new OperationNotPermittedException({ message: 'deletion protection is enabled', $metadata: {} }),
      );

    await expect(deleteLoadBalancer(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.DeletionProtected',
    });
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });

  it('waits while a target group is still in use by the load balancer being deleted', async () => {
    loadBalancerPresent();
    targetGroups(ourTargetGroups);
    elbv2
      .on(DeleteTargetGroupCommand, { TargetGroupArn: tgArn(API_TG) })
      .rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));

    const result = await deleteLoadBalancer(input, clients);

    expect(result).toEqual({ done: false });
  });

  it('deletes the remaining target groups once the load balancer is gone', async () => {
    loadBalancerGone();
    targetGroups(ourTargetGroups);

    const result = await deleteLoadBalancer(input, clients);

    expect(result).toEqual({ done: true });
    expect(elbv2).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 2);
    expect(elbv2).not.toHaveReceivedCommand(DeleteLoadBalancerCommand);
  });

  it('is done without deleting anything when nothing is left', async () => {
    loadBalancerGone();
    targetGroups([]);

    const result = await deleteLoadBalancer(input, clients);

    expect(result).toEqual({ done: true });
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });

  it('never deletes a load balancer of that name tagged for another environment, nor its listeners', async () => {
    loadBalancerPresent({ tags: modeshiftTags('shop-pr', '42', 'production', 'deploy-7') });
    targetGroups(ourTargetGroups);

    await expect(deleteLoadBalancer(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(elbv2).not.toHaveReceivedCommand(DeleteListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteLoadBalancerCommand);
    expect(elbv2).not.toHaveReceivedCommand(DeleteTargetGroupCommand);
  });

  it("never deletes another environment's target groups", async () => {
    loadBalancerGone();
    targetGroups([
      { name: WEB_TG, project: 'shop', environment: 'pr-42' },
      { name: serviceNames('shop', 'pr-42-b', 'web').targetGroup, project: 'shop', environment: 'pr-42-b' },
      { name: serviceNames('shop', 'pr-43', 'web').targetGroup, project: 'shop', environment: 'pr-43' },
    ]);

    await deleteLoadBalancer(input, clients);

    expect(elbv2).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: tgArn(WEB_TG) });
  });
});

describe('DeleteLoadBalancer — the web ACL', () => {
  const ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop--pr-42/acl-1';

  it('takes the web ACL off the load balancer and deletes it before the load balancer goes', async () => {
    loadBalancerPresent();
    elbv2.on(DeleteListenerCommand).resolves({});
    elbv2.on(DeleteLoadBalancerCommand).resolves({});
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    waf
      .on(ListWebACLsCommand)
      .resolves({ WebACLs: [{ Name: 'shop--pr-42', Id: 'acl-1', ARN: ACL_ARN }] })
      .on(ListTagsForResourceCommand)
      .resolves({ TagInfoForResource: { TagList: ours } })
      .on(GetWebACLForResourceCommand)
      .resolves({
        WebACL: {
          Name: 'shop--pr-42',
          Id: 'acl-1',
          ARN: ACL_ARN,
          DefaultAction: {},
          VisibilityConfig: undefined,
        },
      })
      .on(GetWebACLCommand)
      .resolves({
        WebACL: {
          Name: 'shop--pr-42',
          Id: 'acl-1',
          ARN: ACL_ARN,
          DefaultAction: {},
          VisibilityConfig: undefined,
        },
        LockToken: 't',
      })
      .on(DeleteWebACLCommand)
      .resolves({});

    await deleteLoadBalancer(input, clients);

    expect(waf).toHaveReceivedCommandWith(DisassociateWebACLCommand, { ResourceArn: LB_ARN });
    expect(waf).toHaveReceivedCommandWith(DeleteWebACLCommand, { Name: 'shop--pr-42', Id: 'acl-1' });
    const [deletedAcl] = waf.commandCalls(DeleteWebACLCommand);
    const [deletedBalancer] = elbv2.commandCalls(DeleteLoadBalancerCommand);
    expect(deletedBalancer && deletedAcl?.calledBefore(deletedBalancer)).toBe(true);
  });

  it('keeps the web ACL of a load balancer whose deletion protection is on', async () => {
    loadBalancerPresent({ protection: true });

    await expect(deleteLoadBalancer(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.DeletionProtected',
    });
    expect(waf).not.toHaveReceivedCommand(DisassociateWebACLCommand);
    expect(waf).not.toHaveReceivedCommand(ListWebACLsCommand);
  });
});

describe('DeleteLoadBalancer — the deployment alarms', () => {
  it("deletes the environment's alarms and its alarm topic", async () => {
    loadBalancerGone();
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({
        MetricAlarms: [{ AlarmName: 'shop--pr-42--web--5xx' }, { AlarmName: 'shop--pr-42--web--p95' }],
      })
      .on(DeleteAlarmsCommand)
      .resolves({});
    const topic = 'arn:aws:sns:us-east-1:123456789012:shop--pr-42-alarms';
    sns
      .on(ListTopicsCommand)
      .resolves({ Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:other' }, { TopicArn: topic }] })
      .on(ListTopicTagsCommand)
      .resolves({ Tags: ours })
      .on(DeleteTopicCommand)
      .resolves({});

    await deleteLoadBalancer(input, clients);

    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'shop--pr-42--' });
    expect(cloudwatch).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: ['shop--pr-42--web--5xx', 'shop--pr-42--web--p95'],
    });
    expect(sns).toHaveReceivedCommandTimes(DeleteTopicCommand, 1);
    expect(sns).toHaveReceivedCommandWith(DeleteTopicCommand, { TopicArn: topic });
  });
});
