/**
 * Where a local run sends its AWS calls: an endpoint (the embedded local AWS,
 * or one someone else runs), with modeshift's own resources bootstrapped in
 * it, and every SDK call recorded — the emulator does not keep every setting
 * (docs/design.md §4), so what was sent is kept alongside what it stored.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../core/errors.ts';
import { startLocalAws } from '../emulator/local-aws.ts';
import { logAwsCalls } from '../engine/call-log.ts';
import { type ClientFactory, createClientFactory } from '../engine/clients.ts';
import {
  bootstrapLocalTarget,
  DEFAULT_LOCAL_TARGET,
  type LocalTarget,
  placeholdersFor,
} from './bootstrap.ts';

/** One AWS call as the SDK sent it. */
export interface RecordedCall {
  readonly service: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** The connection settings every client of a target is made with. */
export interface ClientSettings {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly forcePathStyle: true;
}

export interface Target {
  readonly endpoint: string;
  /** true when this process started the embedded local AWS (and stops it on close). */
  readonly embedded: boolean;
  /** true when the endpoint is a local emulator (moto): waits can be shortened, resources appear at once. */
  readonly emulator: boolean;
  readonly settings: ClientSettings;
  readonly clients: ClientFactory;
  readonly names: LocalTarget;
  readonly placeholders: Record<string, string>;
  /** Every call made through `clients`, in order. */
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

export interface OpenTargetOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

/** Adds call recording to every client the factory makes, and the call log (engine/call-log.ts). */
export function recordingClients(
  factory: ClientFactory,
  calls: RecordedCall[],
  endpoint = 'unknown',
): ClientFactory {
  const seen = new Set<string>();
  return (service) => {
    const client = factory(service);
    if (!seen.has(service)) {
      seen.add(service);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          calls.push({
            service,
            command: String(context.commandName ?? ''),
            input: (args.input ?? {}) as Record<string, unknown>,
          });
          return next(args);
        },
        { step: 'initialize', name: 'modeshiftCallRecorder' },
      );
      logAwsCalls(client, service, endpoint);
    }
    return client;
  };
}

/** Whether an endpoint is a moto server: it answers on /moto-api/. */
async function isEmulator(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

function parseEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString().replace(/\/$/, '');
  } catch {
    // reported below
  }
  throw new InputError([
    {
      path: '--endpoint',
      message: `${JSON.stringify(endpoint)} is not an endpoint (expected a URL such as http://127.0.0.1:5000, or local)`,
    },
  ]);
}

/**
 * Opens the target an `--endpoint` names: `local` (or nothing) starts the
 * embedded local AWS; a URL is used as it is. modeshift's own resources are
 * created there if missing.
 */
export async function openTarget(
  endpoint: string | undefined,
  options: OpenTargetOptions = {},
): Promise<Target> {
  const env = options.env ?? process.env;
  const embedded = endpoint === undefined || endpoint === 'local';
  const url = embedded ? undefined : parseEndpoint(endpoint as string);
  const local = embedded ? await startLocalAws(options.log ? { log: options.log } : {}) : undefined;
  const resolved = url ?? (local?.endpoint as string);
  const settings: ClientSettings = {
    endpoint: resolved,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_LOCAL_TARGET.region,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    forcePathStyle: true,
  };
  const names: LocalTarget = { ...DEFAULT_LOCAL_TARGET, region: settings.region };
  const calls: RecordedCall[] = [];
  const clients = recordingClients(createClientFactory(settings), calls, resolved);
  try {
    await bootstrapLocalTarget(names, {
      dynamodb: clients('dynamodb') as DynamoDBClient,
      eventbridge: clients('eventbridge') as EventBridgeClient,
      iam: clients('iam') as IAMClient,
      s3: clients('s3') as S3Client,
    });
  } catch (error) {
    await local?.stop();
    throw new InputError(
      [
        {
          path: '--endpoint',
          message: `${resolved} did not answer as AWS does: ${(error as Error).message}`,
        },
      ],
      { cause: error },
    );
  }
  return {
    endpoint: resolved,
    embedded,
    emulator: embedded || (await isEmulator(resolved)),
    settings,
    clients,
    names,
    placeholders: placeholdersFor(names),
    calls,
    close: async () => {
      await local?.stop();
    },
  };
}
