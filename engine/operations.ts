/**
 * An API operation of a service: its JS SDK command class and the input and
 * output schemas the command carries (`@smithy/core/schema`). Step Functions
 * writes actions in camelCase (`describeDBInstances`); the command is the
 * capitalised name plus `Command`.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import { type AwsClient, type AwsService, awsServiceById, sdkOperationName } from '../core/aws-services.ts';
import { EngineError } from './errors.ts';

/** What `new XCommand(input)` makes: what `client.send()` takes. */
export type SdkCommand = Parameters<AwsClient['send']>[0];
type CommandClass = new (input: object) => SdkCommand & { readonly schema?: unknown };
type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

export interface Operation {
  readonly serviceId: string;
  readonly service: AwsService;
  /** `<Action>Command`'s operation name, e.g. `DescribeDBInstances`. */
  readonly name: string;
  readonly createCommand: (input: object) => SdkCommand;
  readonly input: NormalizedSchema;
  readonly output: NormalizedSchema;
}

const cache = new Map<string, Operation>();

/** Input and output schema refs of an operation schema, static (`[9, ns, name, traits, in, out]`) or object form. */
function ioSchemas(schema: unknown): [SchemaRef, SchemaRef] | undefined {
  if (Array.isArray(schema) && schema.length >= 6) return [schema[4] as SchemaRef, schema[5] as SchemaRef];
  if (typeof schema === 'object' && schema !== null && 'input' in schema && 'output' in schema) {
    return [schema.input as SchemaRef, schema.output as SchemaRef];
  }
  return undefined;
}

/**
 * The operation `<service>:<action>` of an aws-sdk integration, or an
 * EngineError saying which part is unknown.
 */
export function resolveOperation(serviceId: string, action: string): Operation {
  const key = `${serviceId}:${action}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const service = awsServiceById(serviceId);
  if (!service) throw new EngineError(`service "${serviceId}" is not supported by the local engine`);
  const name = sdkOperationName(service, action);
  if (name === undefined) throw new EngineError(`service "${serviceId}" has no action "${action}"`);
  const Command = service.sdk[`${name}Command`] as CommandClass;
  const io = ioSchemas(new Command({}).schema);
  if (!io) throw new EngineError(`${key}: the SDK command carries no schema`);
  const operation: Operation = {
    serviceId,
    service,
    name,
    createCommand: (input) => new Command(input),
    input: NormalizedSchema.of(io[0]),
    output: NormalizedSchema.of(io[1]),
  };
  cache.set(key, operation);
  return operation;
}
