import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteAlarmTopic, ensureAlarmTopic } from '../../../../functions/aws/sns/alarm-topic.ts';
import { callIndex } from '../../../support/aws-mocks.ts';

const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1' });

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:shop-live-alarms';
const TAGS = [
  { Key: 'modeshift:project', Value: 'shop' },
  { Key: 'modeshift:environment', Value: 'live' },
];

const OWNER = { project: 'shop', environment: 'live' };
const TOPIC = { name: 'shop-live-alarms', arn: TOPIC_ARN, owner: OWNER, tags: TAGS };
const noTopic = () => new NotFoundException({ message: 'Topic does not exist', $metadata: {} });

beforeEach(() => {
  sns.reset();
  sns.on(ListTagsForResourceCommand).rejects(noTopic());
  sns.on(CreateTopicCommand).resolves({ TopicArn: TOPIC_ARN });
  sns.on(TagResourceCommand).resolves({});
  sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });
});

describe('ensureAlarmTopic', () => {
  it('creates a topic that is not there with the deployment tags', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });

    const arn = await ensureAlarmTopic(client, { ...TOPIC, emails: [] });

    expect(arn).toBe(TOPIC_ARN);
    expect(sns).toHaveReceivedCommandWith(CreateTopicCommand, { Name: 'shop-live-alarms', Tags: TAGS });
    expect(sns).not.toHaveReceivedCommand(TagResourceCommand);
  });

  it("tags again the environment's topic that is there, and changes none of another's", async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });

    await ensureAlarmTopic(client, { ...TOPIC, emails: [] });
    expect(sns).not.toHaveReceivedCommand(CreateTopicCommand);
    expect(sns).toHaveReceivedCommandWith(TagResourceCommand, { ResourceArn: TOPIC_ARN, Tags: TAGS });

    sns.resetHistory();
    sns.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'modeshift:project', Value: 'blog' }] });
    await expect(ensureAlarmTopic(client, { ...TOPIC, emails: ['ops@example.com'] })).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(sns).not.toHaveReceivedCommand(TagResourceCommand);
    expect(sns).not.toHaveReceivedCommand(SubscribeCommand);
  });

  it('subscribes each address by email', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });

    await ensureAlarmTopic(client, {
      ...TOPIC,
      emails: ['ops@example.com', 'cto@example.com'],
    });

    expect(sns).toHaveReceivedCommandTimes(SubscribeCommand, 2);
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: TOPIC_ARN,
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: TOPIC_ARN,
      Protocol: 'email',
      Endpoint: 'cto@example.com',
    });
  });

  it('lists the subscriptions before subscribing', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });

    await ensureAlarmTopic(client, { ...TOPIC, emails: ['ops@example.com'] });

    expect(callIndex(sns, ListSubscriptionsByTopicCommand)).toBeLessThan(callIndex(sns, SubscribeCommand));
  });

  it('does not subscribe an address again on a redeploy, confirmed or pending, on any page', async () => {
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC_ARN, NextToken: undefined })
      .resolves({
        Subscriptions: [
          { Protocol: 'email', Endpoint: 'ops@example.com', SubscriptionArn: `${TOPIC_ARN}:0b1d` },
        ],
        NextToken: 'page-2',
      })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC_ARN, NextToken: 'page-2' })
      .resolves({
        Subscriptions: [
          { Protocol: 'email', Endpoint: 'cto@example.com', SubscriptionArn: 'PendingConfirmation' },
        ],
      });

    await ensureAlarmTopic(client, {
      ...TOPIC,
      emails: ['ops@example.com', 'cto@example.com', 'oncall@example.com'],
    });

    expect(sns).toHaveReceivedCommandTimes(SubscribeCommand, 1);
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, { Endpoint: 'oncall@example.com' });
  });

  it('subscribes an address that only has another protocol’s subscription', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'email-json', Endpoint: 'ops@example.com' }],
    });

    await ensureAlarmTopic(client, { ...TOPIC, emails: ['ops@example.com'] });

    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('subscribes an address listed twice once', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });

    await ensureAlarmTopic(client, {
      ...TOPIC,
      emails: ['ops@example.com', 'ops@example.com'],
    });

    expect(sns).toHaveReceivedCommandTimes(SubscribeCommand, 1);
  });
});

describe('deleteAlarmTopic', () => {
  it("deletes the environment's topic", async () => {
    sns.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
    sns.on(DeleteTopicCommand).resolves({});

    await expect(deleteAlarmTopic(client, TOPIC_ARN, OWNER)).resolves.toBe(true);

    expect(sns).toHaveReceivedCommandWith(DeleteTopicCommand, { TopicArn: TOPIC_ARN });
  });

  it('is done when the topic is not there', async () => {
    await expect(deleteAlarmTopic(client, TOPIC_ARN, OWNER)).resolves.toBe(false);
    expect(sns).not.toHaveReceivedCommand(DeleteTopicCommand);
  });

  it("never deletes another environment's topic of that name", async () => {
    sns.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'modeshift:project', Value: 'blog' }] });

    await expect(deleteAlarmTopic(client, TOPIC_ARN, OWNER)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
    });
    expect(sns).not.toHaveReceivedCommand(DeleteTopicCommand);
  });

  it('passes any other refusal on', async () => {
    sns.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
    sns.on(DeleteTopicCommand).rejects(new Error('AuthorizationError'));

    await expect(deleteAlarmTopic(client, TOPIC_ARN, OWNER)).rejects.toThrow('AuthorizationError');
  });
});
