/**
 * DeleteLoadBalancer: the environment's deployment alarms and their SNS topic,
 * its web ACL (taken off the load balancer first), its listeners, its load
 * balancer and its target groups. The workflow calls it again after a wait while a target
 * group is still in use by the load balancer being deleted.
 */

import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyListenerCommand,
  paginateDescribeTargetGroups,
  RemoveListenerCertificatesCommand,
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
import { sharedNetworkNames } from '../../core/shared-network.ts';
import { findEnvironmentCertificates } from '../aws/acm/environment-certificates.ts';
import { deleteServiceAlarms } from '../aws/cloudwatch/service-alarms.ts';
import { withNetworkLease } from '../aws/dynamodb/network-lease.ts';
import {
  deleteTargetGroups,
  findEnvironmentLoadBalancer,
  findEnvironmentTargetGroups,
  findSharedLoadBalancers,
} from '../aws/elbv2/environment-load-balancer.ts';
import { listListeners, removeRoutesTo } from '../aws/elbv2/listener-routes.ts';
import type { EnvironmentIdentity } from '../aws/environment-tags.ts';
import { hasAwsErrorName } from '../aws/errors.ts';
import { deleteAlarmTopic, findTopicArn } from '../aws/sns/alarm-topic.ts';
import { deleteWebAcl } from '../aws/wafv2/web-acl.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import type { EnvironmentStepInput, TeardownProgress } from '../resource-refs.ts';
import { defineStep } from '../step.ts';
import { StepError } from '../step-errors.ts';

/** Input of DeleteLoadBalancer, as the down workflow passes it. */
export interface DeleteLoadBalancerInput extends EnvironmentStepInput {
  /**
   * The environments table, which holds the shared networks' leases: with it, a shared load balancer
   * of the project that no environment's target group is left behind is deleted too.
   * @default no shared load balancer is deleted
   */
  readonly lockTable?: string;
}

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
    acm: ACMClient,
    ddb: DynamoDBClient,
  },
  sends: [
    UpdateItemCommand,
    ListCertificatesCommand,
    ListTagsForCertificateCommand,
    DeleteRuleCommand,
    DescribeRulesCommand,
    DescribeListenerCertificatesCommand,
    ModifyListenerCommand,
    RemoveListenerCertificatesCommand,
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
    { elbv2, waf, cloudwatch, sns, acm, ddb },
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
    // On the project's shared load balancers: the environment's rules and certificate, never another's.
    const shared = await findSharedLoadBalancers(elbv2, input.project);
    for (const { balancer } of shared) {
      const arn = balancer.LoadBalancerArn as string;
      await removeRoutesTo(
        elbv2,
        arn,
        groups.map((group) => group.TargetGroupArn as string),
      );
      await removeCertificates(elbv2, acm, arn, owner);
    }
    const inUse = await deleteTargetGroups(elbv2, groups);
    if (inUse > 0 || input.lockTable === undefined) return { done: inUse === 0 };
    for (const { balancer, mode } of shared) {
      const lease = {
        table: input.lockTable,
        key: sharedNetworkNames(input.project, mode).recordKey,
        holder: `${input.project}/${input.environment}`,
      };
      await withNetworkLease(ddb, lease, () => deleteIfUnused(elbv2, balancer));
    }
    return { done: true };
  },
  settled: (output) => output.done,
});

/**
 * Takes the environment's certificates off the shared load balancer's
 * listeners. One that is a listener's default gives that place to another
 * environment's certificate first (a listener always has a default); when
 * there is none, it stays until the load balancer goes.
 */
async function removeCertificates(
  elbv2: ElasticLoadBalancingV2Client,
  acm: ACMClient,
  loadBalancerArn: string,
  owner: EnvironmentIdentity,
): Promise<void> {
  for (const listener of await listListeners(elbv2, loadBalancerArn)) {
    if (listener.ListenerArn === undefined || listener.Protocol !== 'HTTPS') continue;
    const ListenerArn = listener.ListenerArn;
    const { Certificates: onListener = [] } = await elbv2.send(
      new DescribeListenerCertificatesCommand({ ListenerArn }),
    );
    const arns = new Set(onListener.flatMap((certificate) => certificate.CertificateArn ?? []));
    const ours = new Set(
      (
        await findEnvironmentCertificates(acm, owner, {
          where: (summary) => arns.has(summary.CertificateArn ?? ''),
        })
      ).map((summary) => summary.CertificateArn as string),
    );
    if (ours.size === 0) continue;
    const isDefault = onListener.find((certificate) => certificate.IsDefault === true)?.CertificateArn;
    if (isDefault !== undefined && ours.has(isDefault)) {
      const other = [...arns].find((arn) => !ours.has(arn));
      if (other !== undefined) {
        await elbv2.send(
          new ModifyListenerCommand({ ListenerArn, Certificates: [{ CertificateArn: other }] }),
        );
        ours.delete(isDefault);
        await elbv2.send(
          new RemoveListenerCertificatesCommand({
            ListenerArn,
            Certificates: [{ CertificateArn: isDefault }],
          }),
        );
      } else {
        ours.delete(isDefault);
      }
    }
    const extra = [...ours].filter((arn) => arn !== isDefault);
    if (extra.length > 0) {
      await elbv2.send(
        new RemoveListenerCertificatesCommand({
          ListenerArn,
          Certificates: extra.map((CertificateArn) => ({ CertificateArn })),
        }),
      );
    }
  }
}

/**
 * Deletes a shared load balancer (its listeners first) when no target
 * group is left in its VPC: every environment behind it is gone, and no
 * deploy is joining (it would hold the lease, and its target groups would
 * be there).
 */
async function deleteIfUnused(elbv2: ElasticLoadBalancingV2Client, balancer: LoadBalancer): Promise<void> {
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, {})) {
    if ((page.TargetGroups ?? []).some((group) => group.VpcId === balancer.VpcId)) return;
  }
  const arn = balancer.LoadBalancerArn as string;
  await deleteListeners(elbv2, arn);
  try {
    await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  } catch (error) {
    if (!hasAwsErrorName(error, 'LoadBalancerNotFoundException')) throw error;
  }
}

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
