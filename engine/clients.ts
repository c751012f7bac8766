/**
 * Where the engine gets its AWS clients: a factory from Step Functions
 * service id to a JS SDK v3 client. Tests pass a factory whose clients are
 * mocked; the CLI passes one pointed at the local emulator's endpoint.
 */
import { EngineError } from './errors.ts';
import { type AwsClient, type ClientConfig, SERVICE_IDS, serviceEntry } from './services.ts';

export type { AwsClient } from './services.ts';

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
    const entry = serviceEntry(service);
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
    const client = entry.createClient(clientConfig);
    cache.set(service, client);
    return client;
  };
}
