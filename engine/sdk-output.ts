/**
 * A JS SDK command output → the JSON a Task state returns, guided by the
 * command's output schema. `$metadata` and anything else outside the schema
 * is dropped, Dates become ISO-8601 strings and bytes become base64. For
 * aws-sdk integrations members are renamed to the Java SDK v2 names Step
 * Functions uses (`DBInstanceArn` → `DbInstanceArn`); optimized integrations
 * keep the API's own names.
 */
import type { NormalizedSchema } from '@smithy/core/schema';
import type { JsonValue } from '../core/asl.ts';
import { javaMemberName } from './java-names.ts';

export interface OutputNaming {
  /** Rename structure members to Java SDK v2 names (aws-sdk integrations). */
  readonly javaNames: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON for a value the schema says nothing more about (documents, unknown shapes). */
export function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item) ?? null);
  if (isPlainObject(value)) {
    const json: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toJsonValue(item);
      if (converted !== undefined) json[key] = converted;
    }
    return json;
  }
  return String(value);
}

/** The Task result for an SDK output `value` under `schema`. */
export function fromSdkOutput(
  value: unknown,
  schema: NormalizedSchema,
  naming: OutputNaming,
): JsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date || value instanceof Uint8Array) return toJsonValue(value);
  if (schema.isListSchema() && Array.isArray(value)) {
    const items = schema.getValueSchema();
    return value.map((item) => fromSdkOutput(item, items, naming) ?? null);
  }
  if (schema.isMapSchema() && isPlainObject(value)) {
    const values = schema.getValueSchema();
    const json: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = fromSdkOutput(item, values, naming);
      if (converted !== undefined) json[key] = converted;
    }
    return json;
  }
  if (schema.isStructSchema() && isPlainObject(value)) {
    const json: Record<string, JsonValue> = {};
    for (const [member, memberSchema] of schema.structIterator()) {
      const converted = fromSdkOutput(value[member], memberSchema, naming);
      if (converted !== undefined) json[naming.javaNames ? javaMemberName(member) : member] = converted;
    }
    return json;
  }
  return toJsonValue(value);
}
