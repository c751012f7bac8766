/**
 * Where the engine gets its AWS clients: a factory from Step Functions
 * service id to a JS SDK v3 client (core/aws-services.ts). Tests pass a
 * factory whose clients are mocked; the CLI passes one pointed at the local
 * emulator's endpoint.
 */
import { type AwsClient, awsServiceById, type ClientConfig, SERVICE_IDS } from '../core/aws-services.ts';
import { EngineError } from './errors.ts';

export type { AwsClient } from '../core/aws-services.ts';

/** The client for a Step Functions service id such as `ec2`, `rds` or `route53`. */
export type ClientFactory = (service: string) => AwsClient;

export interface ClientFactoryConfig {
  /** API endpoint for every service, e.g. a local emulator's `http://127.0.0.1:5000`. @default each service's AWS endpoint */
  endpoint?: string;
  /** @default the SDK's own resolution (`AWS_REGION`, profile) */
  region?: string;
  /** @default the SDK's default credential chain */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A factory that creates one client per service on first use and returns it ever after. */
export function createClientFactory(config: ClientFactoryConfig = {}): ClientFactory {
  const cache = new Map<string, AwsClient>();
  return function clientFor(service) {
    const cached = cache.get(service);
    if (cached) return cached;
    const entry = awsServiceById(service);
    if (!entry) {
      throw new EngineError(`no AWS client for service "${service}" (known: ${SERVICE_IDS.join(', ')})`);
    }
    const clientConfig: ClientConfig = {};
    if (config.region !== undefined) clientConfig.region = config.region;
    if (config.credentials !== undefined) clientConfig.credentials = config.credentials;
    if (config.endpoint !== undefined) {
      clientConfig.endpoint = config.endpoint;
      if (service === 's3') clientConfig.forcePathStyle = true;
    }
    const client = new entry.client(clientConfig);
    cache.set(service, client);
    return client;
  };
}
