/**
 * A Task's effective parameters → the JS SDK command input, guided by the
 * command's input schema.
 *
 * Step Functions spells members the Java SDK v2 way (`DbInstanceIdentifier`,
 * `Ttl`) where the JS SDK uses the Smithy names (`DBInstanceIdentifier`,
 * `TTL`): they differ only in case, so members are matched
 * case-insensitively. Java renames a member that clashes with a keyword or
 * method by appending `Value` (`Equals` → `EqualsValue`), so that suffix is
 * tried too. Map keys are data and stay as they are.
 */
import type { NormalizedSchema } from '@smithy/core/schema';
import { isJsonObject, type JsonValue } from '../core/asl.ts';
import { StatesRuntimeError } from './errors.ts';

export interface MemberMatching {
  /** Match members ignoring case, and with Java's `Value` suffix (aws-sdk integrations); exact names otherwise (optimized integrations). */
  readonly caseInsensitive: boolean;
}

/** The schema's member a parameter key names, or undefined. */
export function resolveMember(
  struct: NormalizedSchema,
  key: string,
  matching: MemberMatching,
): [string, NormalizedSchema] | undefined {
  const members = struct.getMemberSchemas();
  const exact = members[key];
  if (exact) return [key, exact];
  if (!matching.caseInsensitive) return undefined;
  const candidates = [key.toLowerCase()];
  if (key.endsWith('Value')) candidates.push(key.slice(0, -'Value'.length).toLowerCase());
  for (const candidate of candidates) {
    for (const [name, member] of Object.entries(members)) {
      if (name.toLowerCase() === candidate) return [name, member];
    }
  }
  return undefined;
}

/** A readable shape name: `CreateVpcRequest`. */
export function shapeName(schema: NormalizedSchema): string {
  return schema.getName() ?? 'structure';
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'base64'));
}

/**
 * The SDK input for `value` under `schema`. Timestamps given as strings
 * become Dates and non-streaming blobs given as strings are base64-decoded
 * (Step Functions JSON carries them that way); an unknown member fails the
 * state with States.Runtime, naming the member, where it is and the shape.
 */
export function toSdkInput(
  value: JsonValue | undefined,
  schema: NormalizedSchema,
  matching: MemberMatching,
  path = '$',
): unknown {
  if (value === null || value === undefined) return value;
  if (schema.isListSchema() && Array.isArray(value)) {
    const items = schema.getValueSchema();
    return value.map((item, index) => toSdkInput(item, items, matching, `${path}[${index}]`));
  }
  if (schema.isMapSchema() && isJsonObject(value)) {
    const values = schema.getValueSchema();
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toSdkInput(item, values, matching, `${path}.${key}`)]),
    );
  }
  if (schema.isStructSchema() && isJsonObject(value)) {
    const converted: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const member = resolveMember(schema, key, matching);
      if (!member) {
        throw new StatesRuntimeError(`${path}: "${key}" is not a member of ${shapeName(schema)}`);
      }
      const [name, memberSchema] = member;
      converted[name] = toSdkInput(item, memberSchema, matching, `${path}.${key}`);
    }
    return converted;
  }
  if (schema.isTimestampSchema() && typeof value === 'string') return new Date(value);
  if (schema.isBlobSchema() && !schema.isStreaming() && typeof value === 'string') return fromBase64(value);
  return value;
}

/**
 * Parameter keys the schema does not have, checked statically as in a
 * definition: a key ending in `.$` takes its value from a path, so only the
 * key is checked; other values are followed into nested structures, lists
 * and maps. Each problem names the key's path and the shape.
 */
export function unknownParameters(
  parameters: JsonValue,
  schema: NormalizedSchema,
  matching: MemberMatching,
  path = 'Parameters',
): string[] {
  if (schema.isListSchema() && Array.isArray(parameters)) {
    const items = schema.getValueSchema();
    return parameters.flatMap((item, index) => unknownParameters(item, items, matching, `${path}[${index}]`));
  }
  if (schema.isMapSchema() && isJsonObject(parameters)) {
    const values = schema.getValueSchema();
    return Object.entries(parameters).flatMap(([key, item]) =>
      key.endsWith('.$') ? [] : unknownParameters(item, values, matching, `${path}.${key}`),
    );
  }
  if (!schema.isStructSchema() || !isJsonObject(parameters)) return [];
  return Object.entries(parameters).flatMap(([key, item]) => {
    const fromPath = key.endsWith('.$');
    const memberKey = fromPath ? key.slice(0, -2) : key;
    const member = resolveMember(schema, memberKey, matching);
    if (!member) return [`${path}.${memberKey} is not a member of ${shapeName(schema)}`];
    return fromPath ? [] : unknownParameters(item, member[1], matching, `${path}.${memberKey}`);
  });
}
