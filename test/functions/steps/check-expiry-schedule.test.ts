import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { environmentNames } from '../../../core/names.ts';
import { checkExpirySchedule } from '../../../functions/steps/check-expiry-schedule.ts';

const scheduler = mockClient(SchedulerClient);
const clients = { scheduler: new SchedulerClient({ region: 'us-east-1' }) };
const input = { project: 'shop', environment: 'sec-x', names: environmentNames('shop', 'sec-x') };
const scheduleFor = (detail: unknown) => ({
  Name: 'shop--sec-x-expiry',
  Target: { Arn: 'arn:aws:events:us-east-1:1:event-bus/b', RoleArn: 'r', Input: JSON.stringify(detail) },
});

beforeEach(() => {
  scheduler.reset();
});

describe('CheckExpirySchedule', () => {
  it('says there is none when the schedule does not exist', async () => {
    scheduler
      .on(GetScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', Message: 'no', $metadata: {} }));

    expect(await checkExpirySchedule(input, clients)).toEqual({ exists: false });
    expect(scheduler).toHaveReceivedCommandWith(GetScheduleCommand, { Name: 'shop--sec-x-expiry' });
  });

  it('finds the schedule whose Down Requested names this project and environment', async () => {
    scheduler
      .on(GetScheduleCommand)
      .resolves(scheduleFor({ project: 'shop', environment: 'sec-x', reason: 'expired' }));

    expect(await checkExpirySchedule(input, clients)).toEqual({ exists: true });
  });

  it('refuses a schedule of its name that requests another environment’s down', async () => {
    scheduler
      .on(GetScheduleCommand)
      .resolves(scheduleFor({ project: 'shop-sec', environment: 'x', reason: 'expired' }));

    await expect(checkExpirySchedule(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining(
        'expiry schedule shop--sec-x-expiry belongs to shop-sec/x, not shop/sec-x',
      ),
    });
  });

  it('refuses a schedule of its name that modeshift did not make', async () => {
    scheduler
      .on(GetScheduleCommand)
      .resolves({ Name: 'shop--sec-x-expiry', Target: { Arn: 'a', RoleArn: 'r', Input: 'hello' } });

    await expect(checkExpirySchedule(input, clients)).rejects.toMatchObject({
      name: 'Modeshift.NotOwned',
      message: expect.stringContaining('has no modeshift tags'),
    });
  });
});
