/** The failure event for a request that starts nothing: a bad event, or a workflow that could not start. */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Problem } from '../../core/errors.ts';
import { MODESHIFT_SOURCE } from './request-event.ts';

/** What a failure event says: the error, each problem, and the request as it came. */
export interface RequestFailure {
  readonly problems?: readonly Problem[];
  readonly error: string;
  readonly request?: unknown;
}

export async function emitRequestFailed(
  eventbridge: EventBridgeClient,
  busName: string,
  detailType: 'Deployment Failed' | 'Teardown Failed',
  detail: RequestFailure,
): Promise<void> {
  await eventbridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: MODESHIFT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
}
