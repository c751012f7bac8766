/**
 * Real AWS SDK v3 clients whose requests never leave the process: a
 * middleware at the front of each client's stack answers every command from
 * an in-memory service (bench/aws/*.ts) after the model's call latency.
 * Paginators, waiters of the steps' own making and the engine's error
 * naming all work as against AWS, because the clients are the real ones.
 */

import { awsServiceById } from '../../core/aws-services.ts';
import { createClientFactory } from '../../engine/clients.ts';
import type { ClientFactory } from '../../engine/run-workflow.ts';
import type { World } from '../world.ts';

/** One operation of an in-memory service: the command's input in, its output out. */
export type Operation = (input: never) => unknown;

/** An in-memory service: its operations by name (`CreateService`, not `CreateServiceCommand`). */
export type InMemoryService = Readonly<Record<string, Operation>>;

/** Counts of the calls each operation received, as `service:Operation`. */
export type CallCounts = Map<string, number>;

/** An error as the service's SDK throws it: the modeled exception class when there is one. */
export function awsError(service: string, name: string, message: string): Error {
  const exported = awsServiceById(service)?.sdk[name];
  if (typeof exported === 'function') {
    const ErrorClass = exported as new (options: { message: string; $metadata: object }) => Error;
    return new ErrorClass({ message, $metadata: { httpStatusCode: 400 } });
  }
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A client factory whose clients answer from `services`, counting calls in `counts`. */
export function inMemoryClients(
  world: World,
  services: Readonly<Record<string, InMemoryService>>,
  counts: CallCounts,
): ClientFactory {
  const real = createClientFactory({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const wired = new Set<string>();
  return function inMemoryClientFor(service) {
    const client = real(service);
    if (wired.has(service)) return client;
    wired.add(service);
    client.middlewareStack.add(
      (_next, context) =>
        async function answerInMemory(args) {
          const name = String((context as { commandName?: string }).commandName ?? '').replace(
            /Command$/,
            '',
          );
          const operation = services[service]?.[name];
          if (operation === undefined)
            throw new Error(`the benchmark's AWS does not model ${service}:${name}`);
          const key = `${service}:${name}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          await world.calls(1);
          const result = await (operation as (input: unknown) => unknown)(args.input);
          return { output: { $metadata: { httpStatusCode: 200 }, ...(result as object) }, response: {} };
        },
      { step: 'initialize', name: 'inMemoryAws', priority: 'high' },
    );
    return client;
  };
}
