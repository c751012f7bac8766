/**
 * DeleteLoadBalancer: the environment's deployment alarms and their SNS topic,
 * its web ACL (taken off the load balancer first), its listeners, its load
 * balancer and its target groups. The workflow calls it again after a wait while a target
 * group is still in use by the load balancer being deleted.
 */

import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
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
import { deleteServiceAlarms } from '../aws/cloudwatch/service-alarms.ts';
import {
  deleteTargetGroups,
  findEnvironmentLoadBalancer,
  findEnvironmentTargetGroups,
} from '../aws/elbv2/environment-load-balancer.ts';
import { listListeners } from '../aws/elbv2/listener-routes.ts';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { deleteAlarmTopic, findTopicArn } from '../aws/sns/alarm-topic.ts';
import { deleteWebAcl } from '../aws/wafv2/web-acl.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of DeleteLoadBalancer, as the down workflow passes it. */
export type DeleteLoadBalancerInput = EnvironmentStepInput;

/** done once the load balancer and the environment's target groups are gone. */
export type DeleteLoadBalancerOutput = TeardownProgress;

/**
 * Deletes the listeners, then the load balancer, then the target groups
 * tagged for this environment.
 *
 * @throws StepError `Modeshift.DeletionProtected` when the load balancer's
 * deletion protection is still on (nothing is deleted then).
 * @throws StepError `Modeshift.NotOwned` when the load balancer of
 * this environment's name carries another environment's tags (or none).
 */
export const deleteLoadBalancer = defineStep({
  name: 'DeleteLoadBalancer',
  clients: {
    elbv2: ElasticLoadBalancingV2Client,
    waf: WAFV2Client,
    cloudwatch: CloudWatchClient,
    sns: SNSClient,
  },
  sends: [
    DescribeAlarmsCommand,
    DeleteAlarmsCommand,
    ListTopicsCommand,
    ListTopicTagsCommand,
    DeleteTopicCommand,
    ListWebACLsCommand,
    ListTagsForResourceCommand,
    GetWebACLForResourceCommand,
    DisassociateWebACLCommand,
    GetWebACLCommand,
    DeleteWebACLCommand,
    DescribeLoadBalancersCommand,
    DescribeTagsCommand,
    DescribeLoadBalancerAttributesCommand,
    DescribeListenersCommand,
    DeleteListenerCommand,
    DeleteLoadBalancerCommand,
    DescribeTargetGroupsCommand,
    DeleteTargetGroupCommand,
  ],
  async run(
    input: DeleteLoadBalancerInput,
    { elbv2, waf, cloudwatch, sns },
  ): Promise<DeleteLoadBalancerOutput> {
    const owner: EnvironmentIdentity = { project: input.project, environment: input.environment };
    const name = input.names.loadBalancer;

    const balancer = await findEnvironmentLoadBalancer(elbv2, name, owner);
    const loadBalancerArn = balancer?.LoadBalancerArn;
    // Checked before anything goes, so a protected load balancer keeps serving, behind its firewall.
    if (loadBalancerArn !== undefined && (await deletionProtectionOn(elbv2, loadBalancerArn)))
      throw deletionProtected(name);
    await deleteServiceAlarms(cloudwatch, input.names.alarmPrefix);
    const topic = await findTopicArn(sns, input.names.alarmTopic);
    if (topic !== undefined) await deleteAlarmTopic(sns, topic, owner);
    try {
      await deleteWebAcl(waf, {
        name: input.names.webAcl,
        owner,
        ...(loadBalancerArn !== undefined ? { loadBalancerArn } : {}),
      });
    } catch (error) {
      // Just taken off the load balancer: WAF lets it go in a moment; the next call deletes it.
      if (hasAwsErrorName(error, 'WAFAssociatedItemException')) return { done: false };
      throw error;
    }
    if (loadBalancerArn !== undefined) {
      const arn = loadBalancerArn;
      await deleteListeners(elbv2, arn);
      try {
        await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
      } catch (error) {
        if (hasAwsErrorName(error, 'OperationNotPermittedException')) throw deletionProtected(name, error);
        if (!hasAwsErrorName(error, 'LoadBalancerNotFoundException')) throw error;
      }
    }

    const groups = await findEnvironmentTargetGroups(elbv2, input.names.targetGroupPrefix, owner);
    const inUse = await deleteTargetGroups(elbv2, groups);
    return { done: inUse === 0 };
  },
  settled: (output) => output.done,
});

async function deletionProtectionOn(elbv2: ElasticLoadBalancingV2Client, arn: string): Promise<boolean> {
  const result = await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return (
    result.Attributes?.some((a) => a.Key === 'deletion_protection.enabled' && a.Value === 'true') ?? false
  );
}

async function deleteListeners(elbv2: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<void> {
  const listeners = await listListeners(elbv2, loadBalancerArn);
  for (const arn of listeners.flatMap((listener) => (listener.ListenerArn ? [listener.ListenerArn] : []))) {
    try {
      await elbv2.send(new DeleteListenerCommand({ ListenerArn: arn }));
    } catch (error) {
      if (!hasAwsErrorName(error, 'ListenerNotFoundException')) throw error;
    }
  }
}

function deletionProtected(name: string, cause?: unknown): StepError {
  return new StepError(
    'Modeshift.DeletionProtected',
    `load balancer "${name}" still has deletion protection on: the down workflow turns it off only for an ` +
      'environment whose recorded policy protects it; turn deletion_protection.enabled off and run down again',
    cause === undefined ? undefined : { cause },
  );
}

export const handler = lambdaHandler(deleteLoadBalancer);
