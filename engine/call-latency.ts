/**
 * The per-call part of the latency model in front of any client factory:
 * every AWS call waits the model's `callSeconds` (scaled) before it is
 * sent, so a run against a local emulator, which answers in a millisecond,
 * spends on calls what it would on AWS.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AwsClient, ClientFactory } from './clients.ts';
import type { LatencyModel } from './latency-model.ts';

/** The middleware's name in each client's stack, so it is added once per client. */
const MIDDLEWARE_NAME = 'modeshiftCallLatency';

/** Adds the call latency to one client (idempotent). */
export function addCallLatency(client: AwsClient, model: LatencyModel): AwsClient {
  const ms = model.callSeconds * model.scale * 1000;
  if (ms <= 0) return client;
  client.middlewareStack.remove(MIDDLEWARE_NAME);
  client.middlewareStack.add(
    (next) =>
      async function callLatency(args) {
        await delay(ms);
        return next(args);
      },
    { step: 'initialize', name: MIDDLEWARE_NAME, priority: 'high' },
  );
  return client;
}

/** A factory whose clients all wait the model's call latency. */
export function withCallLatency(clients: ClientFactory, model: LatencyModel): ClientFactory {
  const done = new WeakSet<AwsClient>();
  return function latentClientFor(service) {
    const client = clients(service);
    if (!done.has(client)) {
      addCallLatency(client, model);
      done.add(client);
    }
    return client;
  };
}
