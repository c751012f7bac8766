/**
 * What a request handler receives: an EventBridge event from the bus
 * (`detail-type`, `source`, `detail`), or — from the SST Console or
 * `aws lambda invoke` — the detail itself as plain JSON.
 */
import { InputError } from '../../core/errors.ts';

/** The source of every event modeshift sends and accepts. */
export const MODESHIFT_SOURCE = 'modeshift';

export interface EventBridgeEvent {
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: unknown;
}

function isEventBridgeEvent(event: unknown): event is EventBridgeEvent {
  return typeof event === 'object' && event !== null && 'detail-type' in event && 'detail' in event;
}

/**
 * The request detail of an event. An EventBridge event must come from
 * modeshift's own source and have the expected detail type.
 */
export function requestDetail(event: unknown, detailType: string): unknown {
  if (!isEventBridgeEvent(event)) return event;
  if (event.source !== MODESHIFT_SOURCE) {
    throw new InputError([
      {
        path: 'source',
        message: `${JSON.stringify(event.source)} is not modeshift's source "${MODESHIFT_SOURCE}"`,
      },
    ]);
  }
  if (event['detail-type'] !== detailType) {
    throw new InputError([
      { path: 'detail-type', message: `${JSON.stringify(event['detail-type'])} is not "${detailType}"` },
    ]);
  }
  return event.detail;
}
