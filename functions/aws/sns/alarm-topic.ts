/**
 * The SNS topic a production environment's alarms tell, with the people on
 * call subscribed to it by email. Each address is subscribed once: SNS mails
 * a confirmation link to a new address, and a redeploy must not mail it again.
 * An address taken off the list stays subscribed until its owner unsubscribes
 * (a subscription still waiting for confirmation has no ARN to remove it by);
 * deleting the topic removes every subscription. A topic of the environment's
 * name that another environment tagged is never changed or deleted.
 */
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTagsForResourceCommand,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
  type SNSClient,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import type { Tag } from '../../../core/execution-input.ts';
import { assertOwned, type EnvironmentIdentity } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

export interface AlarmTopicOptions {
  /** The topic's name. */
  readonly name: string;
  /** Its ARN: `arn:aws:sns:<region>:<account>:<name>`. */
  readonly arn: string;
  /** The environment it must be tagged for: a topic of its name that is another's stops the step. */
  readonly owner: EnvironmentIdentity;
  /** The deployment's tags, set on the topic on every call. */
  readonly tags: readonly Tag[];
  /** Who is told when an alarm goes off; each must confirm the subscription SNS mails them. */
  readonly emails: readonly string[];
}

/** The addresses subscribed to the topic by email, confirmed or not. */
export async function emailSubscribers(sns: SNSClient, topicArn: string): Promise<Set<string>> {
  const subscribed = new Set<string>();
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) {
    for (const subscription of page.Subscriptions ?? []) {
      if (subscription.Protocol === 'email' && subscription.Endpoint !== undefined) {
        subscribed.add(subscription.Endpoint);
      }
    }
  }
  return subscribed;
}

/** SNS's answers for a topic that does not exist, as the SDK and the local AWS name them. */
const NOT_FOUND = ['NotFoundException', 'NotFound', 'ResourceNotFoundException', 'ResourceNotFound'];

/** The topic's tags; undefined when there is no such topic. */
async function topicTags(sns: SNSClient, topicArn: string): Promise<Tag[] | undefined> {
  try {
    const { Tags = [] } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }));
    return Tags.map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' }));
  } catch (error) {
    if (hasAwsErrorName(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

/**
 * Creates the topic with the deployment's tags unless it exists (its ARN is
 * known from its name), or checks that the one there is the environment's and
 * tags it again; then subscribes each address not subscribed yet. Returns the
 * topic's ARN.
 */
export async function ensureAlarmTopic(sns: SNSClient, options: AlarmTopicOptions): Promise<string> {
  const existing = await topicTags(sns, options.arn);
  if (existing === undefined) {
    await sns.send(new CreateTopicCommand({ Name: options.name, Tags: [...options.tags] }));
  } else {
    assertOwned(`SNS topic ${options.name}`, existing, options.owner);
    await sns.send(new TagResourceCommand({ ResourceArn: options.arn, Tags: [...options.tags] }));
  }
  const subscribed = await emailSubscribers(sns, options.arn);
  for (const email of new Set(options.emails)) {
    if (subscribed.has(email)) continue;
    await sns.send(new SubscribeCommand({ TopicArn: options.arn, Protocol: 'email', Endpoint: email }));
  }
  return options.arn;
}

/** Deletes the environment's topic and its subscriptions; returns whether there was one. */
export async function deleteAlarmTopic(
  sns: SNSClient,
  topicArn: string,
  owner: EnvironmentIdentity,
): Promise<boolean> {
  const tags = await topicTags(sns, topicArn);
  if (tags === undefined) return false;
  assertOwned(`SNS topic ${topicArn}`, tags, owner);
  try {
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  } catch (error) {
    if (!hasAwsErrorName(error, ...NOT_FOUND)) throw error;
  }
  return true;
}

/** The ARN of the topic called `name` in the client's account and region; undefined when there is none. */
export async function findTopicArn(sns: SNSClient, name: string): Promise<string | undefined> {
  for await (const page of paginateListTopics({ client: sns }, {})) {
    const found = page.Topics?.find((topic) => topic.TopicArn?.endsWith(`:${name}`));
    if (found?.TopicArn !== undefined) return found.TopicArn;
  }
  return undefined;
}
